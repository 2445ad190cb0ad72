// Timed comments: markers on the waveform, a list by position, a form at the player's time.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Comment, Page, Playback, Track } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";
import { usePlayer } from "../../player/PlayerContext";
import { Waveform, clock } from "../../player/Waveform";

export function Comments({ track, playback }: { track: Track; playback: Playback | null }) {
  const { state, engine, playTracks } = usePlayer();
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();
  const key = ["comments", track.id];
  const comments = useQuery({ queryKey: key, queryFn: () => api.get<Page<Comment>>(`/tracks/${track.id}/comments?limit=100`) });
  const playingThis = state?.track?.id === track.id;
  const time = playingThis ? state.time : 0;

  async function post(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const body = String(new FormData(form).get("body") ?? "").trim();
    if (!body) return;
    try {
      setError(null);
      await api.post(`/tracks/${track.id}/comments`, { body, position_ms: Math.round(time * 1000) });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (caught) {
      setError(caught);
    }
  }

  function seek(seconds: number) {
    if (playingThis) engine?.seek(seconds);
    else playTracks([track], 0);
  }

  const items = comments.data?.items ?? [];
  return (
    <section aria-label="Comments">
      {playback && (
        <Waveform
          url={playback.waveform}
          duration={playback.duration}
          time={time}
          onSeek={seek}
          height={80}
          markers={items.map((c) => ({ at: (c.position_ms ?? 0) / 1000, label: `${c.author.username}: ${c.body}` }))}
        />
      )}
      <h2>Comments</h2>
      <form onSubmit={post} className="comment-form">
        <label>
          Comment at {clock(time)}
          <input name="body" maxLength={1000} required />
        </label>
        <button type="submit">Post</button>
      </form>
      <ErrorText error={error ?? comments.error} />
      <ul className="comments">
        {items.map((c) => (
          <li key={c.id}>
            <button type="button" className="link" onClick={() => seek((c.position_ms ?? 0) / 1000)}>
              {clock((c.position_ms ?? 0) / 1000)}
            </button>{" "}
            <strong>{c.author.username}</strong> {c.body}
          </li>
        ))}
      </ul>
    </section>
  );
}
