import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, type KeyValueStore } from "./client";
import { SseParser, streamEvents, type SseEvent } from "./sse";

describe("SseParser", () => {
  it("joins events split anywhere across chunks, including inside a CRLF", () => {
    const parser = new SseParser();
    const text = 'event: analytics.live\r\ndata: {"plays_last_minute":3}\r\n\r\n: keep-alive\n\nid: 7\ndata: a\ndata: b\n\n';
    const events: SseEvent[] = [];
    for (const size of [1, 3, 7]) {
      for (let at = 0; at < text.length; at += size) events.push(...parser.push(text.slice(at, at + size)));
    }
    const once = [
      { event: "analytics.live", data: '{"plays_last_minute":3}', id: null },
      { event: "message", data: "a\nb", id: "7" },
    ];
    expect(events).toEqual([...once, { ...once[0], id: "7" }, once[1], { ...once[0], id: "7" }, once[1]]);
  });

  it("holds back an event until its blank line and ignores unknown fields", () => {
    const parser = new SseParser();
    expect(parser.push("retry: 10\nevent: x\ndata: 1\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ event: "x", data: "1", id: null }]);
    expect(parser.push("event: lonely\n\n")).toEqual([]); // no data: nothing dispatched
    expect(parser.push("data\n\n")).toEqual([{ event: "message", data: "", id: null }]);
  });
});

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>([["veza.refresh", "r0"]]);
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

/** An in-memory server: refresh rotates the access token; the live route wants the current one
 * in the Authorization header and ends each stream after two events, as `events=2` would. */
function server(liveStatus = 200) {
  let generation = 0;
  const seen: (string | null)[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (url.endsWith("/auth/refresh")) {
      generation++;
      return json(200, { user: { id: "1", username: "hamlet" }, access_token: `a${generation}`, refresh_token: `r${generation}`, expires_in: 900 });
    }
    const auth = new Headers(init?.headers).get("Authorization");
    seen.push(auth);
    if (auth !== `Bearer a${generation}`) return json(401, { error: { code: "invalid_token", message: "token expired" } });
    if (liveStatus !== 200) return json(liveStatus, { error: { code: "admin_required", message: "admins only" } });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const encode = (text: string) => controller.enqueue(new TextEncoder().encode(text));
        encode("event: analytics.live\ndata: {\"n\":");
        encode(`${seen.length}}\n\nevent: analytics.live\ndata: {"n":0}\n\n`);
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  };
  return { fetcher: fetcher as typeof fetch, seen, expire: () => generation++ };
}

describe("streamEvents", () => {
  it("sends the bearer token, renews it on a 401 and reconnects when the stream ends", async () => {
    const fake = server();
    const client = new ApiClient(fake.fetcher, new MemoryStore());
    const stop = new AbortController();
    const got: string[] = [];
    const errors: Error[] = [];
    await client.token();
    fake.expire(); // the token in memory is stale: the first connection is refused once
    await streamEvents(
      "/analytics/live",
      (event) => {
        got.push(event.data);
        if (got.length === 4) stop.abort();
      },
      (error) => errors.push(error),
      stop.signal,
      { client, fetcher: fake.fetcher, retryMs: 0 },
    );
    expect(fake.seen).toEqual(["Bearer a1", "Bearer a3", "Bearer a3"]);
    expect(got).toEqual(['{"n":2}', '{"n":0}', '{"n":3}', '{"n":0}']);
    expect(errors).toEqual([]);
  });

  it("stops on a refusal and hands over the server's error", async () => {
    const fake = server(403);
    const client = new ApiClient(fake.fetcher, new MemoryStore());
    const errors: Error[] = [];
    await streamEvents("/analytics/live", () => undefined, (error) => errors.push(error), new AbortController().signal, {
      client,
      fetcher: fake.fetcher,
      retryMs: 0,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ApiError);
    expect((errors[0] as ApiError).code).toBe("admin_required");
    expect(fake.seen).toHaveLength(1);
  });
});
