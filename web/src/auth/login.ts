// The sign-in state machine: a first factor (password, mailed link, OAuth code), then a 2FA code
// when the account asks for one, then signed in. Pure over the client, so Vitest drives it.
import { ApiError, type ApiClient } from "../api/client";
import type { Me, MfaRequired } from "../api/types";

export type LoginState =
  | { step: "first"; error: unknown }
  | { step: "mfa"; mfaToken: string; error: unknown }
  | { step: "done"; me: Me };

export const initial: LoginState = { step: "first", error: null };

type Client = Pick<ApiClient, "signInMfa">;

function after(answer: Me | MfaRequired): LoginState {
  return "mfa_required" in answer ? { step: "mfa", mfaToken: answer.mfa_token, error: null } : { step: "done", me: answer };
}

/** Run a first factor (it resolves to the user or the 2FA step); a refusal stays on this step. */
export async function firstFactor(work: () => Promise<Me | MfaRequired>): Promise<LoginState> {
  try {
    return after(await work());
  } catch (error) {
    return { step: "first", error };
  }
}

/** Send the code; a wrong one stays on the step, a spent or expired step starts over. */
export async function secondFactor(client: Client, state: LoginState, code: string): Promise<LoginState> {
  if (state.step !== "mfa") return state;
  try {
    return { step: "done", me: await client.signInMfa(state.mfaToken, code.replace(/\s+/g, "")) };
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_mfa_token") return { step: "first", error };
    return { ...state, error };
  }
}
