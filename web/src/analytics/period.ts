// The periods a dashboard offers and how their numbers read.

export const PERIODS = [7, 30, 90] as const;
export type Days = (typeof PERIODS)[number];

/** `start`/`end` (UTC dates, both included) for the last `days` days, today included. */
export function periodQuery(days: Days, today: Date = new Date()): string {
  const end = today.toISOString().slice(0, 10);
  const start = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return `start=${start}&end=${end}&granularity=day`;
}

/** "12-01" from a bucket's ISO timestamp. */
export function dayLabel(bucket: string): string {
  return bucket.slice(5, 10);
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)} %`;
}

export function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}
