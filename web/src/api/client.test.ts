import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, type KeyValueStore } from "./client";

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>();
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

/** A tiny in-memory server with the real refresh rules: tokens rotate and a spent one kills the session. */
function server() {
  let generation = 0;
  const spent = new Set<string>();
  let alive = true;
  const calls: string[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    calls.push(url);
    if (url.endsWith("/auth/refresh")) {
      const token = (JSON.parse(String(init?.body)) as { refresh_token: string }).refresh_token;
      if (spent.has(token) || !alive) {
        alive = false;
        return json(401, { error: { code: "refresh_token_reused", message: "session revoked" } });
      }
      spent.add(token);
      generation++;
      return json(200, { user: { id: "1", username: "hamlet" }, access_token: `a${generation}`, refresh_token: `r${generation}`, expires_in: 900 });
    }
    const auth = new Headers(init?.headers).get("Authorization");
    if (auth !== `Bearer a${generation}` || !alive) return json(401, { error: { code: "invalid_token", message: "token expired" } });
    if (url.endsWith("/auth/password")) return json(401, { error: { code: "invalid_credentials", message: "current password is wrong" } });
    if (url.endsWith("/missing")) return json(404, { error: { code: "track_not_found", message: "no such track", details: { id: "x" } } });
    return json(200, { ok: true, token: auth });
  };
  return { fetcher, calls, expire: () => generation++ };
}

describe("ApiClient", () => {
  it("refreshes once on a 401 and retries with the rotated token", async () => {
    const store = new MemoryStore();
    store.setItem("veza.refresh", "r0");
    const fake = server();
    const client = new ApiClient(fake.fetcher as typeof fetch, store);
    expect(await client.get("/thing")).toEqual({ ok: true, token: "Bearer a1" });
    expect(store.getItem("veza.refresh")).toBe("r1");
    fake.expire(); // the access token in memory goes stale: one 401, one refresh, one retry
    expect(await client.get("/thing")).toEqual({ ok: true, token: "Bearer a3" });
    expect(store.getItem("veza.refresh")).toBe("r3");
    expect(fake.calls.filter((url) => url.endsWith("/auth/refresh"))).toHaveLength(2);
  });

  it("shares one refresh among concurrent requests", async () => {
    const store = new MemoryStore();
    store.setItem("veza.refresh", "r0");
    const fake = server();
    const client = new ApiClient(fake.fetcher as typeof fetch, store);
    const answers = await Promise.all([client.get("/a"), client.get("/b"), client.get("/c")]);
    expect(answers).toHaveLength(3);
    expect(fake.calls.filter((url) => url.endsWith("/auth/refresh"))).toHaveLength(1);
  });

  it("does not spend the refresh token on a wrong password", async () => {
    const store = new MemoryStore();
    store.setItem("veza.refresh", "r0");
    const fake = server();
    const client = new ApiClient(fake.fetcher as typeof fetch, store);
    await expect(client.post("/auth/password", { current_password: "x" })).rejects.toMatchObject({
      status: 401,
      code: "invalid_credentials",
      message: "current password is wrong",
    });
    expect(fake.calls.filter((url) => url.endsWith("/auth/refresh"))).toHaveLength(1);
    expect(fake.calls.filter((url) => url.endsWith("/auth/password"))).toHaveLength(1);
    expect(store.getItem("veza.refresh")).toBe("r1");
  });

  it("surfaces the server's error code and message", async () => {
    const store = new MemoryStore();
    store.setItem("veza.refresh", "r0");
    const client = new ApiClient(server().fetcher as typeof fetch, store);
    const error = await client.get("/missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "track_not_found", message: "no such track", details: { id: "x" } });
  });

  it("forgets the session when a spent refresh token is refused", async () => {
    const store = new MemoryStore();
    store.setItem("veza.refresh", "r0");
    const client = new ApiClient(server().fetcher as typeof fetch, store);
    expect(await client.refresh()).toBe(true);
    store.setItem("veza.refresh", "r0"); // replaying the spent token ends the session
    const seen: unknown[] = [];
    client.onSession((me) => seen.push(me));
    expect(await client.refresh()).toBe(false);
    expect(store.getItem("veza.refresh")).toBeNull();
    expect(seen).toEqual([null]);
    expect(client.accessToken).toBeNull();
    await expect(client.get("/thing")).rejects.toMatchObject({ status: 401, code: "invalid_token" });
  });
});
