import { describe, expect, it } from "vitest";
import type { Track } from "../api/types";
import { current, emptyQueue, queueReducer, upNext, type QueueAction, type QueueState } from "./queue";

const track = (id: string) => ({ id, title: id }) as Track;
const tracks = ["a", "b", "c"].map(track);

function run(state: QueueState, ...actions: QueueAction[]): QueueState {
  return actions.reduce(queueReducer, state);
}

describe("queue", () => {
  it("plays from the chosen track and walks forward then stops", () => {
    let state = run(emptyQueue, { type: "play", tracks, start: 1 });
    expect(current(state)?.id).toBe("b");
    expect(upNext(state)?.id).toBe("c");
    state = run(state, { type: "next" });
    expect(current(state)?.id).toBe("c");
    state = run(state, { type: "ended" });
    expect(current(state)).toBeNull();
  });

  it("goes back, and wraps both ways with repeat all", () => {
    let state = run(emptyQueue, { type: "play", tracks, start: 0 }, { type: "repeat" });
    expect(state.repeat).toBe("all");
    state = run(state, { type: "previous" });
    expect(current(state)?.id).toBe("c");
    state = run(state, { type: "next" });
    expect(current(state)?.id).toBe("a");
  });

  it("repeat one keeps the track and cues it again", () => {
    const start = run(emptyQueue, { type: "play", tracks, start: 2 }, { type: "repeat" }, { type: "repeat" });
    expect(start.repeat).toBe("one");
    const after = run(start, { type: "ended" });
    expect(current(after)?.id).toBe("c");
    expect(after.cue).toBe(start.cue + 1);
    expect(upNext(after)?.id).toBe("c");
  });

  it("shuffle keeps the current track first and visits every track once", () => {
    let state = run(emptyQueue, { type: "play", tracks, start: 1 }, { type: "shuffle", random: () => 0.5 });
    expect(state.shuffle).toBe(true);
    expect(current(state)?.id).toBe("b");
    const seen = [current(state)?.id];
    for (let i = 0; i < 2; i++) {
      state = run(state, { type: "next" });
      seen.push(current(state)?.id);
    }
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    const cue = state.cue;
    state = run(state, { type: "shuffle" });
    expect(state.shuffle).toBe(false);
    expect(current(state)?.id).toBe(seen[2]);
    expect(state.cue).toBe(cue);
  });

  it("enqueue onto an empty queue starts it", () => {
    const state = run(emptyQueue, { type: "enqueue", track: track("x") });
    expect(current(state)?.id).toBe("x");
    expect(state.cue).toBe(1);
  });
});
