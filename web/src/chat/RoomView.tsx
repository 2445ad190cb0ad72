// One room: messages (older pages load when scrolled to the top), typing, composer, moderation.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { ErrorText } from "../components/ErrorText";
import { Composer } from "./Composer";
import { MessageItem } from "./MessageItem";
import { ReportsQueue } from "./ReportsQueue";
import type { Message } from "./types";
import { useRoom } from "./useRoom";

export function RoomView({ roomId }: { roomId: string }) {
  const { me } = useAuth();
  const { state, dispatch, info, error, setError, loadOlder } = useRoom(roomId, me?.id ?? "");
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [joined, setJoined] = useState(false);
  const queryClient = useQueryClient();
  const list = useRef<HTMLOListElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const stick = useRef(true);
  const moderator = info?.role === "owner" || info?.role === "moderator" || me?.role === "admin" || me?.role === "moderator";

  // Infinite history: when the top sentinel shows, fetch the page before the oldest message.
  useEffect(() => {
    if (!top.current) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && state.messages.length) void loadOlder();
    });
    observer.observe(top.current);
    return () => observer.disconnect();
  }, [loadOlder, state.messages.length]);

  const newest = state.messages[state.messages.length - 1]?.id;
  useLayoutEffect(() => {
    const element = list.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [newest]);

  const typing = Object.values(state.typing).map((t) => t.username);
  const byId = new Map(state.messages.map((m) => [m.id, m]));

  return (
    <section className="room" aria-label={`Room ${info?.name ?? ""}`}>
      <header>
        <h1>{info?.kind === "dm" ? `@ ${info.name || "direct message"}` : `# ${info?.name ?? ""}`}</h1>
        <p>{info?.topic}</p>
        <p className="presence" aria-label="Presence">
          {Object.values(state.presence).filter((status) => status === "online").length} online
        </p>
        {info && !info.role && !joined && (
          <button
            type="button"
            onClick={() =>
              void api
                .post(`/rooms/${roomId}/join`)
                .then(() => {
                  setJoined(true);
                  return queryClient.invalidateQueries({ queryKey: ["rooms"] });
                })
                .catch(setError)
            }
          >
            Join room
          </button>
        )}
      </header>
      {moderator && <ReportsQueue roomId={roomId} />}
      <ol
        ref={list}
        className="messages"
        aria-label="Messages"
        aria-live="polite"
        onScroll={(event) => {
          const el = event.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        <li ref={top} className="sentinel">{state.hasMore ? "Loading older messages…" : "Start of the room"}</li>
        {state.messages.map((message) => (
          <MessageItem
            key={message.id}
            roomId={roomId}
            message={message}
            parent={message.reply_to ? (byId.get(message.reply_to) ?? null) : null}
            mine={message.author.id === me?.id}
            moderator={moderator}
            reacted={state.mine}
            onReply={setReplyTo}
            onChange={(m) => dispatch({ type: "upsert", message: m })}
            onError={setError}
          />
        ))}
      </ol>
      <p className="typing" data-testid="typing" aria-live="polite">
        {typing.length ? `${typing.join(", ")} ${typing.length > 1 ? "are" : "is"} typing…` : " "}
      </p>
      <ErrorText error={error} />
      <Composer
        roomId={roomId}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        onSent={(m) => {
          stick.current = true;
          setReplyTo(null);
          setError(null);
          dispatch({ type: "upsert", message: m });
        }}
        onError={setError}
      />
    </section>
  );
}
