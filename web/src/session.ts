// Who is signed in, and with which tokens.
//
// The access token (a short-lived JWT) lives in memory and in sessionStorage, so it survives reloads of this
// tab but not the tab itself. The refresh token lives in localStorage so a new tab can start a session without
// a new sign-in; it rotates on every use, so it is read from storage at the moment it is needed — another tab
// may have rotated it since this one started. Signing out in one tab removes it, and the `storage` event tells
// every other tab to drop its session too.
import type { AuthResult, User } from './api-types';

const ACCESS_TOKEN_KEY = 'vibestream.accessToken';
const ACCESS_TOKEN_EXPIRES_AT_KEY = 'vibestream.accessTokenExpiresAt';
const USER_KEY = 'vibestream.user';
const REFRESH_TOKEN_KEY = 'vibestream.refreshToken';

/** Refresh this long before the access token's stated expiry, to absorb clock skew and request latency. */
const EXPIRY_MARGIN_MS = 30_000;

type Listener = (user: User | null) => void;

// Storage can be unavailable (disabled cookies, some private modes) or full; the app then keeps the session in
// memory only instead of failing.
function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Memory-only session; see above.
  }
}

const local = () => window.localStorage;
const perTab = () => window.sessionStorage;

function parseUser(raw: string | null): User | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as User;
  } catch {
    return null;
  }
}

class SessionStore {
  #accessToken: string | null = read(perTab, ACCESS_TOKEN_KEY);
  #accessTokenExpiresAtMs = Number(read(perTab, ACCESS_TOKEN_EXPIRES_AT_KEY) ?? 0);
  #user: User | null = parseUser(read(perTab, USER_KEY));
  #memoryRefreshToken: string | null = null;
  readonly #listeners = new Set<Listener>();

  constructor() {
    window.addEventListener('storage', (event) => {
      // Another tab of this origin signed out (or cleared site data): this tab's session ends as well.
      if ((event.key === REFRESH_TOKEN_KEY || event.key === null) && event.newValue === null) {
        this.clear();
      }
    });
  }

  /** The signed-in user as last confirmed by the API, or null when anonymous. */
  get user(): User | null {
    return this.#user;
  }

  get accessToken(): string | null {
    return this.#accessToken;
  }

  get refreshToken(): string | null {
    return read(local, REFRESH_TOKEN_KEY) ?? this.#memoryRefreshToken;
  }

  /** True when there is no usable access token but a refresh could obtain one. */
  needsRefresh(nowMs = Date.now()): boolean {
    if (!this.refreshToken) return false;
    return !this.#accessToken || nowMs >= this.#accessTokenExpiresAtMs - EXPIRY_MARGIN_MS;
  }

  /** Stores the result of signup, login or refresh. */
  establish(auth: AuthResult): void {
    this.#accessToken = auth.accessToken;
    this.#accessTokenExpiresAtMs = Date.now() + auth.expiresIn * 1000;
    this.#memoryRefreshToken = auth.refreshToken;
    write(perTab, ACCESS_TOKEN_KEY, auth.accessToken);
    write(perTab, ACCESS_TOKEN_EXPIRES_AT_KEY, String(this.#accessTokenExpiresAtMs));
    write(local, REFRESH_TOKEN_KEY, auth.refreshToken);
    this.setUser(auth.user);
  }

  setUser(user: User): void {
    const changed = JSON.stringify(user) !== JSON.stringify(this.#user);
    this.#user = user;
    write(perTab, USER_KEY, JSON.stringify(user));
    if (changed) this.#notify();
  }

  clear(): void {
    const hadUser = this.#user !== null;
    this.#accessToken = null;
    this.#accessTokenExpiresAtMs = 0;
    this.#memoryRefreshToken = null;
    this.#user = null;
    write(perTab, ACCESS_TOKEN_KEY, null);
    write(perTab, ACCESS_TOKEN_EXPIRES_AT_KEY, null);
    write(perTab, USER_KEY, null);
    write(local, REFRESH_TOKEN_KEY, null);
    if (hadUser) this.#notify();
  }

  /** Calls `listener` whenever the signed-in user changes; returns a function that stops it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener(this.#user);
  }
}

export const session = new SessionStore();
