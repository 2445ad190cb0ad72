// The one player for the whole app: queue state + the audio engine + Media Session.
import { createContext, useContext, useEffect, useReducer, useRef, useState, type ReactNode } from "react";
import type { Track } from "../api/types";
import { PlayerEngine, type EngineState } from "./engine";
import { current, emptyQueue, queueReducer, upNext, type QueueAction, type QueueState } from "./queue";
import { useMediaSession } from "./useMediaSession";

interface PlayerApi {
  queue: QueueState;
  dispatch: (action: QueueAction) => void;
  engine: PlayerEngine | null;
  state: EngineState | null;
  playTracks: (tracks: Track[], start: number) => void;
}

const PlayerContext = createContext<PlayerApi | null>(null);

export function PlayerProvider({ children }: { children: ReactNode }) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [engine, setEngine] = useState<PlayerEngine | null>(null);
  const [state, setState] = useState<EngineState | null>(null);
  const [queue, dispatch] = useReducer(queueReducer, emptyQueue);
  const queueRef = useRef(queue);
  queueRef.current = queue;

  const engineRef = useRef<PlayerEngine | null>(null);

  useEffect(() => {
    if (!audioRef.current) return;
    // One engine per audio element, even when effects run twice (StrictMode).
    engineRef.current ??= new PlayerEngine(audioRef.current);
    const created = engineRef.current;
    created.onEnded = () => {
      if (queueRef.current.repeat === "one") created.restart();
      else dispatch({ type: "ended" });
    };
    setEngine(created);
    setState(created.state);
    return created.subscribe(setState);
  }, []);

  useEffect(() => {
    if (!engine) return;
    const track = current(queue);
    if (track && track.id === engine.state.track?.id) engine.restart();
    else void engine.load(track);
    const next = upNext(queue);
    if (next && next.id !== track?.id) void engine.playbackFor(next.id).catch(() => undefined);
    // Only a new cue (play, next, previous, end) changes what plays.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, queue.cue]);

  useMediaSession(engine, state, dispatch);

  const value: PlayerApi = {
    queue,
    dispatch,
    engine,
    state,
    playTracks: (tracks, start) => dispatch({ type: "play", tracks, start }),
  };
  return (
    <PlayerContext.Provider value={value}>
      {children}
      <audio ref={audioRef} data-testid="audio" hidden />
    </PlayerContext.Provider>
  );
}

export function usePlayer(): PlayerApi {
  const player = useContext(PlayerContext);
  if (!player) throw new Error("usePlayer outside PlayerProvider");
  return player;
}
