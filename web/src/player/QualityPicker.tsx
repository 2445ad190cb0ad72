// Shows the HLS level playing now and lets the listener pin one (or go back to automatic).
import type { EngineState, PlayerEngine } from "./engine";

export function qualityLabel(state: EngineState): string {
  if (state.source === "progressive") return "Progressive";
  if (state.source === "native-hls") return "HLS (native)";
  const playing = state.levels[state.level]?.label ?? "…";
  return state.autoLevel ? `Auto · ${playing}` : playing;
}

export function QualityPicker({ engine, state }: { engine: PlayerEngine; state: EngineState }) {
  return (
    <label className="quality">
      <span data-testid="quality">{qualityLabel(state)}</span>
      {state.source === "hls" && (
        <select
          aria-label="Quality"
          value={state.autoLevel ? -1 : state.level}
          onChange={(event) => engine.setLevel(Number(event.target.value))}
        >
          <option value={-1}>Auto</option>
          {state.levels.map((level) => (
            <option key={level.index} value={level.index}>
              {level.label}
            </option>
          ))}
        </select>
      )}
    </label>
  );
}
