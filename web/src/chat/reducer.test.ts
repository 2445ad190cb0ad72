import { describe, expect, it } from "vitest";
import { emptyRoom, mentionPrefix, roomReducer, TYPING_MS, type RoomAction, type RoomState } from "./reducer";
import type { Message } from "./types";

const ME = "u-me";
const other = { id: "u-2", username: "othello" };

function message(seq: number, body = `m${seq}`): Message {
  return { id: `id${seq}`, room: "r", seq, author: other, body, reply_to: null, created_at: "", edited_at: null, deleted: false, reactions: {} };
}

function event(type: string, data: object, now = 0): RoomAction {
  return { type: "event", event: { type, data: data as Record<string, unknown> }, me: ME, now };
}

function run(state: RoomState, ...actions: RoomAction[]): RoomState {
  return actions.reduce(roomReducer, state);
}

describe("room reducer", () => {
  it("pages history back and keeps messages in seq order without duplicates", () => {
    const state = run(
      emptyRoom,
      { type: "history", messages: [message(3), message(4)], hasMore: true },
      { type: "history", messages: [message(1), message(2)], hasMore: false },
      event("message.created", message(4)),
    );
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(state.hasMore).toBe(false);
    expect(state.through).toBe(4);
  });

  it("tracks the contiguous seq for catch-up, across out-of-order arrivals", () => {
    let state = run(emptyRoom, { type: "history", messages: [message(1)], hasMore: false }, event("message.created", message(3)));
    expect(state.through).toBe(1);
    state = run(state, { type: "replay", messages: [message(2)], presence: {} });
    expect(state.through).toBe(3);
  });

  it("applies edits, tombstones and reactions, remembering the user's own", () => {
    let state = run(emptyRoom, { type: "history", messages: [message(1)], hasMore: false });
    state = run(
      state,
      event("message.updated", { ...message(1), body: "edited", edited_at: "now" }),
      event("reaction.added", { message_id: "id1", seq: 1, emoji: "🔥", user: other }),
      event("reaction.added", { message_id: "id1", seq: 1, emoji: "🔥", user: { id: ME, username: "me" } }),
    );
    expect(state.messages[0]?.body).toBe("edited");
    expect(state.messages[0]?.reactions).toEqual({ "🔥": 2 });
    expect(state.mine.has("id1 🔥")).toBe(true);
    state = run(state, event("reaction.removed", { message_id: "id1", seq: 1, emoji: "🔥", user: { id: ME, username: "me" } }));
    expect(state.mine.has("id1 🔥")).toBe(false);
    expect(state.messages[0]?.reactions).toEqual({ "🔥": 1 });
    state = run(state, event("message.deleted", { ...message(1), body: "", deleted: true, reactions: {} }));
    expect(state.messages[0]?.deleted).toBe(true);
  });

  it("shows others typing until it expires or they send, never oneself", () => {
    let state = run(emptyRoom, event("typing", { user: other }, 1000), event("typing", { user: { id: ME, username: "me" } }, 1000));
    expect(Object.values(state.typing).map((t) => t.username)).toEqual(["othello"]);
    expect(run(state, { type: "expire", now: 1000 + TYPING_MS - 1 }).typing).not.toEqual({});
    expect(run(state, { type: "expire", now: 1000 + TYPING_MS + 1 }).typing).toEqual({});
    state = run(state, event("message.created", message(1)));
    expect(state.typing).toEqual({});
  });

  it("finds the @mention being typed", () => {
    expect(mentionPrefix("hello @oth", 10)).toBe("oth");
    expect(mentionPrefix("@", 1)).toBe("");
    expect(mentionPrefix("mail me@host", 12)).toBeNull();
    expect(mentionPrefix("@othello done", 13)).toBeNull();
  });
});
