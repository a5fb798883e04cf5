// GET /ice-servers: what a browser passes to `new RTCPeerConnection({ iceServers })`. Always our STUN
// servers; plus Cloudflare Realtime TURN credentials when a TURN key is configured.
//
// Realtime issues credentials for a TTL only — they name no user — so one set serves every caller. It is
// cached in the isolate until TURN_SAFETY_MARGIN_SECONDS before it expires, so a burst of viewers joining a
// swarm costs one Realtime request per isolate per ~23 hours.
// TURN is an improvement, not a requirement (most peers connect with STUN alone), so a Realtime failure
// degrades the answer to STUN-only with turn: "unavailable" instead of failing the request.
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { RealtimeError, realtimeTurnFromEnv } from '../../adapters/realtime';
import {
  credentialServeUntilMs,
  type IceServer,
  mergeIceServers,
  parseStunUrls,
  remainingSeconds,
  STUN_ONLY_TTL_SECONDS,
  sanitizeIceServers,
  TURN_CREDENTIAL_TTL_SECONDS,
  TURN_FAILURE_BACKOFF_SECONDS,
  type TurnStatus,
} from '../../domain/ice-servers';
import type { AppEnv } from '../env';
import { principalOf } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonResponse } from '../openapi';

export const iceServerRoutes = createRouter();

type CachedTurn = { ok: true; servers: IceServer[]; serveUntilMs: number } | { ok: false; retryAfterMs: number };

// Per isolate, keyed by API root and key id (a rotated key gets fresh credentials at once). Only settled
// values are shared between requests, never an in-flight promise: Workers ties a pending fetch to the request
// that started it, so a second request awaiting it could hang if the first one ends. The cost is that
// requests arriving in the same few milliseconds before the first answer each make their own call.
const turnCache = new Map<string, CachedTurn>();

async function turnCredentials(env: AppEnv['Bindings'], nowMs: number): Promise<CachedTurn | null> {
  const client = realtimeTurnFromEnv(env);
  if (!client) return null;
  const key = client.endpoint;
  const cached = turnCache.get(key);
  if (cached?.ok && cached.serveUntilMs > nowMs) return cached;
  if (cached && !cached.ok && cached.retryAfterMs > nowMs) return cached;
  let result: CachedTurn;
  try {
    const answer = await client.generateIceServers(TURN_CREDENTIAL_TTL_SECONDS);
    const servers = sanitizeIceServers(answer.iceServers);
    if (servers.length === 0) throw new RealtimeError('Realtime returned no usable ICE servers', 200);
    result = { ok: true, servers, serveUntilMs: credentialServeUntilMs(nowMs, TURN_CREDENTIAL_TTL_SECONDS) };
  } catch (error) {
    if (!(error instanceof RealtimeError)) throw error;
    // Never log the answer or the token: status and code are enough to act on.
    console.error(
      JSON.stringify({ level: 'error', msg: 'realtime turn credentials failed', status: error.status, errorCode: error.errorCode }),
    );
    result = { ok: false, retryAfterMs: nowMs + TURN_FAILURE_BACKOFF_SECONDS * 1000 };
  }
  turnCache.set(key, result);
  return result;
}

const IceServerSchema = z
  .object({
    urls: z.union([z.string(), z.array(z.string())]),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .openapi('IceServer');

const IceServersResponse = z
  .object({
    iceServers: z.array(IceServerSchema).openapi({ description: 'Pass as RTCConfiguration.iceServers' }),
    ttlSeconds: z.number().int().openapi({ description: 'Fetch a new list after this many seconds' }),
    turn: z.enum(['ok', 'not_configured', 'unavailable', 'sign_in_required']).openapi({
      description:
        'ok: TURN credentials included; not_configured: no TURN key set; unavailable: Realtime failed, STUN only; ' +
        'sign_in_required: anonymous caller, STUN only',
    }),
  })
  .openapi('IceServers');

// Anonymous viewers get STUN only (it is free, and without it P2P rarely crosses a NAT); TURN credentials go to
// any signed-in user or API key (whatever its scopes). A narrow browser token (ingest, room) is still refused.
const anyoneButNarrowTokens: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('principal')) principalOf(c);
  return next();
};

iceServerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/ice-servers',
    tags: ['Realtime'],
    summary: 'STUN servers, and short-lived Cloudflare Realtime TURN credentials when signed in, for RTCPeerConnection',
    description:
      'Never fails because of TURN: without TURN_KEY_ID/TURN_KEY_API_TOKEN, or when Realtime does not answer, the list ' +
      'holds STUN servers only and `turn` says why. Cache-Control max-age equals ttlSeconds.',
    security: bearerOrKeySecurity,
    middleware: [anyoneButNarrowTokens] as const,
    request: { query: z.strictObject({}) },
    responses: { 200: jsonResponse(IceServersResponse, 'ICE servers'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const nowMs = Date.now();
    const stunUrls = parseStunUrls(c.env.STUN_URLS);
    if (!c.get('principal')) {
      const body = { iceServers: mergeIceServers(stunUrls, []), ttlSeconds: STUN_ONLY_TTL_SECONDS, turn: 'sign_in_required' as const };
      return c.json(body, 200, { 'Cache-Control': `public, max-age=${STUN_ONLY_TTL_SECONDS}` });
    }
    const turn = await turnCredentials(c.env, nowMs);
    let status: TurnStatus;
    let servers: IceServer[];
    let ttlSeconds: number;
    if (turn === null) {
      [status, servers, ttlSeconds] = ['not_configured', mergeIceServers(stunUrls, []), STUN_ONLY_TTL_SECONDS];
    } else if (!turn.ok) {
      // Come back soon: TURN may work again after the back-off.
      [status, servers, ttlSeconds] = ['unavailable', mergeIceServers(stunUrls, []), TURN_FAILURE_BACKOFF_SECONDS];
    } else {
      [status, servers, ttlSeconds] = ['ok', mergeIceServers(stunUrls, turn.servers), remainingSeconds(turn.serveUntilMs, nowMs)];
    }
    // private: the answer carries credentials, so no shared cache may keep it.
    return c.json({ iceServers: servers, ttlSeconds, turn: status }, 200, { 'Cache-Control': `private, max-age=${ttlSeconds}` });
  },
);
