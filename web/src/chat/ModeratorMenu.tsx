// Report a message; moderators also mute, kick or ban its author.
import { useState } from "react";
import { api } from "../api/client";
import type { Message } from "./types";

const ACTIONS = [
  { action: "mute", label: "Mute 10 min", minutes: 10 },
  { action: "kick", label: "Kick" },
  { action: "ban", label: "Ban" },
] as const;

export function ModeratorMenu({ roomId, message, moderator, onError }: { roomId: string; message: Message; moderator: boolean; onError: (e: unknown) => void }) {
  const [done, setDone] = useState<string | null>(null);
  async function act(work: () => Promise<unknown>, label: string) {
    try {
      await work();
      setDone(label);
    } catch (error) {
      onError(error);
    }
  }
  return (
    <>
      <button type="button" onClick={() => void act(() => api.post("/reports", { message_id: message.id, reason: "reported from the web app" }), "Reported")}>
        Report
      </button>
      {moderator &&
        ACTIONS.map((a) => (
          <button
            key={a.action}
            type="button"
            aria-label={`${a.label} ${message.author.username}`}
            onClick={() =>
              void act(
                () => api.post(`/rooms/${roomId}/moderation`, { username: message.author.username, action: a.action, reason: "moderator", ...("minutes" in a ? { minutes: a.minutes } : {}) }),
                `${message.author.username}: ${a.action}`,
              )
            }
          >
            {a.label}
          </button>
        ))}
      {done && <span role="status">{done}</span>}
    </>
  );
}
