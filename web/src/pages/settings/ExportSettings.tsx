// Download everything the server holds about you, as JSON.
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

export function ExportSettings({ username }: { username: string }) {
  const action = useAction();
  async function download() {
    const data = await api.get<unknown>("/users/me/export");
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `veza-export-${username}.json`;
    link.click();
    URL.revokeObjectURL(url);
  }
  return (
    <section aria-label="Your data">
      <h2>Your data</h2>
      <button type="button" onClick={() => void action.run(download, "Export downloaded")}>
        Download my data
      </button>
      <ActionResult error={action.error} done={action.done} />
    </section>
  );
}
