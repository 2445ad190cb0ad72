// Upload: drop many files, watch each one's bytes go up and its processing reach ready.
import { useEffect, useRef, useState, type DragEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { socket } from "../../api/socket";
import { uploadTrack } from "../../api/upload";
import { errorMessage } from "../../components/ErrorText";
import { applyProgress, progressFrom, type ProgressEvent, type UploadRow } from "./uploads";
import { UploadItem } from "./UploadItem";

let counter = 0;

export default function UploadPage() {
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const queryClient = useQueryClient();
  // Events can beat the upload's own answer; the latest per track is applied when it lands.
  const latest = useRef(new Map<string, ProgressEvent>());

  useEffect(
    () =>
      socket.on((event) => {
        if (event.type !== "track.progress") return;
        const progress = progressFrom(event as unknown as Record<string, unknown>);
        if (!progress) return;
        latest.current.set(progress.track_id, progress);
        setRows((current) => applyProgress(current, progress));
        if (progress.status === "ready") void queryClient.invalidateQueries({ queryKey: ["my-tracks"] });
      }),
    [queryClient],
  );

  function update(key: string, patch: Partial<UploadRow>) {
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  }

  function add(files: FileList | null) {
    for (const file of Array.from(files ?? [])) {
      const key = `u${counter++}`;
      setRows((current) => [
        ...current,
        { key, name: file.name, phase: "uploading", sent: 0, progress: 0, track: null, message: null },
      ]);
      uploadTrack(file, (sent) => update(key, { sent }))
        .then((track) => {
          update(key, { track, phase: track.status, sent: 1, progress: track.progress });
          const early = latest.current.get(track.id);
          if (early) setRows((current) => applyProgress(current, early));
        })
        .catch((error: unknown) => update(key, { phase: "refused", message: errorMessage(error) }));
    }
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    add(event.dataTransfer.files);
  }

  return (
    <div>
      <h1>Upload</h1>
      <div
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop audio files here (MP3, AAC/M4A, Ogg, FLAC, WAV, AIFF), or</p>
        <button type="button" onClick={() => picker.current?.click()}>
          Choose files
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          accept="audio/*,.flac,.m4a,.aiff,.opus"
          aria-label="Audio files"
          hidden
          onChange={(event) => {
            add(event.target.files);
            event.target.value = "";
          }}
        />
      </div>
      <ul className="uploads" aria-label="Uploads">
        {rows.map((row) => (
          <UploadItem key={row.key} row={row} />
        ))}
      </ul>
    </div>
  );
}
