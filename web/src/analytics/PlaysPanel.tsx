// Plays of a track or an artist over a period: totals, by-day charts, play sources.
import { BarChart } from "../components/BarChart";
import { dayLabel, duration, percent } from "./period";
import type { PlayBucket, PlayTotals } from "./types";

export function PlaysPanel({ totals, series }: { totals: PlayTotals; series: PlayBucket[] }) {
  const bars = (pick: (bucket: PlayBucket) => number) =>
    series.map((bucket) => ({ label: dayLabel(bucket.bucket), value: pick(bucket) }));
  return (
    <>
      <dl className="stats" aria-label="Totals">
        <dt>Plays</dt>
        <dd data-testid="total-plays">{totals.plays}</dd>
        <dt>Unique listeners</dt>
        <dd>{totals.unique_listeners}</dd>
        <dt>Listening time</dt>
        <dd>{duration(totals.listening_seconds)}</dd>
        <dt>Completion rate</dt>
        <dd>{percent(totals.completion_rate)}</dd>
        <dt>Skip rate</dt>
        <dd>{percent(totals.skip_rate)}</dd>
      </dl>
      <BarChart title="Plays by day" bars={bars((b) => b.plays)} format={(n) => `${n} plays`} />
      <BarChart title="Listeners by day" bars={bars((b) => b.listeners)} format={(n) => `${n} listeners`} />
      <BarChart
        title="Listening time by day"
        bars={bars((b) => b.listening_seconds)}
        format={duration}
      />
      <table aria-label="Play sources">
        <thead>
          <tr><th>Source</th><th>Plays</th></tr>
        </thead>
        <tbody>
          {Object.entries(totals.sources).map(([source, plays]) => (
            <tr key={source}><td>{source}</td><td>{plays}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
