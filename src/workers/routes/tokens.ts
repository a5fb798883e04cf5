// Short-lived, narrowly scoped tokens handed to browsers: one to join one call room as one peer, one to
// post metrics for one peer session. They carry no general access and expire quickly.
import { createRoute } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { issueIngestToken } from '../../app/analytics/issue-ingest-token';
import { issueRoomToken } from '../../app/rooms/issue-room-token';
import { ApiError, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { roomRefused } from '../room-errors';
import { IngestTokenBody, RoomTokenBody, ScopedTokenSchema } from '../schemas';

export const tokenRoutes = createRouter();

tokenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/tokens/room',
    tags: ['Tokens'],
    summary: 'A 5-minute token to join one call room you are admitted to',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    description:
      'Only for a room that admits you: its host, its members, and anyone signed in while the room is open and unlocked. ' +
      'Others get 403 `room_forbidden` (an invitee first joins with POST /api/v1/rooms/{roomId}/join); an unknown room is 404.',
    request: { body: jsonBody(RoomTokenBody) },
    responses: { 201: jsonResponse(ScopedTokenSchema, 'Room token'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { roomId } = c.req.valid('json');
    const result = await issueRoomToken(
      { db: openDatabase(c.env.DB), now: Date.now(), jwtSecret: c.get('config').jwtSecret },
      { roomId, userId: principalOf(c).userId },
    );
    if (!result.ok) throw roomRefused(result.reason);
    const { token, expiresAt, peerId } = result;
    return c.json({ token, expiresAt, roomId: result.roomId, peerId }, 201);
  },
);

tokenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/tokens/ingest',
    tags: ['Tokens'],
    summary: 'A 1-hour token to post WebRTC metric samples for one peer session',
    description:
      'The video must be one the caller may watch (404 when it is missing or not visible to them, 403 `not_entitled` ' +
      'for a paid video they have not bought or rented) and the room one they are an active member of (403 `not_room_member`).',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ scope: 'analytics:ingest' })] as const,
    request: { body: jsonBody(IngestTokenBody) },
    responses: { 201: jsonResponse(ScopedTokenSchema, 'Ingest token'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const principal = principalOf(c);
    const result = await issueIngestToken(
      { db: openDatabase(c.env.DB), jwtSecret: c.get('config').jwtSecret, now: Date.now() },
      principal,
      c.req.valid('json'),
    );
    if (!result.ok) {
      if (result.reason === 'video_not_found') throw notFound('Video');
      if (result.reason === 'not_entitled') throw new ApiError(403, 'not_entitled', 'Buy, rent or subscribe to this video first');
      throw new ApiError(403, 'not_room_member', 'Join this room first');
    }
    const { token, expiresAt, sessionId, peerId } = result;
    return c.json({ token, expiresAt: new Date(expiresAt * 1000).toISOString(), sessionId, peerId }, 201);
  },
);
