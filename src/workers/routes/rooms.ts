// Call rooms: owned rooms (create, settings, invite links, members) and the WebSocket that carries a room's
// presence and offer/answer/ICE relay. The Worker checks the room token and hands the upgrade to the room's own
// Durable Object (src/durable-objects/call-room.ts); the messages on the socket are defined in
// src/shared/room-protocol.ts. Who a room admits is decided in src/domain/rooms/access.ts.
//
// Browsers cannot set headers on a WebSocket, so the room token travels as `?token=`. A URL is a worse place
// for a secret than a header, which is acceptable here because the token is narrow (one room, one peer) and
// lives five minutes, and because request logs never record query strings. Non-browser clients may send it
// as `Authorization: Bearer` instead.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import { createRoom } from '../../app/rooms/create-room';
import { getRoom } from '../../app/rooms/get-room';
import { joinRoom } from '../../app/rooms/join-room';
import { listMyRooms } from '../../app/rooms/list-my-rooms';
import { removeRoomMember } from '../../app/rooms/remove-member';
import { rotateInvite } from '../../app/rooms/rotate-invite';
import { updateRoomSettingsOf } from '../../app/rooms/update-room-settings';
import { type RoomClaims, verifyToken } from '../../domain/auth-tokens';
import { ROOM_IDENTITY_HEADERS } from '../../durable-objects/call-room';
import type { AppEnv } from '../env';
import { ApiError, notFound, unauthorized } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerSecurity, createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { roomRefused } from '../room-errors';
import {
  CreatedRoomSchema,
  CreateRoomBody,
  JoinRoomBody,
  RoomIdParam,
  RoomInviteSchema,
  RoomSchema,
  UpdateRoomBody,
} from '../room-schemas';

export const roomRoutes = createRouter();
// Rooms belong to people: a signed-in user's access token, not an API key.
const userOnly = requireAuth({ scope: null });

const RoomParams = z.object({ roomId: RoomIdParam });
const MemberParams = z.object({
  roomId: RoomIdParam,
  userId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'userId', in: 'path' } }),
});

const hostOnly = () => new ApiError(403, 'not_room_host', 'Only the host of this room may do this');
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
    if (response.status === 403) throw roomRefused('removed');
    // A fetched response has immutable headers; rebuild it so the security-header middleware can still add its own.
    if (response.webSocket) return new Response(null, { status: 101, headers: response.headers, webSocket: response.webSocket });
    return new Response(response.body, response);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms',
    tags: ['Realtime'],
    summary: 'Start a call: create an invite-only room you host',
    description: 'Returns the invite link once; only its hash is kept. POST /rooms/{roomId}/invite makes a new one.',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { body: jsonBody(CreateRoomBody) },
    responses: { 201: jsonResponse(CreatedRoomSchema, 'The room and its invite link'), ...errorResponses(400, 401, 403, 413) },
  }),
  async (c) => {
    const { title } = c.req.valid('json');
    const created = await createRoom(
      { db: openDatabase(c.env.DB), now: Date.now(), origin: new URL(c.req.url).origin },
      { hostId: principalOf(c).userId, ...(title ? { title } : {}) },
    );
    return c.json(created, 201);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rooms',
    tags: ['Realtime'],
    summary: 'Rooms you host or have joined',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    responses: {
      200: jsonResponse(z.object({ items: z.array(RoomSchema) }), 'Your rooms, most recently joined first'),
      ...errorResponses(401, 403),
    },
  }),
  async (c) => {
    const items = await listMyRooms({ db: openDatabase(c.env.DB) }, principalOf(c).userId);
    return c.json({ items }, 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rooms/{roomId}',
    tags: ['Realtime'],
    summary: 'A room you may join: title, host, settings; the host also sees the members',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { params: RoomParams },
    responses: { 200: jsonResponse(RoomSchema, 'The room'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const principal = principalOf(c);
    const result = await getRoom({ db: openDatabase(c.env.DB) }, { roomId: c.req.valid('param').roomId, caller: principal });
    if (!result.ok) throw roomRefused(result.reason);
    return c.json(result.room, 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/rooms/{roomId}',
    tags: ['Realtime'],
    summary: 'Host controls: open or invite-only, lock or unlock, rename',
    description: 'The host, or an admin moderating a reported room.',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { params: RoomParams, body: jsonBody(UpdateRoomBody) },
    responses: { 200: jsonResponse(RoomSchema, 'The room as it is now'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const result = await updateRoomSettingsOf(
      { db: openDatabase(c.env.DB), now: Date.now() },
      { roomId: c.req.valid('param').roomId, caller: principalOf(c), change: c.req.valid('json') },
    );
    if (!result.ok) throw result.reason === 'not_found' ? notFound('Room') : hostOnly();
    return c.json(result.room, 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms/{roomId}/invite',
    tags: ['Realtime'],
    summary: 'A new invite link; every link shared before stops working',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { params: RoomParams },
    responses: { 201: jsonResponse(RoomInviteSchema, 'The new invite link, shown once'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const result = await rotateInvite(
      { db: openDatabase(c.env.DB), now: Date.now(), origin: new URL(c.req.url).origin },
      { roomId: c.req.valid('param').roomId, callerId: principalOf(c).userId },
    );
    if (!result.ok) throw result.reason === 'not_found' ? notFound('Room') : hostOnly();
    return c.json({ inviteToken: result.inviteToken, inviteUrl: result.inviteUrl }, 201);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms/{roomId}/join',
    tags: ['Realtime'],
    summary: "Become a member with the room's invite link (or of an open room)",
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { params: RoomParams, body: jsonBody(JoinRoomBody) },
    responses: { 200: jsonResponse(RoomSchema, 'You are a member'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { inviteToken } = c.req.valid('json');
    const result = await joinRoom(
      { db: openDatabase(c.env.DB), now: Date.now() },
      { roomId: c.req.valid('param').roomId, userId: principalOf(c).userId, ...(inviteToken ? { inviteToken } : {}) },
    );
    if (!result.ok) throw roomRefused(result.reason);
    return c.json(result.room, 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/rooms/{roomId}/members/{userId}',
    tags: ['Realtime'],
    summary: 'Remove someone from the room: their call ends now and they cannot come back',
    description: 'The host, or an admin moderating a reported room. The host cannot be removed.',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { params: MemberParams },
    responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { roomId, userId } = c.req.valid('param');
    const result = await removeRoomMember(
      {
        db: openDatabase(c.env.DB),
        now: Date.now(),
        disconnectFromCall: (room, user) => c.env.CALL_ROOM.get(c.env.CALL_ROOM.idFromName(room)).removeUser(user),
      },
      { roomId, userId, caller: principalOf(c) },
    );
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound('Room');
      if (result.reason === 'not_member') throw notFound('Member of this room');
      if (result.reason === 'is_host') throw new ApiError(400, 'cannot_remove_host', 'The host cannot be removed from their own room');
      throw hostOnly();
    }
    return c.body(null, 204);
  },
);
