// Shapes of the analytics API answers (docs/analytics.md).

export type Source = "profile" | "playlist" | "search" | "share" | "feed" | "other";

export interface PlayTotals {
  reports: number;
  plays: number;
  unique_listeners: number;
  listening_seconds: number;
  completion_rate: number | null;
  skip_rate: number | null;
  sources: Record<Source, number>;
}

export interface PlayBucket {
  bucket: string;
  reports: number;
  plays: number;
  listeners: number;
  listening_seconds: number;
  completed: number;
  skipped: number;
}

export interface Period {
  start: string;
  end: string;
  granularity: "day" | "hour";
}

export interface TrackAnalytics {
  track_id: string;
  period: Period;
  totals: PlayTotals;
  series: PlayBucket[];
}

export interface ArtistAnalytics {
  artist: unknown;
  period: Period;
  totals: PlayTotals;
  series: PlayBucket[];
  top_tracks: { track_id: string; title: string; plays: number }[];
}

export interface PlatformCounters {
  registrations: number;
  sign_ins: number;
  uploads: number;
  upload_bytes: number;
  reports: number;
  plays: number;
  listening_seconds: number;
  messages: number;
  moderation_actions: number;
  errors: number;
}

export interface PlatformAnalytics {
  period: Period;
  totals: PlatformCounters & { users: number; storage_bytes: number };
  series: (PlatformCounters & { bucket: string; active_users: number; listeners: number })[];
  weekly_active_users: { week: string; active_users: number }[];
}

export interface PlatformLive {
  listeners_5m: number;
  plays_last_minute: number;
  messages_last_minute: number;
  active_chatters_5m: number;
}
