// Owners make a share link (works without an account); others copy the page's address.
import { useState } from "react";
import { api } from "../../api/client";
import type { Track } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";

export function ShareButton({ track, owner }: { track: Track; owner: boolean }) {
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function share() {
    try {
      setError(null);
      const url = owner
        ? `${location.origin}/api/v1${(await api.post<{ path: string }>("/shares", { track_id: track.id })).path}`
        : `${location.origin}/tracks/${track.id}`;
      setLink(url);
      await navigator.clipboard?.writeText(url).catch(() => undefined);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <>
      <button type="button" onClick={() => void share()}>
        Share
      </button>
      {link && <input readOnly value={link} aria-label="Share link" onFocus={(e) => e.target.select()} />}
      <ErrorText error={error} />
    </>
  );
}
