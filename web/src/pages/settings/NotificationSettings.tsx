// Which notifications are stored and sent, kind by kind.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

type Preferences = Record<string, boolean>;

export function NotificationSettings() {
  const key = ["notification-preferences"];
  const queryClient = useQueryClient();
  const prefs = useQuery({ queryKey: key, queryFn: () => api.get<Preferences>("/notifications/preferences") });
  const action = useAction();

  function toggle(kind: string, enabled: boolean) {
    void action.run(async () => queryClient.setQueryData(key, await api.patch<Preferences>("/notifications/preferences", { [kind]: enabled })), "Saved");
  }

  return (
    <section aria-label="Notifications">
      <h2>Notifications</h2>
      {Object.entries(prefs.data ?? {}).map(([kind, enabled]) => (
        <label key={kind} className="inline">
          <input type="checkbox" checked={enabled} onChange={(event) => toggle(kind, event.target.checked)} /> {kind.replace("_", " ")}
        </label>
      ))}
      <ActionResult error={action.error ?? prefs.error} done={action.done} />
    </section>
  );
}
