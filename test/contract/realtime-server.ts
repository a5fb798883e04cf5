// A local stand-in for Cloudflare Realtime, holding to its documented contract:
// - TURN (developers.cloudflare.com/realtime/turn/generate-credentials/):
//   POST /v1/turn/keys/{keyId}/credentials/generate-ice-servers, `Authorization: Bearer <key API token>`,
//   JSON {"ttl": seconds} → 201 { iceServers: [{ urls: [stun…] }, { urls: [turn…, turns…], username, credential }] }.
// - SFU Connection API (developers.cloudflare.com/realtime/sfu/https-api/, OpenAPI realtime-api-2024-05-21.yaml),
//   `Authorization: Bearer <app secret>`, JSON bodies:
//   POST /v1/apps/{appId}/sessions/new               → 201 { sessionId, sessionDescription (answer) }
//   POST /v1/apps/{appId}/sessions/{id}/tracks/new   → { requiresImmediateRenegotiation, sessionDescription?, tracks }
//   PUT  /v1/apps/{appId}/sessions/{id}/renegotiate  (the answer to the SFU's offer) → {}
//   PUT  /v1/apps/{appId}/sessions/{id}/tracks/close { tracks: [{ mid }], force, sessionDescription? } → tracks result
//   failures as { errorCode, errorDescription }.
// It checks method, path, bearer and body fields, keeps just enough session state to follow a
// publish → subscribe → renegotiate → close sequence, and records every request. It is not an SFU: the SDP
// it returns is a fixed placeholder, and nothing is negotiated.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

export interface RealtimeContractServer {
  /** Configure as REALTIME_API_URL (the part before /v1). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** The next `count` requests answer `status` with a Realtime error body (simulates an outage). */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

export interface RealtimeContractOptions {
  turnKeyId: string;
  turnKeyApiToken: string;
  appId: string;
  appToken: string;
}

interface SessionState {
  /** mid → trackName of tracks this session publishes. */
  published: Map<string, string>;
  /** mid → track of tracks this session receives. */
  subscribed: Map<string, { sessionId: string; trackName: string }>;
  awaitingAnswer: boolean;
  nextMid: number;
}

const MAX_TTL_SECONDS = 172_800;

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, errorCode: string, errorDescription: string) {
  send(res, status, { errorCode, errorDescription });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const sdp = (kind: string) => `v=0\r\no=- ${Date.now()} 2 IN IP4 127.0.0.1\r\ns=${kind}\r\nt=0 0\r\n`;

function isDescription(value: unknown, type: 'offer' | 'answer'): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return d.type === type && typeof d.sdp === 'string' && d.sdp.startsWith('v=0');
}

export async function startRealtimeServer(options: RealtimeContractOptions): Promise<RealtimeContractServer> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, SessionState>();
  let failure: { status: number; remaining: number } | null = null;

  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });

    if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      return fail(res, failure.status, 'internal_error', 'simulated outage with a detail that must not leak');
    }
    if (body !== undefined && !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return fail(res, 415, 'unsupported_media_type', 'Send JSON');
    }
    if (typeof body === 'string') return fail(res, 400, 'invalid_json', 'Body is not JSON');
    const json = (body ?? {}) as Record<string, unknown>;

    const turn = /^\/v1\/turn\/keys\/([^/]+)\/credentials\/generate-ice-servers$/.exec(path);
    if (turn) {
      if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
      if (decodeURIComponent(turn[1] as string) !== options.turnKeyId) return fail(res, 404, 'not_found', 'No such TURN key');
      if (req.headers.authorization !== `Bearer ${options.turnKeyApiToken}`) return fail(res, 401, 'unauthorized', 'Bad token');
      const ttl = json.ttl;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
        return fail(res, 400, 'invalid_ttl', 'ttl must be a positive integer number of seconds');
      }
      return send(res, 201, {
        iceServers: [
          { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.cloudflare.com:53'] },
          {
            urls: [
              'turn:turn.cloudflare.com:3478?transport=udp',
              'turn:turn.cloudflare.com:53?transport=udp',
              'turn:turn.cloudflare.com:3478?transport=tcp',
              'turn:turn.cloudflare.com:80?transport=tcp',
              'turns:turn.cloudflare.com:5349?transport=tcp',
              'turns:turn.cloudflare.com:443?transport=tcp',
            ],
            username: hex(48),
            credential: hex(48),
          },
        ],
      });
    }

    const app = /^\/v1\/apps\/([^/]+)\/sessions\/(new|[^/]+\/(?:tracks\/new|renegotiate|tracks\/close))$/.exec(path);
    if (!app) return fail(res, 404, 'not_found', 'No route');
    if (decodeURIComponent(app[1] as string) !== options.appId) return fail(res, 404, 'app_not_found', 'No such app');
    if (req.headers.authorization !== `Bearer ${options.appToken}`) return fail(res, 401, 'unauthorized', 'Bad app secret');
    const rest = app[2] as string;

    if (rest === 'new') {
      if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
      if (json.sessionDescription !== undefined && !isDescription(json.sessionDescription, 'offer')) {
        return fail(res, 400, 'invalid_session_description', 'sessionDescription must be an offer');
      }
      const sessionId = hex(16);
      sessions.set(sessionId, { published: new Map(), subscribed: new Map(), awaitingAnswer: false, nextMid: 0 });
      return send(res, 201, {
        sessionId,
        ...(json.sessionDescription ? { sessionDescription: { type: 'answer', sdp: sdp('answer') } } : {}),
      });
    }

    const [sessionId, ...actionParts] = rest.split('/');
    const action = actionParts.join('/');
    const session = sessions.get(sessionId as string);
    if (!session) return fail(res, 404, 'session_not_found', 'No such session');
    const tracks = json.tracks;

    if (action === 'tracks/new') {
      if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
      if (!Array.isArray(tracks) || tracks.length === 0 || tracks.length > 64) return fail(res, 400, 'invalid_tracks', '1–64 tracks');
      if (session.awaitingAnswer) return fail(res, 409, 'renegotiation_pending', 'Answer the pending offer first');
      const local = tracks.filter((t) => (t as Record<string, unknown>)?.location === 'local');
      if (local.length > 0 && !isDescription(json.sessionDescription, 'offer')) {
        return fail(res, 400, 'invalid_session_description', 'Publishing needs an offer');
      }
      const results: Record<string, unknown>[] = [];
      let subscribed = 0;
      for (const raw of tracks) {
        const t = (raw ?? {}) as Record<string, unknown>;
        if (t.location === 'local' && typeof t.mid === 'string' && typeof t.trackName === 'string') {
          session.published.set(t.mid, t.trackName);
          results.push({ location: 'local', mid: t.mid, trackName: t.trackName });
        } else if (t.location === 'remote' && typeof t.sessionId === 'string' && typeof t.trackName === 'string') {
          const publisher = sessions.get(t.sessionId);
          if (!publisher || ![...publisher.published.values()].includes(t.trackName)) {
            results.push({
              location: 'remote',
              sessionId: t.sessionId,
              trackName: t.trackName,
              errorCode: 'not_found',
              errorDescription: 'No such track',
            });
            continue;
          }
          const mid = `r${session.nextMid++}`;
          session.subscribed.set(mid, { sessionId: t.sessionId, trackName: t.trackName });
          results.push({ location: 'remote', sessionId: t.sessionId, trackName: t.trackName, mid });
          subscribed += 1;
        } else {
          return fail(res, 400, 'invalid_track', 'Each track needs location and trackName, plus mid (local) or sessionId (remote)');
        }
      }
      // Subscribing makes the SFU the offerer: the browser must answer through /renegotiate.
      if (subscribed > 0) session.awaitingAnswer = true;
      return send(res, 200, {
        requiresImmediateRenegotiation: subscribed > 0,
        ...(subscribed > 0
          ? { sessionDescription: { type: 'offer', sdp: sdp('offer') } }
          : local.length > 0
            ? { sessionDescription: { type: 'answer', sdp: sdp('answer') } }
            : {}),
        tracks: results,
      });
    }

    if (action === 'renegotiate') {
      if (req.method !== 'PUT') return fail(res, 405, 'method_not_allowed', 'PUT only');
      if (!isDescription(json.sessionDescription, 'answer')) return fail(res, 400, 'invalid_session_description', 'Send the answer');
      if (!session.awaitingAnswer) return fail(res, 400, 'no_pending_offer', 'Nothing to renegotiate');
      session.awaitingAnswer = false;
      return send(res, 200, {});
    }

    // tracks/close
    if (req.method !== 'PUT') return fail(res, 405, 'method_not_allowed', 'PUT only');
    if (!Array.isArray(tracks) || tracks.length === 0) return fail(res, 400, 'invalid_tracks', 'Name the tracks to close by mid');
    if (typeof json.force !== 'boolean') return fail(res, 400, 'invalid_force', 'force must be a boolean');
    if (!json.force && !isDescription(json.sessionDescription, 'offer')) {
      return fail(res, 400, 'invalid_session_description', 'Closing without force needs an offer');
    }
    const closed = tracks.map((raw) => {
      const mid = (raw as Record<string, unknown>)?.mid;
      if (typeof mid !== 'string') return { errorCode: 'invalid_mid', errorDescription: 'mid missing' };
      const known = session.published.delete(mid) || session.subscribed.delete(mid);
      return known ? { mid } : { mid, errorCode: 'not_found', errorDescription: 'No such track' };
    });
    return send(res, 200, {
      requiresImmediateRenegotiation: false,
      ...(json.force ? {} : { sessionDescription: { type: 'answer', sdp: sdp('answer') } }),
      tracks: closed,
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, count = 1) {
      failure = { status, remaining: count };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
