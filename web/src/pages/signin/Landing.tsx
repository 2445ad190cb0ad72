// Pages the mails and the OAuth callback send the browser to: each posts its token to the API once.
import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import type { SignInAnswer } from "../../api/types";
import { MfaStep } from "../../auth/MfaStep";
import { once, useLogin } from "../../auth/useLogin";
import { ActionResult } from "../../components/ActionResult";
import { ErrorText } from "../../components/ErrorText";
import { useAction } from "../../components/useAction";

/** Sign in with a one-time token from the URL, then the 2FA step if the account asks for it. */
function TokenSignIn({ title, param, path, field }: { title: string; param: string; path: string; field: string }) {
  const value = useSearchParams()[0].get(param) ?? "";
  const login = useLogin();
  const { state } = login;
  const first = login.first;

  useEffect(() => {
    if (!value) return;
    void first(() => once(`${path}:${value}`, () => api.post<SignInAnswer>(path, { [field]: value }).then((answer) => api.settle(answer))));
  }, [value, path, field]);

  return (
    <main className="auth">
      <h1>{title}</h1>
      {!value && <p role="alert">This link is incomplete: it has no {param}.</p>}
      {state.step === "mfa" && <MfaStep busy={login.busy} error={state.error} onCode={(code) => void login.code(code)} />}
      {state.step === "first" && value && (state.error ? <ErrorText error={state.error} /> : <p role="status">Signing you in…</p>)}
      {state.step === "first" && state.error !== null && (
        <p>
          <Link to="/signin">Back to sign in</Link>
        </p>
      )}
    </main>
  );
}

export function MagicLanding() {
  return <TokenSignIn title="Sign-in link" param="token" path="/auth/magic-link/verify" field="token" />;
}

export function OAuthComplete() {
  return <TokenSignIn title="Signing in" param="code" path="/auth/oauth/exchange" field="code" />;
}

export function VerifyEmail() {
  const token = useSearchParams()[0].get("token") ?? "";
  const [result, setResult] = useState<{ done: boolean; error: unknown }>({ done: false, error: null });
  useEffect(() => {
    if (!token) return;
    once(`verify:${token}`, () => api.post<undefined>("/auth/email/verify", { token }))
      .then(() => setResult({ done: true, error: null }))
      .catch((error: unknown) => setResult({ done: false, error }));
  }, [token]);
  return (
    <main className="auth">
      <h1>Verify your email</h1>
      {!token && <p role="alert">This link is incomplete: it has no token.</p>}
      {token && !result.done && !result.error && <p role="status">Checking the link…</p>}
      {result.done && <p role="status">Your email address is verified.</p>}
      <ErrorText error={result.error} />
      <p>
        <Link to="/">Go to Veza</Link>
      </p>
    </main>
  );
}

export function ResetPassword() {
  const token = useSearchParams()[0].get("token") ?? "";
  const action = useAction();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("new_password") ?? "");
    void action.run(() => api.post("/auth/password/reset", { token, new_password: password }), "Your password is changed and every session is signed out.");
  }
  return (
    <main className="auth">
      <h1>Choose a new password</h1>
      {!token && <p role="alert">This link is incomplete: it has no token.</p>}
      {action.done ? (
        <p>
          <span role="status">{action.done}</span> <Link to="/signin">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={submit}>
          <label>
            New password
            <input name="new_password" type="password" autoComplete="new-password" required />
          </label>
          <ActionResult error={action.error} done={null} />
          <button type="submit" disabled={action.busy || !token}>
            Set password
          </button>
        </form>
      )}
    </main>
  );
}
