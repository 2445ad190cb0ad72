// The play queue as pure state: what plays now, what comes next, shuffle and repeat.
import type { Track } from "../api/types";

export type Repeat = "off" | "all" | "one";

export interface QueueState {
  tracks: Track[];
  /** Indexes into `tracks` in play order (shuffled or not). */
  order: number[];
  /** Position in `order` of the current track, -1 when nothing is queued. */
  position: number;
  shuffle: boolean;
  repeat: Repeat;
  /** Bumped whenever the current track must (re)start from the top. */
  cue: number;
}

export type QueueAction =
  | { type: "play"; tracks: Track[]; start: number }
  | { type: "enqueue"; track: Track }
  | { type: "next" }
  | { type: "ended" }
  | { type: "previous" }
  | { type: "shuffle"; random?: () => number }
  | { type: "repeat" };

export const emptyQueue: QueueState = { tracks: [], order: [], position: -1, shuffle: false, repeat: "off", cue: 0 };

function shuffled(count: number, first: number, random: () => number): number[] {
  const rest = [...Array(count).keys()].filter((i) => i !== first);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return first >= 0 ? [first, ...rest] : rest;
}

export function current(state: QueueState): Track | null {
  const index = state.order[state.position];
  return index === undefined ? null : (state.tracks[index] ?? null);
}

/** The track after the current one, for preloading; null at the end without repeat. */
export function upNext(state: QueueState): Track | null {
  if (state.repeat === "one") return current(state);
  const next = state.position + 1 < state.order.length ? state.position + 1 : state.repeat === "all" ? 0 : -1;
  const index = state.order[next];
  return index === undefined ? null : (state.tracks[index] ?? null);
}

const REPEATS: Repeat[] = ["off", "all", "one"];

export function queueReducer(state: QueueState, action: QueueAction): QueueState {
  switch (action.type) {
    case "play": {
      const order = [...action.tracks.keys()];
      return {
        ...state,
        tracks: action.tracks,
        order: state.shuffle ? shuffled(order.length, action.start, Math.random) : order,
        position: state.shuffle ? 0 : action.start,
        cue: state.cue + 1,
      };
    }
    case "enqueue": {
      const tracks = [...state.tracks, action.track];
      return {
        ...state,
        tracks,
        order: [...state.order, tracks.length - 1],
        position: state.position < 0 ? 0 : state.position,
        cue: state.position < 0 ? state.cue + 1 : state.cue,
      };
    }
    case "ended":
      if (state.repeat === "one") return { ...state, cue: state.cue + 1 };
      return advance(state);
    case "next":
      return advance(state);
    case "previous":
      if (state.position > 0) return { ...state, position: state.position - 1, cue: state.cue + 1 };
      if (state.repeat === "all" && state.order.length > 0) {
        return { ...state, position: state.order.length - 1, cue: state.cue + 1 };
      }
      return { ...state, cue: state.cue + 1 };
    case "shuffle": {
      const index = state.order[state.position] ?? -1;
      if (state.shuffle) {
        const order = [...state.tracks.keys()];
        return { ...state, shuffle: false, order, position: index };
      }
      const order = shuffled(state.tracks.length, index, action.random ?? Math.random);
      return { ...state, shuffle: true, order, position: index >= 0 ? 0 : -1 };
    }
    case "repeat":
      return { ...state, repeat: REPEATS[(REPEATS.indexOf(state.repeat) + 1) % REPEATS.length]! };
  }
}

function advance(state: QueueState): QueueState {
  const cue = state.cue + 1;
  if (state.position + 1 < state.order.length) return { ...state, position: state.position + 1, cue };
  if (state.repeat === "all" && state.order.length > 0) return { ...state, position: 0, cue };
  return { ...state, position: -1, cue };
}
