// Two-factor sign-in: set up (QR code and secret), enable with a first code (recovery codes shown
// once), new recovery codes, disable with the password and a code.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

interface MfaStatus {
  enabled: boolean;
  recovery_codes_left: number;
}

interface Setup {
  secret: string;
  otpauth_uri: string;
  qr_png: string;
}

function field(event: FormEvent<HTMLFormElement>, name: string): string {
  event.preventDefault();
  return String(new FormData(event.currentTarget).get(name) ?? "").replace(/\s+/g, "");
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div aria-label="Recovery codes">
      <p>Recovery codes: keep them somewhere safe. Each works once, and they are shown only now.</p>
      <ul className="codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function TwoFactorSettings() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ["mfa"], queryFn: () => api.get<MfaStatus>("/auth/mfa") });
  const [setup, setSetup] = useState<Setup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const action = useAction();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["mfa"] });

  function start() {
    setCodes(null);
    void action.run(async () => setSetup(await api.post<Setup>("/auth/mfa/totp/setup")), "Scan the code, then enter what the app shows");
  }

  function enable(event: FormEvent<HTMLFormElement>) {
    const code = field(event, "code");
    void action
      .run(async () => {
        setCodes((await api.post<{ recovery_codes: string[] }>("/auth/mfa/totp/enable", { code })).recovery_codes);
        setSetup(null);
      }, "Two-factor sign-in is on")
      .then(refresh);
  }

  function renew(event: FormEvent<HTMLFormElement>) {
    const code = field(event, "code");
    void action
      .run(async () => setCodes((await api.post<{ recovery_codes: string[] }>("/auth/mfa/recovery-codes", { code })).recovery_codes), "New recovery codes; the old ones no longer work")
      .then(refresh);
  }

  function disable(event: FormEvent<HTMLFormElement>) {
    const data = new FormData(event.currentTarget);
    const code = field(event, "code");
    void action
      .run(async () => {
        await api.post("/auth/mfa/totp/disable", { password: String(data.get("password") ?? ""), code });
        setCodes(null);
      }, "Two-factor sign-in is off")
      .then(refresh);
  }

  const enabled = status.data?.enabled ?? false;
  return (
    <section aria-label="Two-factor sign-in">
      <h2>Two-factor sign-in</h2>
      {status.data && (
        <p>{enabled ? `On, with ${status.data.recovery_codes_left} recovery codes left.` : "Off: signing in needs only your password."}</p>
      )}
      {codes && <RecoveryCodes codes={codes} />}
      {status.data && !enabled && !setup && (
        <button type="button" onClick={start} disabled={action.busy}>
          Set up two-factor sign-in
        </button>
      )}
      {setup && !enabled && (
        <form onSubmit={enable} className="metadata">
          <img src={setup.qr_png} alt="QR code for your authenticator app" width={192} height={192} />
          <p>
            Or type this secret into the app: <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <label>
            Code from the app <input name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={32} required />
          </label>
          <button type="submit" disabled={action.busy}>Turn on</button>
        </form>
      )}
      {enabled && (
        <>
          <form onSubmit={renew} className="metadata" aria-label="New recovery codes">
            <label>
              Code from the app <input name="code" autoComplete="one-time-code" maxLength={32} required />
            </label>
            <button type="submit" disabled={action.busy}>New recovery codes</button>
          </form>
          <form onSubmit={disable} className="metadata" aria-label="Turn off two-factor sign-in">
            <label>
              Your password <input name="password" type="password" autoComplete="current-password" required />
            </label>
            <label>
              Code or recovery code <input name="code" autoComplete="one-time-code" maxLength={32} required />
            </label>
            <button type="submit" disabled={action.busy}>Turn off</button>
          </form>
        </>
      )}
      <ActionResult error={action.error ?? status.error} done={action.done} />
    </section>
  );
}
