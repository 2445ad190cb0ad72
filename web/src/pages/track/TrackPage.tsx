// Track page: art, metadata, waveform with timed comments, like, add to playlist, share, stats.
import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router-dom";
import { api } from "../../api/client";
import type { Playback, Track } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { ErrorText } from "../../components/ErrorText";
import { usePlayer } from "../../player/PlayerContext";
import { AddToPlaylist } from "./AddToPlaylist";
import { Comments } from "./Comments";
import { LikeButton } from "./LikeButton";
import { MetadataForm } from "./MetadataForm";
import { ShareButton } from "./ShareButton";
import { TrackStats } from "./TrackStats";

export default function TrackPage() {
  const { id = "" } = useParams();
  const { me } = useAuth();
  const { playTracks } = usePlayer();
  const track = useQuery({ queryKey: ["track", id], queryFn: () => api.get<Track>(`/tracks/${id}`) });
  const ready = track.data?.status === "ready";
  const playback = useQuery({
    queryKey: ["playback", id],
    queryFn: () => api.get<Playback>(`/tracks/${id}/stream`),
    enabled: ready,
  });
  if (track.error) return <ErrorText error={track.error} />;
  if (!track.data) return <p role="status">Loading…</p>;
  const t = track.data;
  const owner = me?.id === t.owner_id;
  const cover = playback.data?.covers["300"];

  return (
    <article className="track-page">
      <header>
        {cover ? <img src={cover} alt={`Cover of ${t.title}`} width={200} height={200} /> : <div className="no-cover" aria-hidden />}
        <div>
          <h1>{t.title}</h1>
          <p>{[t.artist, t.album, t.year].filter(Boolean).join(" · ")}</p>
          <p>{t.genre} {t.tags.map((tag) => `#${tag}`).join(" ")}</p>
          <p>Status: <span data-testid="track-status">{t.status}</span></p>
          <div className="actions">
            <button type="button" disabled={!ready} onClick={() => playTracks([t], 0)}>
              ▶ Play
            </button>
            <LikeButton trackId={t.id} />
            <AddToPlaylist trackId={t.id} />
            <ShareButton track={t} owner={owner} />
          </div>
        </div>
      </header>
      {owner && <TrackStats track={t} />}
      {owner && <MetadataForm track={t} />}
      <Comments track={t} playback={playback.data ?? null} />
    </article>
  );
}
