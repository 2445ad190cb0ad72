// Personal access tokens for scripts and bots: create (the value is shown once), list, revoke.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

interface PersonalToken {
  id: string;
  name: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const SCOPES = ["read", "write", "admin"] as const;
const when = (at: string | null, none: string) => (at ? new Date(at).toLocaleString() : none);

export function TokenSettings() {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ["personal-tokens"], queryFn: () => api.get<PersonalToken[]>("/auth/tokens") });
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["personal-tokens"] });

  function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = String(data.get("days") ?? "");
    const body = {
      name: String(data.get("name") ?? ""),
      scopes: data.getAll("scopes").map(String),
      expires_in_days: days ? Number(days) : null,
    };
    void action
      .run(async () => {
        const answer = await api.post<PersonalToken & { token: string }>("/auth/tokens", body);
        setCreated({ name: answer.name, token: answer.token });
        form.reset();
      }, "Token created")
      .then(refresh);
  }

  function revoke(token: PersonalToken) {
    void action.run(() => api.del(`/auth/tokens/${token.id}`), `Revoked ${token.name}`).then(refresh);
  }

  return (
    <section aria-label="Personal access tokens">
      <h2>Personal access tokens</h2>
      <form onSubmit={create} className="metadata">
        <label>
          Token name <input name="name" required maxLength={64} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope}>
              <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "read"} /> {scope}
            </label>
          ))}
        </fieldset>
        <label>
          Expires after (days, empty for never) <input name="days" type="number" min={1} max={3650} />
        </label>
        <button type="submit" disabled={action.busy}>Create token</button>
      </form>
      {created && (
        <p aria-label="New token">
          {created.name}: <code data-testid="new-token">{created.token}</code> — copy it now, it is not shown again.
        </p>
      )}
      <ul>
        {(tokens.data ?? []).map((token) => (
          <li key={token.id}>
            <strong>{token.name}</strong> ({token.scopes.join(", ")}) · created {when(token.created_at, "")} · expires{" "}
            {when(token.expires_at, "never")} · last used {when(token.last_used_at, "never")}{" "}
            <button type="button" onClick={() => revoke(token)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <ActionResult error={action.error ?? tokens.error} done={action.done} />
    </section>
  );
}
