// Joined rooms with unread counts, public rooms to join, a new room, a new DM.
import { useEffect, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { socket } from "../api/socket";
import type { Page, Room } from "../api/types";
import { ErrorText } from "../components/ErrorText";

function formValue(event: FormEvent<HTMLFormElement>, name: string): string {
  return String(new FormData(event.currentTarget).get(name) ?? "").trim();
}

export function RoomList({ active }: { active: string | null }) {
  const [error, setError] = useState<unknown>(null);
  const [online, setOnline] = useState(socket.online);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Events arrive only for the open room, so the other rooms' unread counts are polled.
  const joined = useQuery({
    queryKey: ["rooms", "joined"],
    queryFn: () => api.get<Room[]>("/rooms/joined"),
    refetchInterval: 20_000,
  });
  const publicRooms = useQuery({ queryKey: ["rooms", "public"], queryFn: () => api.get<Page<Room>>("/rooms?limit=50") });
  const mine = joined.data ?? [];
  const mineIds = new Set(mine.map((r) => r.id));

  useEffect(() => socket.onStatus(setOnline), []);
  useEffect(
    () =>
      socket.on((event) => {
        if ((event.type === "mention" || event.type === "notification") && event.room !== active) {
          void queryClient.invalidateQueries({ queryKey: ["rooms", "joined"] });
        }
      }),
    [active, queryClient],
  );

  async function act(work: () => Promise<string>) {
    try {
      setError(null);
      const id = await work();
      await queryClient.invalidateQueries({ queryKey: ["rooms"] });
      navigate(`/chat/${id}`);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <aside className="rooms" aria-label="Rooms">
      <p className={online ? "online" : "offline"} role="status">
        {online ? "Connected" : "Reconnecting…"}
      </p>
      <h2>Your rooms</h2>
      <ul>
        {mine.map((room) => (
          <li key={room.id} className={room.id === active ? "active" : ""}>
            <Link to={`/chat/${room.id}`} aria-current={room.id === active ? "page" : undefined}>
              {room.kind === "dm" ? `@ ${room.name || "direct message"}` : `# ${room.name}`}
            </Link>
            {!!room.unread && room.id !== active && <span className="badge" aria-label={`${room.unread} unread`}>{room.unread}</span>}
          </li>
        ))}
      </ul>
      <h2>Public rooms</h2>
      <ul>
        {publicRooms.data?.items
          .filter((room) => !mineIds.has(room.id))
          .map((room) => (
            <li key={room.id}>
              <button type="button" className="link" onClick={() => void act(async () => (await api.post(`/rooms/${room.id}/join`), room.id))}>
                Join # {room.name}
              </button>
            </li>
          ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); const name = formValue(e, "name"); void act(async () => (await api.post<Room>("/rooms", { name, visibility: "public" })).id); }}>
        <label>New room <input name="name" required maxLength={64} /></label>
        <button type="submit">Create</button>
      </form>
      <form onSubmit={(e) => { e.preventDefault(); const username = formValue(e, "username"); void act(async () => (await api.post<Room>("/dms", { username })).id); }}>
        <label>Message a user <input name="username" required placeholder="username" /></label>
        <button type="submit">Open DM</button>
      </form>
      <ErrorText error={error} />
    </aside>
  );
}
