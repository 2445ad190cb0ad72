// Change the password (the server ends every other session).
import type { FormEvent } from "react";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

export function PasswordSettings() {
  const action = useAction();
  function change(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    void action
      .run(
        () => api.post("/auth/password", { current_password: data.get("current"), new_password: data.get("next") }),
        "Password changed; your other sessions were signed out",
      )
      .then((ok) => ok && form.reset());
  }
  return (
    <section aria-label="Password">
      <h2>Password</h2>
      <form onSubmit={change} className="metadata">
        <label>
          Current password <input name="current" type="password" autoComplete="current-password" required />
        </label>
        <label>
          New password <input name="next" type="password" autoComplete="new-password" required minLength={8} />
        </label>
        <button type="submit" disabled={action.busy}>Change password</button>
        <ActionResult error={action.error} done={action.done} />
      </form>
    </section>
  );
}
