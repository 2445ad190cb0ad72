// Media keys and the OS's now-playing panel, through the Media Session API.
import { useEffect } from "react";
import type { EngineState, PlayerEngine } from "./engine";
import type { QueueAction } from "./queue";

export function useMediaSession(
  engine: PlayerEngine | null,
  state: EngineState | null,
  dispatch: (action: QueueAction) => void,
): void {
  const track = state?.track ?? null;
  const cover = state?.playback?.covers ?? {};

  useEffect(() => {
    if (!("mediaSession" in navigator) || !engine) return;
    const session = navigator.mediaSession;
    session.setActionHandler("play", () => void engine.play());
    session.setActionHandler("pause", () => engine.pause());
    session.setActionHandler("previoustrack", () => dispatch({ type: "previous" }));
    session.setActionHandler("nexttrack", () => dispatch({ type: "next" }));
    session.setActionHandler("seekto", (details) => {
      if (details.seekTime !== undefined) engine.seek(details.seekTime);
    });
  }, [engine, dispatch]);

  useEffect(() => {
    if (!("mediaSession" in navigator)) return;
    navigator.mediaSession.metadata = track
      ? new MediaMetadata({
          title: track.title,
          artist: track.artist ?? "",
          album: track.album ?? "",
          artwork: Object.entries(cover).map(([size, src]) => ({ src, sizes: `${size}x${size}`, type: "image/jpeg" })),
        })
      : null;
    // Covers come with the playback answer; re-run when it arrives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [track, state?.playback]);
}
