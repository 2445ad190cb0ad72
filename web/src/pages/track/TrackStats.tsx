import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { Track } from "../../api/types";
import { PeriodPicker } from "../../analytics/PeriodPicker";
import { PlaysPanel } from "../../analytics/PlaysPanel";
import { periodQuery, type Days } from "../../analytics/period";
import type { TrackAnalytics } from "../../analytics/types";
import { ErrorText } from "../../components/ErrorText";

export function TrackStats({ track }: { track: Track }) {
  const [days, setDays] = useState<Days>(30);
  const period = useQuery({
    queryKey: ["analytics", "track", track.id, days],
    queryFn: () => api.get<TrackAnalytics>(`/analytics/tracks/${track.id}?${periodQuery(days)}`),
  });
  return (
    <section aria-label="Track analytics">
      <dl className="stats" aria-label="Stats">
        <dt>Plays</dt>
        <dd>{track.play_count}</dd>
        <dt>Listeners</dt>
        <dd>{track.listener_count}</dd>
        <dt>Listening time</dt>
        <dd>{Math.round(track.listening_seconds / 60)} min</dd>
      </dl>
      <h2>Last {days} days</h2>
      <PeriodPicker days={days} onChange={setDays} />
      <ErrorText error={period.error} />
      {period.data && <PlaysPanel totals={period.data.totals} series={period.data.series} />}
    </section>
  );
}
