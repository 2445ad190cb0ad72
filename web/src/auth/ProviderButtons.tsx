// "Continue with …" for each OAuth provider the server has configured; nothing when there are none.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Provider } from "../api/types";

export function useProviders() {
  return useQuery({ queryKey: ["auth-providers"], queryFn: () => api.get<Provider[]>("/auth/providers"), staleTime: Infinity });
}

export function ProviderButtons() {
  const providers = useProviders();
  if (!providers.data?.length) return null;
  return (
    <nav aria-label="Sign in with" className="providers">
      {providers.data.map((provider) => (
        // A full page load: the server redirects to the provider and sets the state cookie.
        <a key={provider.name} className="button" href={provider.start_url}>
          Continue with {provider.label}
        </a>
      ))}
    </nav>
  );
}
