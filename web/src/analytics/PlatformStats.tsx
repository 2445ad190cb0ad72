// Platform statistics for admins: accounts, active users, uploads, storage, plays, errors.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import { BarChart } from "../components/BarChart";
import { ErrorText } from "../components/ErrorText";
import { LiveCounters } from "./LiveCounters";
import { PeriodPicker } from "./PeriodPicker";
import { bytes, dayLabel, duration, periodQuery, type Days } from "./period";
import type { PlatformAnalytics } from "./types";

type Row = PlatformAnalytics["series"][number];

const CHARTS: [string, (row: Row) => number, string][] = [
  ["Daily active users", (row) => row.active_users, "users"],
  ["Plays by day", (row) => row.plays, "plays"],
  ["Uploads by day", (row) => row.uploads, "uploads"],
  ["Registrations by day", (row) => row.registrations, "registrations"],
  ["Server errors by day", (row) => row.errors, "errors"],
];

export default function PlatformStats() {
  const [days, setDays] = useState<Days>(30);
  const stats = useQuery({
    queryKey: ["analytics", "platform", days],
    queryFn: () => api.get<PlatformAnalytics>(`/analytics/platform?${periodQuery(days)}`),
  });
  const data = stats.data;
  return (
    <div>
      <h1>Platform statistics</h1>
      <LiveCounters />
      <PeriodPicker days={days} onChange={setDays} />
      {stats.isPending && <p role="status">Loading…</p>}
      <ErrorText error={stats.error} />
      {data && (
        <>
          <dl className="stats" aria-label="Platform totals">
            <dt>Accounts</dt>
            <dd data-testid="platform-users">{data.totals.users}</dd>
            <dt>Registrations</dt>
            <dd>{data.totals.registrations}</dd>
            <dt>Uploads</dt>
            <dd>{data.totals.uploads} ({bytes(data.totals.upload_bytes)})</dd>
            <dt>Storage</dt>
            <dd>{bytes(data.totals.storage_bytes)}</dd>
            <dt>Plays</dt>
            <dd>{data.totals.plays}</dd>
            <dt>Listening time</dt>
            <dd>{duration(data.totals.listening_seconds)}</dd>
            <dt>Messages</dt>
            <dd>{data.totals.messages}</dd>
            <dt>Server errors</dt>
            <dd>{data.totals.errors}</dd>
          </dl>
          {CHARTS.map(([title, pick, unit]) => (
            <BarChart
              key={title}
              title={title}
              bars={data.series.map((row) => ({ label: dayLabel(row.bucket), value: pick(row) }))}
              format={(n) => `${n} ${unit}`}
            />
          ))}
          <BarChart
            title="Weekly active users"
            bars={data.weekly_active_users.map((week) => ({ label: dayLabel(week.week), value: week.active_users }))}
            format={(n) => `${n} users`}
          />
        </>
      )}
    </div>
  );
}
