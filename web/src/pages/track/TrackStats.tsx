import type { Track } from "../../api/types";

export function TrackStats({ track }: { track: Track }) {
  return (
    <dl className="stats" aria-label="Stats">
      <dt>Plays</dt>
      <dd>{track.play_count}</dd>
      <dt>Listeners</dt>
      <dd>{track.listener_count}</dd>
      <dt>Listening time</dt>
      <dd>{Math.round(track.listening_seconds / 60)} min</dd>
    </dl>
  );
}
