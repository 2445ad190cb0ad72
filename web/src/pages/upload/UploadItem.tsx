// One upload: progress bars, the server's refusal, and the metadata form once it is stored.
import { Link } from "react-router-dom";
import type { UploadRow } from "./uploads";
import { MetadataForm } from "../track/MetadataForm";

const PHASE_LABEL = {
  uploading: "Uploading",
  uploaded: "Queued",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
  refused: "Refused",
} as const;

export function UploadItem({ row }: { row: UploadRow }) {
  const value = row.phase === "uploading" ? Math.round(row.sent * 100) : row.progress;
  return (
    <li className={`upload ${row.phase}`} data-testid="upload-row">
      <strong>{row.name}</strong>{" "}
      <span data-testid="upload-phase">{PHASE_LABEL[row.phase]}</span>
      {row.phase !== "refused" && row.phase !== "failed" && (
        <progress max={100} value={value} aria-label={`${PHASE_LABEL[row.phase]} ${row.name}`}>
          {value}%
        </progress>
      )}
      {row.message && (
        <p role="alert" className="error">
          {row.message}
        </p>
      )}
      {row.track && row.phase === "ready" && <Link to={`/tracks/${row.track.id}`}>Open track</Link>}
      {row.track && <MetadataForm track={row.track} />}
    </li>
  );
}
