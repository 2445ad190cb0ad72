// The always-present player: track, transport, waveform seek, volume, quality, shuffle/repeat.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { usePlayer } from "./PlayerContext";
import { QualityPicker } from "./QualityPicker";
import { Waveform, clock } from "./Waveform";

const REPEAT_LABEL = { off: "Repeat off", all: "Repeat all", one: "Repeat one" } as const;

export function PlayerBar() {
  const { engine, state, queue, dispatch } = usePlayer();
  const [volume, setVolume] = useState(1);
  // Keyboard shortcuts and media keys change the element's volume too: follow it.
  useEffect(() => {
    if (!engine) return;
    const audio = engine.audio;
    const follow = () => setVolume(audio.volume);
    audio.addEventListener("volumechange", follow);
    return () => audio.removeEventListener("volumechange", follow);
  }, [engine]);
  if (!engine || !state) return null;
  const track = state.track;

  return (
    <section className="player" aria-label="Player">
      <div className="now">
        {state.playback?.covers["64"] && <img src={state.playback.covers["64"]} alt="" width={40} height={40} />}
        <div>
          {track ? <Link to={`/tracks/${track.id}`}>{track.title}</Link> : <span>Nothing playing</span>}
          <small>{track?.artist}</small>
        </div>
      </div>
      <div className="transport">
        <button type="button" onClick={() => dispatch({ type: "previous" })} aria-label="Previous">⏮</button>
        <button type="button" onClick={() => engine.toggle()} aria-label={state.playing ? "Pause" : "Play"} disabled={!track}>
          {state.playing ? "⏸" : "▶"}
        </button>
        <button type="button" onClick={() => dispatch({ type: "next" })} aria-label="Next">⏭</button>
        <button
          type="button"
          aria-pressed={queue.shuffle}
          aria-label="Shuffle"
          onClick={() => dispatch({ type: "shuffle" })}
        >
          🔀
        </button>
        <button type="button" aria-label={REPEAT_LABEL[queue.repeat]} title={REPEAT_LABEL[queue.repeat]} onClick={() => dispatch({ type: "repeat" })}>
          {queue.repeat === "one" ? "🔂" : "🔁"}
          <span className="sr-only">{queue.repeat}</span>
        </button>
      </div>
      <div className="seek">
        <span data-testid="time">{clock(state.time)}</span>
        <Waveform url={state.playback?.waveform ?? null} duration={state.duration} time={state.time} onSeek={(s) => engine.seek(s)} />
        <span>{clock(state.duration)}</span>
      </div>
      <div className="extras">
        <QualityPicker engine={engine} state={state} />
        <label>
          <span className="sr-only">Volume</span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={volume}
            aria-label="Volume"
            onChange={(event) => {
              engine.audio.volume = Number(event.target.value);
            }}
          />
        </label>
        {state.error && <span role="alert" className="error">{state.error}</span>}
      </div>
    </section>
  );
}
