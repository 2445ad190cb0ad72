// One room's state as pure code: messages by seq, history paging, reactions, typing, presence.
import type { Message, Person } from "./types";

export interface RoomState {
  messages: Message[];
  hasMore: boolean;
  /** Highest seq up to which every message is here: the `since_seq` for a reconnect. */
  through: number;
  typing: Record<string, { username: string; until: number }>;
  presence: Record<string, string>;
  /** "messageId emoji" pairs this user has reacted with. */
  mine: Set<string>;
}

export const TYPING_MS = 5000;

export const emptyRoom: RoomState = { messages: [], hasMore: true, through: 0, typing: {}, presence: {}, mine: new Set() };

export type RoomAction =
  | { type: "history"; messages: Message[]; hasMore: boolean }
  | { type: "replay"; messages: Message[]; presence: Record<string, string> }
  | { type: "event"; event: { type: string; data: Record<string, unknown> }; me: string; now: number }
  | { type: "upsert"; message: Message }
  | { type: "expire"; now: number }
  | { type: "reset" };

/** Merge by id, keep seq order; a later copy of a message replaces the earlier one. */
export function merge(existing: Message[], incoming: Message[]): Message[] {
  const byId = new Map(existing.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The highest seq reached without a gap, starting from what was already contiguous. */
function contiguous(messages: Message[], from: number): number {
  let through = from;
  for (const message of messages) {
    if (message.seq <= through) continue;
    if (message.seq === through + 1 || through === 0) through = message.seq;
    else break;
  }
  return through;
}

function withMessages(state: RoomState, incoming: Message[]): RoomState {
  const messages = merge(state.messages, incoming);
  return { ...state, messages, through: contiguous(messages, state.through) };
}

function react(state: RoomState, data: Record<string, unknown>, delta: number, me: string): RoomState {
  const id = String(data.message_id);
  const emoji = String(data.emoji);
  const user = data.user as Person;
  const mine = new Set(state.mine);
  if (user.id === me) {
    if (delta > 0) mine.add(`${id} ${emoji}`);
    else mine.delete(`${id} ${emoji}`);
  }
  const messages = state.messages.map((m) => {
    if (m.id !== id) return m;
    const count = Math.max(0, (m.reactions[emoji] ?? 0) + delta);
    const reactions = { ...m.reactions, [emoji]: count };
    if (!count) delete reactions[emoji];
    return { ...m, reactions };
  });
  return { ...state, messages, mine };
}

export function roomReducer(state: RoomState, action: RoomAction): RoomState {
  switch (action.type) {
    case "history": {
      const next = withMessages(state, action.messages);
      return { ...next, hasMore: action.hasMore };
    }
    case "replay":
      return { ...withMessages(state, action.messages), presence: { ...state.presence, ...action.presence } };
    case "upsert":
      return withMessages(state, [action.message]);
    case "expire": {
      const typing = Object.fromEntries(Object.entries(state.typing).filter(([, t]) => t.until > action.now));
      return { ...state, typing };
    }
    case "reset":
      return emptyRoom;
    case "event": {
      const { type, data } = action.event;
      switch (type) {
        case "message.created": {
          const message = data as unknown as Message;
          const typing = { ...state.typing };
          delete typing[message.author.id];
          return { ...withMessages(state, [message]), typing };
        }
        case "message.updated":
        case "message.deleted":
          return withMessages(state, [data as unknown as Message]);
        case "reaction.added":
          return react(state, data, 1, action.me);
        case "reaction.removed":
          return react(state, data, -1, action.me);
        case "typing": {
          const user = data.user as Person;
          if (user.id === action.me) return state;
          return { ...state, typing: { ...state.typing, [user.id]: { username: user.username, until: action.now + TYPING_MS } } };
        }
        case "presence": {
          const user = data.user as Person;
          return { ...state, presence: { ...state.presence, [user.id]: String(data.status) } };
        }
        default:
          return state;
      }
    }
  }
}

/** The word being typed when it is an @mention, for autocomplete. */
export function mentionPrefix(text: string, caret: number): string | null {
  const match = /(?:^|\s)@([a-z0-9_]{0,32})$/i.exec(text.slice(0, caret));
  return match ? (match[1] ?? "") : null;
}
