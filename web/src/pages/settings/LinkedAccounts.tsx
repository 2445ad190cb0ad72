// Sign-in providers linked to the account: link one (through the provider), unlink one (the server
// refuses the last way in of an account without a password, and says so).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import { useProviders } from "../../auth/ProviderButtons";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

interface Identity {
  provider: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

export function LinkedAccounts() {
  const queryClient = useQueryClient();
  const providers = useProviders();
  const identities = useQuery({ queryKey: ["identities"], queryFn: () => api.get<Identity[]>("/auth/identities") });
  const linked = useSearchParams()[0].get("linked");
  const action = useAction();
  const byName = new Map((identities.data ?? []).map((identity) => [identity.provider, identity]));
  const known = new Set((providers.data ?? []).map((provider) => provider.name));
  const rows = [
    ...(providers.data ?? []).map((provider) => ({ name: provider.name, label: provider.label })),
    // Still linked though no longer configured: it can be unlinked.
    ...(identities.data ?? []).filter((identity) => !known.has(identity.provider)).map((identity) => ({ name: identity.provider, label: identity.provider })),
  ];

  function link(name: string) {
    void action.run(async () => {
      // The answer sets the state cookie; the provider sends the browser back to /settings/sign-in.
      window.location.assign((await api.post<{ authorize_url: string }>(`/auth/oauth/${name}/link`)).authorize_url);
    }, "Opening the provider…");
  }

  function unlink(name: string) {
    void action.run(() => api.del(`/auth/identities/${name}`), "Unlinked").then(() => queryClient.invalidateQueries({ queryKey: ["identities"] }));
  }

  if (!rows.length) return null;
  return (
    <section aria-label="Linked accounts">
      <h2>Linked accounts</h2>
      {linked && <p role="status">Linked {linked}.</p>}
      <ul>
        {rows.map((row) => {
          const identity = byName.get(row.name);
          return (
            <li key={row.name}>
              {row.label}:{" "}
              {identity ? (
                <>
                  {identity.email ?? "linked"}{" "}
                  <button type="button" onClick={() => unlink(row.name)} disabled={action.busy}>
                    Unlink
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => link(row.name)} disabled={action.busy}>
                  Link
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <ActionResult error={action.error ?? identities.error} done={action.done} />
    </section>
  );
}
