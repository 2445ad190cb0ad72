// Sign in: password (or a provider), then the 2FA code when the account has it on.
import type { FormEvent } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import { MfaStep } from "../auth/MfaStep";
import { ProviderButtons } from "../auth/ProviderButtons";
import { useLogin } from "../auth/useLogin";
import { ErrorText } from "../components/ErrorText";

export default function SignIn() {
  const login = useLogin();
  const { state } = login;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void login.first(() => api.signIn(String(data.get("login") ?? ""), String(data.get("password") ?? "")));
  }

  return (
    <main className="auth">
      <h1>Sign in</h1>
      {state.step === "mfa" ? (
        <MfaStep busy={login.busy} error={state.error} onCode={(code) => void login.code(code)} />
      ) : (
        <>
          <form onSubmit={submit}>
            <label>
              Username or email
              <input name="login" type="text" autoComplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
            <ErrorText error={state.step === "first" ? state.error : null} />
            <button type="submit" disabled={login.busy}>
              Sign in
            </button>
          </form>
          <ProviderButtons />
          <p>
            <Link to="/magic-link">Email me a sign-in link</Link> · <Link to="/forgot-password">Forgot your password?</Link>
          </p>
          <p>
            New here? <Link to="/signup">Create an account</Link>
          </p>
        </>
      )}
    </main>
  );
}
