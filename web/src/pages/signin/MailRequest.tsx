// Ask for a mailed link (sign-in link or password reset). The server answers the same whether or
// not the address has an account, so the page does too.
import type { FormEvent } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

interface Props {
  title: string;
  path: string;
  submitLabel: string;
}

function MailRequest({ title, path, submitLabel }: Props) {
  const action = useAction();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "");
    void action.run(() => api.post(path, { email }), "If an account has that address, a link is on its way. Check your mail.");
  }
  return (
    <main className="auth">
      <h1>{title}</h1>
      <form onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <ActionResult error={action.error} done={action.done} />
        <button type="submit" disabled={action.busy}>
          {submitLabel}
        </button>
      </form>
      <p>
        <Link to="/signin">Back to sign in</Link>
      </p>
    </main>
  );
}

export function MagicLinkRequest() {
  return <MailRequest title="Sign in by email" path="/auth/magic-link" submitLabel="Send me a sign-in link" />;
}

export function ForgotPassword() {
  return <MailRequest title="Forgot your password?" path="/auth/password/forgot" submitLabel="Send me a reset link" />;
}
