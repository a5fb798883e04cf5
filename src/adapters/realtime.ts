// A thin fetch client for Cloudflare Realtime (TURN credentials and the SFU "Connection API"). Cloudflare
// publishes no npm SDK for it, and the API is a handful of JSON calls, so plain fetch it is.
//
// Documented contract:
// - TURN (developers.cloudflare.com/realtime/turn/generate-credentials/):
//     POST {base}/v1/turn/keys/{TURN_KEY_ID}/credentials/generate-ice-servers
//     Authorization: Bearer <TURN_KEY_API_TOKEN>, Content-Type: application/json, body {"ttl": 86400}
//     → 201 { "iceServers": [ { urls: [stun…] }, { urls: [turn…, turns…], username, credential } ] }
//   The credentials are not tied to a user: the API takes only a TTL, so one set can serve every viewer
//   until it expires (which is why the route caches it per isolate).
// - SFU (developers.cloudflare.com/realtime/sfu/https-api/, OpenAPI realtime-api-2024-05-21.yaml),
//   Authorization: Bearer <app secret>, JSON bodies:
//     POST {base}/v1/apps/{appId}/sessions/new               { sessionDescription? }  → 201 { sessionId, sessionDescription? }
//     POST {base}/v1/apps/{appId}/sessions/{id}/tracks/new   { sessionDescription?, tracks: [TrackObject] }
//          → { requiresImmediateRenegotiation, sessionDescription?, tracks: [{ mid, trackName, errorCode? … }] }
//     PUT  {base}/v1/apps/{appId}/sessions/{id}/renegotiate  { sessionDescription: answer } → {}
//     PUT  {base}/v1/apps/{appId}/sessions/{id}/tracks/close { sessionDescription?, tracks: [{ mid }], force }
//          → { requiresImmediateRenegotiation, sessionDescription?, tracks }
//   Failures carry { errorCode, errorDescription } — sometimes with HTTP 200, so the body is checked too.
// Locally both are checked against test/contract/realtime-server.ts.

export const DEFAULT_REALTIME_API_URL = 'https://rtc.live.cloudflare.com';
const REQUEST_TIMEOUT_MS = 10_000;

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface TrackObject {
  location?: 'local' | 'remote';
  mid?: string | null;
  trackName?: string;
  sessionId?: string;
}

export interface TrackResult extends TrackObject {
  errorCode?: string;
  errorDescription?: string;
}

export interface NewSessionResult {
  sessionId: string;
  sessionDescription?: SessionDescription;
}

export interface TracksResult {
  requiresImmediateRenegotiation: boolean;
  sessionDescription?: SessionDescription;
  tracks: TrackResult[];
}

export class RealtimeError extends Error {
  constructor(
    message: string,
    /** HTTP status of the upstream answer; 0 when there was none (network error, timeout). */
    readonly status: number,
    /** Realtime's errorCode when it sent one. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'RealtimeError';
  }
}

interface ClientOptions {
  token: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const segment = (value: string) => encodeURIComponent(value);

class RealtimeHttp {
  readonly base: string;
  constructor(private readonly options: ClientOptions) {
    if (!options.token) throw new Error('Realtime token is empty');
    this.base = (options.baseUrl || DEFAULT_REALTIME_API_URL).replace(/\/+$/, '');
  }

  async call(method: 'POST' | 'PUT', path: string, body: unknown): Promise<Record<string, unknown>> {
    const url = `${this.base}${path}`;
    const init: RequestInit = {
      method,
      headers: { Authorization: `Bearer ${this.options.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? REQUEST_TIMEOUT_MS),
    };
    let response: Response;
    try {
      // Called as a method (not through a detached reference): Workers' fetch throws when invoked unbound.
      response = this.options.fetch ? await this.options.fetch(url, init) : await fetch(url, init);
    } catch (error) {
      throw new RealtimeError(`Realtime request failed: ${error instanceof Error ? error.name : 'error'}`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new RealtimeError(`Realtime answered ${response.status} with something other than JSON`, response.status);
    }
    const json = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
    const errorCode = typeof json.errorCode === 'string' && json.errorCode !== '' ? json.errorCode : undefined;
    if (!response.ok || errorCode) {
      throw new RealtimeError(`Realtime answered ${response.status}${errorCode ? ` (${errorCode})` : ''}`, response.status, errorCode);
    }
    return json;
  }
}

function sessionDescriptionOf(value: unknown): SessionDescription | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, sdp } = value as Record<string, unknown>;
  return (type === 'offer' || type === 'answer') && typeof sdp === 'string' ? { type, sdp } : undefined;
}

function tracksResultOf(json: Record<string, unknown>): TracksResult {
  const sessionDescription = sessionDescriptionOf(json.sessionDescription);
  return {
    requiresImmediateRenegotiation: json.requiresImmediateRenegotiation === true,
    ...(sessionDescription ? { sessionDescription } : {}),
    tracks: Array.isArray(json.tracks) ? (json.tracks.filter((t) => typeof t === 'object' && t !== null) as TrackResult[]) : [],
  };
}

export class RealtimeTurnClient {
  private readonly http: RealtimeHttp;
  private readonly path: string;
  readonly endpoint: string;

  constructor(
    readonly keyId: string,
    options: ClientOptions,
  ) {
    if (!keyId) throw new Error('TURN key id is empty');
    this.http = new RealtimeHttp(options);
    this.path = `/v1/turn/keys/${segment(keyId)}/credentials/generate-ice-servers`;
    this.endpoint = `${this.http.base}${this.path}`;
  }

  /** Short-lived ICE servers (STUN + TURN with username/credential), valid for `ttlSeconds`. */
  async generateIceServers(ttlSeconds: number): Promise<{ iceServers: unknown[] }> {
    const json = await this.http.call('POST', this.path, { ttl: ttlSeconds });
    if (!Array.isArray(json.iceServers)) throw new RealtimeError('Realtime TURN answer lacks iceServers', 200);
    return { iceServers: json.iceServers };
  }
}

export class RealtimeSfuClient {
  private readonly http: RealtimeHttp;

  constructor(
    readonly appId: string,
    options: ClientOptions,
  ) {
    if (!appId) throw new Error('Realtime app id is empty');
    this.http = new RealtimeHttp(options);
  }

  private path(sessionId: string | null, action: string): string {
    const app = `/v1/apps/${segment(this.appId)}/sessions`;
    return sessionId === null ? `${app}/${action}` : `${app}/${segment(sessionId)}/${action}`;
  }

  /** A new PeerConnection on the SFU; with an offer, Realtime answers it. */
  async newSession(offer?: SessionDescription): Promise<NewSessionResult> {
    const json = await this.http.call('POST', this.path(null, 'new'), offer ? { sessionDescription: offer } : {});
    if (typeof json.sessionId !== 'string' || json.sessionId === '') throw new RealtimeError('Realtime answer lacks sessionId', 201);
    const sessionDescription = sessionDescriptionOf(json.sessionDescription);
    return { sessionId: json.sessionId, ...(sessionDescription ? { sessionDescription } : {}) };
  }

  /** Publishes local tracks (with an offer) or subscribes to remote ones (Realtime may answer with an offer). */
  async newTracks(sessionId: string, request: { sessionDescription?: SessionDescription; tracks: TrackObject[] }): Promise<TracksResult> {
    return tracksResultOf(await this.http.call('POST', this.path(sessionId, 'tracks/new'), request));
  }

  /** Sends the browser's answer to an offer Realtime made (requiresImmediateRenegotiation). */
  async renegotiate(sessionId: string, answer: SessionDescription): Promise<void> {
    await this.http.call('PUT', this.path(sessionId, 'renegotiate'), { sessionDescription: answer });
  }

  async closeTracks(
    sessionId: string,
    request: { sessionDescription?: SessionDescription; tracks: { mid: string }[]; force: boolean },
  ): Promise<TracksResult> {
    return tracksResultOf(await this.http.call('PUT', this.path(sessionId, 'tracks/close'), request));
  }
}

export interface RealtimeEnv {
  REALTIME_API_URL?: string;
  TURN_KEY_ID?: string;
  TURN_KEY_API_TOKEN?: string;
  REALTIME_APP_ID?: string;
  REALTIME_APP_TOKEN?: string;
}

/** The TURN client when TURN_KEY_ID and TURN_KEY_API_TOKEN are both set, otherwise null. */
export function realtimeTurnFromEnv(env: RealtimeEnv, fetcher?: typeof fetch): RealtimeTurnClient | null {
  if (!env.TURN_KEY_ID || !env.TURN_KEY_API_TOKEN) return null;
  return new RealtimeTurnClient(env.TURN_KEY_ID, { token: env.TURN_KEY_API_TOKEN, baseUrl: env.REALTIME_API_URL, fetch: fetcher });
}

/** The SFU client when REALTIME_APP_ID and REALTIME_APP_TOKEN are both set, otherwise null. */
export function realtimeSfuFromEnv(env: RealtimeEnv, fetcher?: typeof fetch): RealtimeSfuClient | null {
  if (!env.REALTIME_APP_ID || !env.REALTIME_APP_TOKEN) return null;
  return new RealtimeSfuClient(env.REALTIME_APP_ID, { token: env.REALTIME_APP_TOKEN, baseUrl: env.REALTIME_API_URL, fetch: fetcher });
}
