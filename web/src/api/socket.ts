// The one /ws connection: request/ack by id, events by type, reconnect with room catch-up.
import { ApiError, api } from "./client";

export interface ServerEvent {
  type: string;
  room?: string;
  data: Record<string, unknown>;
}

type Pending = { resolve: (data: unknown) => void; reject: (error: ApiError) => void };
type Listener = (event: ServerEvent) => void;

const TOKEN_RENEW_MS = 10 * 60 * 1000;

export class ChatSocket {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private listeners = new Set<Listener>();
  private statusListeners = new Set<(online: boolean) => void>();
  private outbox: string[] = [];
  private ready = false;
  private connectedBefore = false;
  private retry = 0;
  private stopped = true;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  /** Called after every reconnection (not the first connection), so views resubscribe with their `since_seq`. */
  private reconnectHooks = new Set<() => void>();

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.renewTimer);
    this.ws?.close(1000);
    this.ws = null;
  }

  get online(): boolean {
    return this.ready;
  }

  private async open(): Promise<void> {
    const token = await api.token();
    if (!token || this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    ws.onmessage = (message) => this.receive(JSON.parse(String(message.data)) as ServerEvent & { id?: string });
    ws.onclose = (close) => {
      if (this.ws !== ws) return;
      this.setReady(false);
      this.ws = null;
      for (const pending of this.pending.values()) {
        pending.reject(new ApiError(0, "disconnected", "the chat connection dropped"));
      }
      this.pending.clear();
      if (this.stopped || close.code === 4403) return;
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      if (close.code === 4401) void api.refresh();
      setTimeout(() => void this.open(), delay);
    };
  }

  private setReady(ready: boolean): void {
    this.ready = ready;
    this.statusListeners.forEach((listener) => listener(ready));
  }

  private receive(frame: ServerEvent & { id?: string; code?: string; message?: string }): void {
    if (frame.type === "ready") {
      this.retry = 0;
      this.setReady(true);
      clearInterval(this.renewTimer);
      this.renewTimer = setInterval(() => void this.renewToken(), TOKEN_RENEW_MS);
      const queued = this.outbox.splice(0);
      queued.forEach((text) => this.ws?.send(text));
      if (this.connectedBefore) this.reconnectHooks.forEach((hook) => hook());
      this.connectedBefore = true;
      return;
    }
    if ((frame.type === "ack" || frame.type === "error") && frame.id) {
      const pending = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      if (frame.type === "ack") pending?.resolve(frame.data);
      else pending?.reject(new ApiError(400, frame.code ?? "error", frame.message ?? "refused", frame.data));
      return;
    }
    this.listeners.forEach((listener) => listener(frame));
  }

  private async renewToken(): Promise<void> {
    await api.refresh();
    if (api.accessToken) await this.request("auth", { token: api.accessToken }).catch(() => undefined);
  }

  /** Send a verb; resolves with the ack's data, rejects with the error frame's code and message. */
  request<T = unknown>(type: string, fields: Record<string, unknown> = {}): Promise<T> {
    const id = `c${this.nextId++}`;
    const text = JSON.stringify({ type, id, ...fields });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
      if (this.ready && this.ws) this.ws.send(text);
      else this.outbox.push(text);
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (online: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }
}

export const socket = new ChatSocket();
