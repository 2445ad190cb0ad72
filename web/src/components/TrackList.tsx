// A list of tracks; playing one queues the whole list from there.
import { Link } from "react-router-dom";
import type { Track } from "../api/types";
import { usePlayer } from "../player/PlayerContext";
import { clock } from "../player/Waveform";

export function TrackList({ tracks, label }: { tracks: Track[]; label: string }) {
  const { playTracks } = usePlayer();
  if (!tracks.length) return <p className="empty">Nothing here yet.</p>;
  return (
    <ol className="tracks" aria-label={label}>
      {tracks.map((track, i) => (
        <li key={`${track.id}-${i}`}>
          <button
            type="button"
            aria-label={`Play ${track.title}`}
            disabled={track.status !== "ready"}
            onClick={() => playTracks(tracks.filter((t) => t.status === "ready"), tracks.filter((t) => t.status === "ready").indexOf(track))}
          >
            ▶
          </button>
          <Link to={`/tracks/${track.id}`}>{track.title}</Link>
          <small>{track.artist}</small>
          <span className="duration">{track.status === "ready" ? clock(track.duration ?? 0) : track.status}</span>
        </li>
      ))}
    </ol>
  );
}
