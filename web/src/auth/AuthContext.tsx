// Who is signed in: restored from the refresh token on load, cleared on sign-out or a dead session.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { socket } from "../api/socket";
import type { Me } from "../api/types";

interface AuthState {
  me: Me | null;
  loading: boolean;
}

const AuthContext = createContext<AuthState>({ me: null, loading: true });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ me: null, loading: api.hasSession });

  useEffect(() => {
    const off = api.onSession((me) => setState({ me, loading: false }));
    if (api.hasSession) {
      api
        .get<Me>("/auth/me")
        .then((me) => setState({ me, loading: false }))
        .catch(() => setState({ me: null, loading: false }));
    }
    return () => {
      off();
    };
  }, []);

  useEffect(() => {
    if (state.me) socket.start();
    else socket.stop();
  }, [state.me]);

  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}
