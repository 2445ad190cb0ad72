// Write a message: typing signals, @mention autocomplete, replies, idempotent send by nonce.
import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { socket } from "../api/socket";
import type { Page, User } from "../api/types";
import { mentionPrefix } from "./reducer";
import type { Message } from "./types";

interface Props {
  roomId: string;
  replyTo: Message | null;
  onCancelReply: () => void;
  onSent: (message: Message) => void;
  onError: (error: unknown) => void;
}

const TYPING_EVERY_MS = 3000;

export function Composer({ roomId, replyTo, onCancelReply, onSent, onError }: Props) {
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const lastTyping = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const prefix = mentionPrefix(text, caret);
  const people = useQuery({
    queryKey: ["mention", prefix],
    queryFn: () => api.get<Page<User>>(`/users?q=${encodeURIComponent(prefix ?? "")}&limit=5`),
    enabled: prefix !== null && prefix.length > 0,
  });
  const suggestions = prefix ? (people.data?.items ?? []) : [];

  function complete(username: string) {
    const before = text.slice(0, caret).replace(/@[a-z0-9_]*$/i, `@${username} `);
    setText(before + text.slice(caret));
    setCaret(before.length);
    input.current?.focus();
  }

  function changed(value: string, position: number) {
    setText(value);
    setCaret(position);
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      void socket.request("typing", { room: roomId }).catch(() => undefined);
    }
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const body = text.trim();
    if (!body) return;
    const nonce = crypto.randomUUID();
    try {
      const ack = await socket.request<{ message: Message }>("send", { room: roomId, body, nonce, reply_to: replyTo?.id ?? null });
      setText("");
      lastTyping.current = 0;
      onSent(ack.message);
    } catch (error) {
      onError(error);
    }
  }

  function key(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Tab" && suggestions[0]) {
      event.preventDefault();
      complete(suggestions[0].username);
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <form className="composer" onSubmit={(event) => void send(event)}>
      {replyTo && (
        <p className="replying">
          Replying to {replyTo.author.username}{" "}
          <button type="button" onClick={onCancelReply}>Cancel</button>
        </p>
      )}
      {suggestions.length > 0 && (
        <ul role="listbox" aria-label="Mention suggestions" className="mentions">
          {suggestions.map((user) => (
            <li key={user.id} role="option" aria-selected={false} onMouseDown={(e) => { e.preventDefault(); complete(user.username); }}>
              @{user.username}
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={input}
        aria-label="Message"
        rows={2}
        maxLength={4000}
        value={text}
        onChange={(event) => changed(event.target.value, event.target.selectionStart)}
        onKeyDown={key}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
      />
      <button type="submit">Send</button>
    </form>
  );
}
