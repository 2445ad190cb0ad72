// Signed-in devices: revoke one, or sign out everywhere.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

interface Session {
  id: string;
  created_at: string;
  last_used_at: string | null;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export function SessionsSettings() {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: () => api.get<Session[] | { items: Session[] }>("/auth/sessions") });
  const action = useAction();
  const list = Array.isArray(sessions.data) ? sessions.data : (sessions.data?.items ?? []);

  function revoke(id: string) {
    void action.run(() => api.del(`/auth/sessions/${id}`), "Signed that device out").then(() => queryClient.invalidateQueries({ queryKey: ["sessions"] }));
  }

  return (
    <section aria-label="Sessions">
      <h2>Sessions and devices</h2>
      <ul>
        {list.map((session) => (
          <li key={session.id}>
            {session.user_agent ?? "unknown device"} · {session.ip ?? "?"} · last used{" "}
            {session.last_used_at ? new Date(session.last_used_at).toLocaleString() : "never"}
            {session.current ? " (this device)" : <button type="button" onClick={() => revoke(session.id)}>Sign out</button>}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void action.run(() => api.post("/auth/logout-all").then(() => api.forget()), "Signed out everywhere")}>
        Sign out everywhere
      </button>
      <ActionResult error={action.error ?? sessions.error} done={action.done} />
    </section>
  );
}
