// Real-time platform counters from the `/analytics/live` event stream (admins).
import { useEffect, useState } from "react";
import { streamEvents } from "../api/sse";
import { ErrorText } from "../components/ErrorText";
import type { PlatformLive } from "./types";

const LABELS: [keyof PlatformLive, string][] = [
  ["listeners_5m", "Listeners (last 5 min)"],
  ["plays_last_minute", "Plays (last minute)"],
  ["messages_last_minute", "Messages (last minute)"],
  ["active_chatters_5m", "Chatters (last 5 min)"],
];

export function LiveCounters() {
  const [live, setLive] = useState<PlatformLive | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const stop = new AbortController();
    void streamEvents(
      "/analytics/live",
      (event) => {
        if (event.event === "analytics.live") setLive(JSON.parse(event.data) as PlatformLive);
      },
      setError,
      stop.signal,
    );
    return () => stop.abort();
  }, []);
  return (
    <section aria-label="Live">
      <h2>Live</h2>
      <ErrorText error={error} />
      <dl className="stats" aria-live="polite" aria-busy={live === null}>
        {LABELS.map(([key, label]) => (
          <div key={key} className="contents">
            <dt>{label}</dt>
            <dd data-testid={`live-${key}`}>{live ? live[key] : "…"}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
