// Cloudflare Realtime SFU for call rooms above mesh size. Browsers never hold the app secret: they send their
// SDP here with the room's join token, and the Worker relays it to Realtime's session/track API
// (src/adapters/realtime.ts). A room token is good for its own room only, and a session created here comes
// back with a grant (X-SFU-Session-Grant) that later calls on that session must present, so one member cannot
// renegotiate or close another member's session. Subscribing to a remote track needs only its session id and
// track name, which peers learn over the room's signaling.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { RealtimeError, realtimeSfuFromEnv, type TracksResult } from '../../adapters/realtime';
import { sfuSessionGrant, verifySfuSessionGrant } from '../../domain/auth-tokens';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { requireRoomToken } from '../middleware/auth';
import { createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';

export const sfuRoutes = createRouter();

export const SFU_GRANT_HEADER = 'X-SFU-Session-Grant';
/** Generous for a browser's offer with a few dozen m-lines; Realtime takes at most 64 tracks per call. */
export const MAX_SDP_CHARS = 64 * 1024;
const MAX_TRACKS_PER_CALL = 64;

const roomSecurity: Record<string, string[]>[] = [{ roomToken: [] }];

const RoomId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not a room id')
  .openapi({ param: { name: 'roomId', in: 'path' }, example: 'standup' });
const SessionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not a session id')
  .openapi({ example: 'e017a2629c754fedc1f7d8587e06d126' });
const RoomParams = z.object({ roomId: RoomId });
const SessionParams = z.object({ roomId: RoomId, sessionId: SessionId.openapi({ param: { name: 'sessionId', in: 'path' } }) });

const Sdp = z.string().min(1).max(MAX_SDP_CHARS);
const Offer = z.strictObject({ type: z.literal('offer'), sdp: Sdp });
const Answer = z.strictObject({ type: z.literal('answer'), sdp: Sdp });
const Mid = z.string().min(1).max(32);
const TrackName = z.string().min(1).max(128);

const NewSessionBody = z.strictObject({ sessionDescription: Offer }).openapi('SfuNewSessionRequest');
const NewTracksBody = z
  .strictObject({
    sessionDescription: Offer.optional().openapi({ description: 'Required when publishing local tracks' }),
    tracks: z
      .array(
        z.discriminatedUnion('location', [
          z.strictObject({ location: z.literal('local'), mid: Mid, trackName: TrackName }),
          z.strictObject({ location: z.literal('remote'), sessionId: SessionId, trackName: TrackName }),
        ]),
      )
      .min(1)
      .max(MAX_TRACKS_PER_CALL),
  })
  .openapi('SfuNewTracksRequest');
const RenegotiateBody = z.strictObject({ sessionDescription: Answer }).openapi('SfuRenegotiateRequest');
const CloseTracksBody = z
  .strictObject({
    sessionDescription: Offer.optional(),
    tracks: z
      .array(z.strictObject({ mid: Mid }))
      .min(1)
      .max(MAX_TRACKS_PER_CALL),
    force: z.boolean().default(false).openapi({ description: 'Close without renegotiating (no sessionDescription needed)' }),
  })
  .openapi('SfuCloseTracksRequest');

const SessionDescriptionSchema = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() }).openapi('SessionDescription');
const NewSessionResponse = z
  .object({
    sessionId: z.string(),
    sessionDescription: SessionDescriptionSchema.optional(),
    sessionGrant: z.string().openapi({ description: `Send as ${SFU_GRANT_HEADER} on every later call for this session` }),
  })
  .openapi('SfuSession');
const TracksResponse = z
  .object({
    requiresImmediateRenegotiation: z.boolean(),
    sessionDescription: SessionDescriptionSchema.optional(),
    tracks: z.array(
      z.object({
        location: z.enum(['local', 'remote']).optional(),
        mid: z.string().nullable().optional(),
        trackName: z.string().optional(),
        sessionId: z.string().optional(),
        errorCode: z.string().optional(),
        errorDescription: z.string().optional(),
      }),
    ),
  })
  .openapi('SfuTracks');

const sfuErrors = {
  ...errorResponses(400, 401, 403, 413, 503),
  502: { description: 'Cloudflare Realtime failed', content: { 'application/json': { schema: ErrorSchema } } },
};
const grantHeader = z.object({
  [SFU_GRANT_HEADER.toLowerCase()]: z.string().max(128).optional().openapi({ description: 'sessionGrant from session creation' }),
});

function sfuClient(c: Context<AppEnv>) {
  const client = realtimeSfuFromEnv(c.env);
  if (!client) {
    throw new ApiError(503, 'not_configured', 'The SFU needs the REALTIME_APP_ID and REALTIME_APP_TOKEN secrets', undefined, {
      'Retry-After': '3600',
    });
  }
  return client;
}

function roomClaims(c: Context<AppEnv>) {
  const principal = c.get('principal');
  // requireRoomToken ran first; this only narrows the type.
  if (principal?.kind !== 'room') throw new ApiError(403, 'insufficient_scope', 'This route needs a room token');
  return principal.claims;
}

async function requireSessionGrant(c: Context<AppEnv>, roomId: string, sessionId: string) {
  const presented = c.req.header(SFU_GRANT_HEADER) ?? '';
  const claims = roomClaims(c);
  if (!presented || !(await verifySfuSessionGrant(c.get('config').jwtSecret, roomId, claims.userId, sessionId, presented))) {
    throw new ApiError(403, 'session_mismatch', `This SFU session was not created by you in this room (send ${SFU_GRANT_HEADER})`);
  }
}

async function relay<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof RealtimeError)) throw error;
    // Realtime's answer may echo SDP or describe our app: log status and code, answer without them.
    console.error(
      JSON.stringify({ level: 'error', msg: 'realtime sfu failed', operation, status: error.status, errorCode: error.errorCode }),
    );
    throw new ApiError(502, 'upstream_error', 'Cloudflare Realtime did not complete the request');
  }
}

function tracksBody(result: TracksResult) {
  return {
    requiresImmediateRenegotiation: result.requiresImmediateRenegotiation,
    ...(result.sessionDescription ? { sessionDescription: result.sessionDescription } : {}),
    tracks: result.tracks.map((track) => ({
      ...(track.location === 'local' || track.location === 'remote' ? { location: track.location } : {}),
      ...(typeof track.mid === 'string' || track.mid === null ? { mid: track.mid } : {}),
      ...(typeof track.trackName === 'string' ? { trackName: track.trackName } : {}),
      ...(typeof track.sessionId === 'string' ? { sessionId: track.sessionId } : {}),
      ...(typeof track.errorCode === 'string' ? { errorCode: track.errorCode } : {}),
      ...(typeof track.errorDescription === 'string' ? { errorDescription: track.errorDescription } : {}),
    })),
  };
}

const roomIdOfPath = (c: Context<AppEnv>) => c.req.param('roomId') ?? '';

sfuRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms/{roomId}/sfu/sessions',
    tags: ['Realtime'],
    summary: 'Open an SFU session (PeerConnection) for this room with the browser offer',
    security: roomSecurity,
    middleware: [requireRoomToken(roomIdOfPath)] as const,
    request: { params: RoomParams, body: jsonBody(NewSessionBody) },
    responses: { 201: jsonResponse(NewSessionResponse, 'The session, Realtime answer and grant'), ...sfuErrors },
  }),
  async (c) => {
    const { roomId } = c.req.valid('param');
    const { sessionDescription } = c.req.valid('json');
    const client = sfuClient(c);
    const session = await relay('sessions/new', () => client.newSession(sessionDescription));
    const sessionGrant = await sfuSessionGrant(c.get('config').jwtSecret, roomId, roomClaims(c).userId, session.sessionId);
    return c.json({ ...session, sessionGrant }, 201);
  },
);

sfuRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms/{roomId}/sfu/sessions/{sessionId}/tracks',
    tags: ['Realtime'],
    summary: 'Publish local tracks or subscribe to remote ones on an SFU session',
    security: roomSecurity,
    middleware: [requireRoomToken(roomIdOfPath)] as const,
    request: { params: SessionParams, headers: grantHeader, body: jsonBody(NewTracksBody) },
    responses: { 200: jsonResponse(TracksResponse, 'Per-track results; renegotiate when asked to'), ...sfuErrors },
  }),
  async (c) => {
    const { roomId, sessionId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireSessionGrant(c, roomId, sessionId);
    const client = sfuClient(c);
    return c.json(tracksBody(await relay('tracks/new', () => client.newTracks(sessionId, body))), 200);
  },
);

sfuRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/rooms/{roomId}/sfu/sessions/{sessionId}/renegotiate',
    tags: ['Realtime'],
    summary: "Send the browser's answer to an offer the SFU made",
    security: roomSecurity,
    middleware: [requireRoomToken(roomIdOfPath)] as const,
    request: { params: SessionParams, headers: grantHeader, body: jsonBody(RenegotiateBody) },
    responses: { 204: { description: 'Renegotiated' }, ...sfuErrors },
  }),
  async (c) => {
    const { roomId, sessionId } = c.req.valid('param');
    const { sessionDescription } = c.req.valid('json');
    await requireSessionGrant(c, roomId, sessionId);
    const client = sfuClient(c);
    await relay('renegotiate', () => client.renegotiate(sessionId, sessionDescription));
    return c.body(null, 204);
  },
);

sfuRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/rooms/{roomId}/sfu/sessions/{sessionId}/tracks/close',
    tags: ['Realtime'],
    summary: 'Close tracks of an SFU session',
    security: roomSecurity,
    middleware: [requireRoomToken(roomIdOfPath)] as const,
    request: { params: SessionParams, headers: grantHeader, body: jsonBody(CloseTracksBody) },
    responses: { 200: jsonResponse(TracksResponse, 'Per-track results'), ...sfuErrors },
  }),
  async (c) => {
    const { roomId, sessionId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireSessionGrant(c, roomId, sessionId);
    const client = sfuClient(c);
    return c.json(tracksBody(await relay('tracks/close', () => client.closeTracks(sessionId, body))), 200);
  },
);
