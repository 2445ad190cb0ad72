import { describe, expect, it } from "vitest";
import { ApiClient, type KeyValueStore } from "../api/client";
import { firstFactor, initial, secondFactor, type LoginState } from "./login";

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

/** An in-memory server with the real two-step rules: a step token is spent by its one success. */
function server(mfa: boolean) {
  const live = new Set<string>();
  const calls: string[] = [];
  let issued = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const tokens = () => json(200, { user: { id: "1", username: "hamlet" }, access_token: "a1", refresh_token: "r1", expires_in: 900 });
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    calls.push(url);
    const body = JSON.parse(String(init?.body)) as Record<string, string>;
    if (url.endsWith("/auth/login")) {
      if (body.password !== "right") return json(401, { error: { code: "invalid_credentials", message: "wrong username or password" } });
      if (!mfa) return tokens();
      const step = `m${++issued}`;
      live.add(step);
      return json(200, { mfa_required: true, mfa_token: step, expires_in: 300 });
    }
    if (url.endsWith("/auth/login/mfa")) {
      if (!live.has(body.mfa_token ?? "")) return json(401, { error: { code: "invalid_mfa_token", message: "sign in again" } });
      if (body.code !== "123456") return json(401, { error: { code: "invalid_mfa_code", message: "that code is not right" } });
      live.delete(body.mfa_token ?? "");
      return tokens();
    }
    return json(404, { error: { code: "not_found", message: "no route" } });
  };
  return { fetcher, calls, expire: () => live.clear() };
}

function setup(mfa: boolean) {
  const store = new MemoryStore();
  const fake = server(mfa);
  return { client: new ApiClient(fake.fetcher as typeof fetch, store), store, fake };
}

const message = (state: LoginState) => (state.step === "done" ? null : (state.error as Error | null)?.message);

describe("login state machine", () => {
  it("goes password → 2FA step → signed in, keeping the tokens only at the end", async () => {
    const { client, store } = setup(true);
    const mfaStep = await firstFactor(() => client.signIn("hamlet", "right"));
    expect(mfaStep).toEqual({ step: "mfa", mfaToken: "m1", error: null });
    expect(store.getItem("veza.refresh")).toBeNull();
    const done = await secondFactor(client, mfaStep, " 123 456 ");
    expect(done).toEqual({ step: "done", me: { id: "1", username: "hamlet" } });
    expect(store.getItem("veza.refresh")).toBe("r1");
    expect(client.accessToken).toBe("a1");
  });

  it("signs straight in when the account has no 2FA", async () => {
    const { client } = setup(false);
    expect((await firstFactor(() => client.signIn("hamlet", "right"))).step).toBe("done");
  });

  it("stays on the password step with the server's message on a wrong password", async () => {
    const { client } = setup(true);
    const state = await firstFactor(() => client.signIn("hamlet", "wrong"));
    expect(state.step).toBe("first");
    expect(message(state)).toBe("wrong username or password");
  });

  it("stays on the 2FA step after a wrong code, and the right code still works", async () => {
    const { client } = setup(true);
    const step = await firstFactor(() => client.signIn("hamlet", "right"));
    const wrong = await secondFactor(client, step, "000000");
    expect(wrong.step).toBe("mfa");
    expect(message(wrong)).toBe("that code is not right");
    expect((await secondFactor(client, wrong, "123456")).step).toBe("done");
  });

  it("starts over when the step token is spent or expired", async () => {
    const { client, fake } = setup(true);
    const step = await firstFactor(() => client.signIn("hamlet", "right"));
    fake.expire();
    const back = await secondFactor(client, step, "123456");
    expect(back.step).toBe("first");
    expect(message(back)).toBe("sign in again");
  });

  it("does not spend a refresh token on a wrong code while another session is held", async () => {
    const { client, fake, store } = setup(true);
    client.adopt({ user: { id: "2", username: "ophelia" } as never, access_token: "other", refresh_token: "r-other", expires_in: 900 });
    const step = await firstFactor(() => client.signIn("hamlet", "right"));
    expect((await secondFactor(client, step, "000000")).step).toBe("mfa");
    expect(fake.calls.filter((url) => url.endsWith("/auth/refresh"))).toHaveLength(0);
    expect(store.getItem("veza.refresh")).toBe("r-other");
  });

  it("ignores a code when no 2FA step is pending", async () => {
    const { client } = setup(true);
    expect(await secondFactor(client, initial, "123456")).toBe(initial);
  });
});
