// Track upload over XHR, for per-file byte progress (fetch cannot report upload progress).
import { API, ApiError, api } from "./client";
import type { Track } from "./types";

function sendOnce(
  file: File,
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API}/tracks`);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "the upload was interrupted"));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

/** Upload one file; on a 401 refresh once and retry, like every other request. */
export async function uploadTrack(file: File, onProgress: (fraction: number) => void): Promise<Track> {
  let answer = await sendOnce(file, await api.token(), onProgress);
  if (answer.status === 401 && (await api.refresh())) {
    answer = await sendOnce(file, api.accessToken, onProgress);
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body as Track;
  const error = (answer.body as { error?: { code: string; message: string } } | null)?.error;
  throw new ApiError(
    answer.status,
    error?.code ?? "http_error",
    error?.message ?? `upload failed (${answer.status})`,
  );
}
