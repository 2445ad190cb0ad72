// The one REST client: access token in memory, refresh token rotated silently once on a 401.
import type { Me, MfaRequired, SignInAnswer, TokenAnswer } from "./types";

export const API = "/api/v1";
const REFRESH_KEY = "veza.refresh";
// 401s that are about what was typed, not the session: a new access token would not help.
const NOT_SESSION = new Set(["invalid_credentials", "invalid_mfa_code", "invalid_mfa_token"]);

/** A refusal from the server, carrying its error body's code and human message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type Body = Record<string, unknown> | unknown[] | FormData | undefined;

export async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as {
      error?: { code: string; message: string; details?: Record<string, unknown> };
    };
    if (body.error) {
      return new ApiError(response.status, body.error.code, body.error.message, body.error.details);
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
}

export class ApiClient {
  private access: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private listeners = new Set<(me: Me | null) => void>();

  constructor(
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
    private readonly store: KeyValueStore = localStorage,
  ) {}

  get accessToken(): string | null {
    return this.access;
  }

  get hasSession(): boolean {
    return this.store.getItem(REFRESH_KEY) !== null;
  }

  /** Called with the user on sign-in and with null when the session ends. */
  onSession(listener: (me: Me | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  adopt(answer: TokenAnswer): Me {
    this.access = answer.access_token;
    this.store.setItem(REFRESH_KEY, answer.refresh_token);
    this.listeners.forEach((listener) => listener(answer.user));
    return answer.user;
  }

  forget(): void {
    this.access = null;
    this.store.removeItem(REFRESH_KEY);
    this.listeners.forEach((listener) => listener(null));
  }

  /** Spend the refresh token for a new pair; concurrent callers share one attempt. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.spendRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async spendRefresh(): Promise<boolean> {
    const token = this.store.getItem(REFRESH_KEY);
    if (!token) return false;
    const response = await this.fetcher(`${API}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (!response.ok) {
      this.forget();
      return false;
    }
    this.adopt((await response.json()) as TokenAnswer);
    return true;
  }

  /** A fresh access token, refreshing first when there is none in memory. */
  async token(): Promise<string | null> {
    if (!this.access && this.hasSession) await this.refresh();
    return this.access;
  }

  async request<T>(method: string, path: string, body?: Body): Promise<T> {
    if (!this.access && this.hasSession) await this.refresh();
    let response = await this.send(method, path, body);
    if (response.status === 401 && this.hasSession) {
      const refused = await errorFrom(response);
      // A wrong password is a 401 too, but no new token would change the answer.
      if (NOT_SESSION.has(refused.code) || !(await this.refresh())) throw refused;
      response = await this.send(method, path, body);
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private send(method: string, path: string, body?: Body): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.access) headers.Authorization = `Bearer ${this.access}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return this.fetcher(`${API}${path}`, { method, headers, body: payload });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body?: Body): Promise<T> {
    return this.request<T>("POST", path, body);
  }
  put<T>(path: string, body?: Body): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  patch<T>(path: string, body?: Body): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }

  /** Adopt a sign-in answer's tokens, or hand back the 2FA step it asks for. */
  settle(answer: SignInAnswer): Me | MfaRequired {
    return "mfa_required" in answer ? answer : this.adopt(answer);
  }

  async signIn(login: string, password: string): Promise<Me | MfaRequired> {
    return this.settle(await this.post<SignInAnswer>("/auth/login", { login, password }));
  }

  /** The second step: an authenticator code or a recovery code. */
  async signInMfa(mfaToken: string, code: string): Promise<Me> {
    return this.adopt(await this.post<TokenAnswer>("/auth/login/mfa", { mfa_token: mfaToken, code }));
  }

  async signUp(username: string, email: string, password: string): Promise<Me> {
    return this.adopt(await this.post<TokenAnswer>("/auth/register", { username, email, password }));
  }

  async signOut(): Promise<void> {
    try {
      if (this.access) await this.post("/auth/logout");
    } finally {
      this.forget();
    }
  }
}

export const api = new ApiClient();
