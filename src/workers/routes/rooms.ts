// Call rooms: the WebSocket that carries a room's presence and offer/answer/ICE relay. The Worker checks the
// room token and hands the upgrade to the room's own Durable Object (src/durable-objects/call-room.ts); the
// messages on the socket are defined in src/shared/room-protocol.ts.
//
// Browsers cannot set headers on a WebSocket, so the room token travels as `?token=`. A URL is a worse place
// for a secret than a header, which is acceptable here because the token is narrow (one room, one peer) and
// lives five minutes, and because request logs never record query strings. Non-browser clients may send it
// as `Authorization: Bearer` instead.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type RoomClaims, verifyToken } from '../../domain/auth-tokens';
import { ROOM_IDENTITY_HEADERS } from '../../durable-objects/call-room';
import type { AppEnv } from '../env';
import { ApiError, unauthorized } from '../errors';
import { createRouter, ErrorSchema, errorResponses } from '../openapi';
import { RoomTokenBody } from '../schemas';

export const roomRoutes = createRouter();

// The same rule as the roomId a room token is issued for, so every token's room is reachable here.
const RoomParams = z.object({
  roomId: RoomTokenBody.shape.roomId.openapi({ param: { name: 'roomId', in: 'path' }, example: 'standup' }),
});
const WsQuery = z.object({
  token: z.string().min(1).max(4096).optional().openapi({ description: 'Room token from POST /api/v1/tokens/room' }),
});

async function roomClaimsOf(c: Context<AppEnv>, queryToken: string | undefined): Promise<RoomClaims> {
  if (queryToken !== undefined) {
    const result = await verifyToken('room', queryToken, c.get('config').jwtSecret);
    if (!result.ok) throw unauthorized(`Room token ${result.reason === 'expired' ? 'expired' : 'is invalid'}`, result.reason);
    return result.claims;
  }
  const principal = c.get('principal');
  if (!principal) throw unauthorized('Send the room token from POST /api/v1/tokens/room as ?token=');
  if (principal.kind !== 'room') {
    throw new ApiError(403, 'insufficient_scope', 'This route needs a room token from POST /api/v1/tokens/room');
  }
  return principal.claims;
}

roomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rooms/{roomId}/ws',
    tags: ['Realtime'],
    summary: "Open the room's signaling WebSocket (presence and offer/answer/ICE relay)",
    description:
      'Send `Upgrade: websocket` and the room token as `?token=` (or `Authorization: Bearer`). The token decides the ' +
      'peer id. Messages are JSON with a `type`: see "Call rooms" in the README.',
    security: [{ roomToken: [] }],
    request: { params: RoomParams, query: WsQuery },
    responses: {
      101: { description: 'Switching Protocols: the socket is open' },
      ...errorResponses(400, 401, 403),
      426: { description: 'Not a WebSocket upgrade', content: { 'application/json': { schema: ErrorSchema } } },
    },
  }),
  async (c) => {
    const { roomId } = c.req.valid('param');
    const { token } = c.req.valid('query');
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(426, 'upgrade_required', 'This route only accepts a WebSocket upgrade', undefined, { Upgrade: 'websocket' });
    }
    const claims = await roomClaimsOf(c, token);
    if (claims.roomId !== roomId) throw new ApiError(403, 'room_mismatch', 'This room token belongs to another room');

    // The object trusts these headers: it is reachable only through this route.
    const headers = new Headers(c.req.raw.headers);
    headers.set(ROOM_IDENTITY_HEADERS.roomId, roomId);
    headers.set(ROOM_IDENTITY_HEADERS.peerId, claims.peerId);
    headers.set(ROOM_IDENTITY_HEADERS.userId, claims.userId);
    const room = c.env.CALL_ROOM.get(c.env.CALL_ROOM.idFromName(roomId));
    const response = await room.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
    // A fetched response has immutable headers; rebuild it so the security-header middleware can still add its own.
    if (response.webSocket) return new Response(null, { status: 101, headers: response.headers, webSocket: response.webSocket });
    return new Response(response.body, response);
  },
);
