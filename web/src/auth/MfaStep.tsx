// The second sign-in step: a code from the authenticator app or one of the recovery codes.
import type { FormEvent } from "react";
import { ErrorText } from "../components/ErrorText";

interface Props {
  busy: boolean;
  error: unknown;
  onCode: (code: string) => void;
}

export function MfaStep({ busy, error, onCode }: Props) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onCode(String(new FormData(event.currentTarget).get("code") ?? ""));
  }
  return (
    <form onSubmit={submit} aria-label="Two-factor code">
      <p>Two-factor sign-in is on for this account. Enter the code from your authenticator app, or one of your recovery codes.</p>
      <label>
        Authentication code
        <input name="code" autoComplete="one-time-code" inputMode="text" maxLength={32} required autoFocus />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={busy}>
        Verify
      </button>
    </form>
  );
}
