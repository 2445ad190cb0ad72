// Upload rows as pure state: bytes sent, then processing progress from `track.progress` events.
import type { Track } from "../../api/types";

export type Phase = "uploading" | "uploaded" | "processing" | "ready" | "failed" | "refused";

export interface UploadRow {
  key: string;
  name: string;
  phase: Phase;
  /** 0-1 while uploading, then the server's 0-100 processing progress. */
  sent: number;
  progress: number;
  track: Track | null;
  message: string | null;
}

export interface ProgressEvent {
  track_id: string;
  status: Track["status"];
  progress: number;
  failure_reason: string | null;
}

export function progressFrom(event: Record<string, unknown>): ProgressEvent | null {
  const source = (event.data as Record<string, unknown> | undefined) ?? event;
  if (typeof source.track_id !== "string") return null;
  return source as unknown as ProgressEvent;
}

export function applyProgress(rows: UploadRow[], event: ProgressEvent): UploadRow[] {
  return rows.map((row) =>
    row.track?.id === event.track_id
      ? { ...row, phase: event.status, progress: event.progress, message: event.failure_reason }
      : row,
  );
}
