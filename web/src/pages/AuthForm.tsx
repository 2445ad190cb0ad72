// Sign in and sign up share one form: fields, the server's refusal, and where to go after.
import { useState, type FormEvent, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { ErrorText } from "../components/ErrorText";

export interface Field {
  name: string;
  label: string;
  type: string;
  autoComplete: string;
}

interface Props {
  title: string;
  fields: Field[];
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
  footer: ReactNode;
}

export function AuthForm({ title, fields, submitLabel, onSubmit, footer }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? "/";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const values = Object.fromEntries(fields.map((f) => [f.name, String(data.get(f.name) ?? "")]));
    setBusy(true);
    setError(null);
    try {
      await onSubmit(values);
      navigate(from, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <h1>{title}</h1>
      <form onSubmit={submit}>
        {fields.map((field) => (
          <label key={field.name}>
            {field.label}
            <input name={field.name} type={field.type} autoComplete={field.autoComplete} required />
          </label>
        ))}
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
      </form>
      {footer}
    </main>
  );
}
