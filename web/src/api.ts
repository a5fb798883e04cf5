// The one way the web app talks to the API. `apiRequest` attaches the access token, turns every failure into an
// `ApiError` carrying the API's error shape, and when the API answers 401 it refreshes the session once and
// retries — so pages never handle token expiry themselves.
import type { ApiErrorBody, AuthResult, Page, User, Video } from './api-types';
import { session } from './session';

const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Serialised as JSON. */
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Send the access token (default true). Sign-in endpoints pass false: they are the way to get one. */
  auth?: boolean;
  signal?: AbortSignal;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

function buildUrl(path: string, query: RequestOptions['query']): string {
  const url = new URL(API_BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function send(path: string, options: RequestOptions, accessToken: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(buildUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Could not reach VibeStream. Check your connection and try again.');
  }
}

async function toResult<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  if (isErrorBody(body)) {
    const { code, message, details, requestId } = body.error;
    throw new ApiError(response.status, code, message, details, requestId);
  }
  // Not the API's shape: a proxy, the platform or an outage page answered.
  throw new ApiError(response.status, `http_${response.status}`, `The server answered ${response.status} ${response.statusText}`.trim());
}

let refreshInFlight: Promise<boolean> | null = null;

/**
 * Trades the stored refresh token for a new token pair. Concurrent callers in this tab share one request, and
 * the Web Locks API serialises refreshes across tabs: refresh tokens rotate, so two tabs spending the same one
 * would make the second fail. Inside the lock the token is read afresh, picking up another tab's rotation.
 * Resolves false when there is no session to refresh; a rejected refresh token ends the session.
 */
export function refreshSession(): Promise<boolean> {
  refreshInFlight ??= (async () => {
    try {
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      return locks ? await locks.request('vibestream-token-refresh', refreshNow) : await refreshNow();
    } finally {
      refreshInFlight = null;
    }
  })();
  return refreshInFlight;
}

async function refreshNow(): Promise<boolean> {
  const refreshToken = session.refreshToken;
  if (!refreshToken) return false;
  try {
    const auth = await apiRequest<AuthResult>('/auth/refresh', { method: 'POST', body: { refreshToken }, auth: false });
    session.establish(auth);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) session.clear();
    return false;
  }
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const useAuth = options.auth ?? true;
  if (useAuth && session.needsRefresh()) await refreshSession();

  const token = useAuth ? session.accessToken : null;
  let response = await send(path, options, token);
  // The token was rejected (expired early, signing key rotated, user changed): refresh once and retry. When a
  // concurrent request has already replaced the token meanwhile, retrying with the new one is enough.
  if (response.status === 401 && token) {
    const renewed = session.accessToken !== token || (await refreshSession());
    if (renewed && session.accessToken) response = await send(path, options, session.accessToken);
  }
  return toResult<T>(response);
}

export interface SignupInput {
  email: string;
  password: string;
  displayName: string;
  role?: 'viewer' | 'creator';
}

export interface VideoQuery {
  q?: string;
  tag?: string;
  creatorId?: string;
  language?: string;
  cursor?: string;
  limit?: number;
}

export const api = {
  async signup(input: SignupInput): Promise<User> {
    const auth = await apiRequest<AuthResult>('/auth/signup', { method: 'POST', body: input, auth: false });
    session.establish(auth);
    return auth.user;
  },

  async login(email: string, password: string): Promise<User> {
    const auth = await apiRequest<AuthResult>('/auth/login', { method: 'POST', body: { email, password }, auth: false });
    session.establish(auth);
    return auth.user;
  },

  /** Revokes the refresh token on the server, then forgets the session whatever the server said. */
  async logout(): Promise<void> {
    const refreshToken = session.refreshToken;
    try {
      // The refresh token in the body is the credential; no access token is needed (nor refreshed) to revoke it.
      if (refreshToken) await apiRequest<void>('/auth/logout', { method: 'POST', body: { refreshToken }, auth: false });
    } catch {
      // Offline or already revoked: the local session ends regardless, and the token expires on its own.
    } finally {
      session.clear();
    }
  },

  /** Confirms the stored session with the API and updates the cached user (role changes show up here). */
  async me(): Promise<User> {
    const { user } = await apiRequest<{ user: User }>('/auth/me');
    session.setUser(user);
    return user;
  },

  listVideos(query: VideoQuery, signal?: AbortSignal): Promise<Page<Video>> {
    return apiRequest<Page<Video>>('/videos', { query: { ...query }, signal, auth: false });
  },
};
