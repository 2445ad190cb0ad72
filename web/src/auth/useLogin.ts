// The login state machine bound to the app's client, going where the user was headed once done.
import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { Me, MfaRequired } from "../api/types";
import { firstFactor, initial, secondFactor, type LoginState } from "./login";

export function useLogin() {
  const [state, setState] = useState<LoginState>(initial);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? "/";

  useEffect(() => {
    if (state.step === "done") navigate(from, { replace: true });
  }, [state, from, navigate]);

  async function run(next: () => Promise<LoginState>) {
    setBusy(true);
    setState(await next());
    setBusy(false);
  }

  return {
    state,
    busy,
    first: (work: () => Promise<Me | MfaRequired>) => run(() => firstFactor(work)),
    code: (code: string) => run(() => secondFactor(api, state, code)),
  };
}

const spent = new Map<string, Promise<unknown>>();

/** Mailed tokens and OAuth codes work once: a second effect run (StrictMode) shares the first call. */
export function once<T>(key: string, work: () => Promise<T>): Promise<T> {
  let pending = spent.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = work();
    spent.set(key, pending);
  }
  return pending;
}
