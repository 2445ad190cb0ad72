// Server-sent events over fetch(): the server takes the token only in the Authorization header,
// which EventSource cannot send, so the stream is read with a ReadableStream reader.
import { api, API, ApiError, errorFrom, type ApiClient } from "./client";

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Incremental text/event-stream parser: feed it chunks as they arrive, it returns whole events. */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | null = null;
  private afterCR = false;

  push(chunk: string): SseEvent[] {
    // A "\r\n" split across two chunks is one line end, not two.
    if (this.afterCR && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.afterCR = chunk.endsWith("\r");
    this.buffer += chunk;
    const out: SseEvent[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? ""; // the part with no line end yet
    for (const line of lines) {
      const done = this.line(line);
      if (done) out.push(done);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      if (this.data.length === 0) {
        this.event = "";
        return null;
      }
      const done = { event: this.event || "message", data: this.data.join("\n"), id: this.id };
      this.event = "";
      this.data = [];
      return done;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
    return null;
  }
}

export interface StreamOptions {
  client?: ApiClient;
  fetcher?: typeof fetch;
  /** Wait before reconnecting after the stream ends or the network drops. */
  retryMs?: number;
}

/**
 * Read `path` as an event stream until `signal` aborts, reconnecting after the server ends it
 * (the live stream closes after its `events` count) or the network drops; a 401 renews the
 * token once through the client, any other refusal is passed to `onError` and ends the loop.
 */
export async function streamEvents(
  path: string,
  onEvent: (event: SseEvent) => void,
  onError: (error: Error) => void,
  signal: AbortSignal,
  { client = api, fetcher = (...args) => fetch(...args), retryMs = 3000 }: StreamOptions = {},
): Promise<void> {
  let renewed = false;
  while (!signal.aborted) {
    try {
      const token = await client.token();
      const response = await fetcher(`${API}${path}`, {
        headers: { Accept: "text/event-stream", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        signal,
      });
      if (response.status === 401 && !renewed && (await client.refresh())) {
        renewed = true;
        continue;
      }
      if (!response.ok || !response.body) throw await errorFrom(response);
      renewed = false;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value).forEach(onEvent);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError) {
        onError(error);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
