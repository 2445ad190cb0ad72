// One message: author, reply context, body as text, reactions, and its actions.
import { useState } from "react";
import { socket } from "../api/socket";
import { ModeratorMenu } from "./ModeratorMenu";
import type { Message } from "./types";

const QUICK_REACTIONS = ["👍", "🔥", "😂", "❤️"];

interface Props {
  roomId: string;
  message: Message;
  parent: Message | null;
  mine: boolean;
  moderator: boolean;
  reacted: Set<string>;
  onReply: (message: Message) => void;
  onChange: (message: Message) => void;
  onError: (error: unknown) => void;
}

export function MessageItem({ roomId, message, parent, mine, moderator, reacted, onReply, onChange, onError }: Props) {
  const [editing, setEditing] = useState(false);
  const m = message;

  async function run(type: string, fields: Record<string, unknown>) {
    try {
      const answer = await socket.request<Message | { message_id: string }>(type, fields);
      if ("seq" in answer && "body" in answer) onChange(answer);
    } catch (error) {
      onError(error);
    }
  }

  if (m.deleted) return <li className="message deleted" data-seq={m.seq}>Message deleted</li>;
  return (
    <li className="message" data-seq={m.seq}>
      {parent && <blockquote className="reply-to">↪ {parent.author.username}: {parent.deleted ? "deleted" : parent.body.slice(0, 80)}</blockquote>}
      <strong>{m.author.username}</strong> <time dateTime={m.created_at}>{new Date(m.created_at).toLocaleTimeString()}</time>
      {editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const body = String(new FormData(event.currentTarget).get("body") ?? "");
            void run("edit", { message_id: m.id, body }).then(() => setEditing(false));
          }}
        >
          <input name="body" defaultValue={m.body} aria-label="Edit message" autoFocus />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        <p className="body">
          {m.body}
          {m.edited_at && <small> (edited)</small>}
        </p>
      )}
      <div className="reactions">
        {Object.entries(m.reactions).map(([emoji, count]) => {
          const on = reacted.has(`${m.id} ${emoji}`);
          return (
            <button key={emoji} type="button" aria-pressed={on} aria-label={`${emoji} ${count}`} onClick={() => void run(on ? "unreact" : "react", { message_id: m.id, emoji })}>
              {emoji} {count}
            </button>
          );
        })}
      </div>
      <div className="message-actions">
        {QUICK_REACTIONS.map((emoji) => (
          <button key={emoji} type="button" aria-label={`React ${emoji}`} onClick={() => void run("react", { message_id: m.id, emoji })}>
            {emoji}
          </button>
        ))}
        <button type="button" onClick={() => onReply(m)}>Reply</button>
        {mine && <button type="button" onClick={() => setEditing(true)}>Edit</button>}
        {(mine || moderator) && <button type="button" onClick={() => void run("delete", { message_id: m.id })}>Delete</button>}
        {!mine && <ModeratorMenu roomId={roomId} message={m} moderator={moderator} onError={onError} />}
      </div>
    </li>
  );
}
