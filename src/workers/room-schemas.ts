// Wire models of the call-room routes (routes/rooms.ts). Kept apart from the route so the web app can import
// them as types (`z.infer`) without pulling in Worker bindings.
import { z } from '@hono/zod-openapi';
import { RoomTokenBody } from './schemas';

// The same rule as the roomId a room token is issued for, so every token's room is reachable here.
export const RoomIdParam = RoomTokenBody.shape.roomId.openapi({ param: { name: 'roomId', in: 'path' }, example: 'q7rk2mxv9d3hzcpa' });

const RoomTitle = z.string().trim().min(1).max(80);
/** An invite secret as the invite link carries it (base64url); only its SHA-256 is stored. */
const InviteToken = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not an invite token');

export const RoomMemberSchema = z
  .object({
    userId: z.string(),
    displayName: z.string(),
    role: z.enum(['host', 'member']),
    joinedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('RoomMember');

export const RoomSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    hostId: z.string(),
    access: z
      .enum(['invite', 'open'])
      .openapi({ description: "'invite': members and invite-link holders only; 'open': any signed-in user" }),
    locked: z.boolean().openapi({ description: 'A locked room admits nobody new; its members may rejoin' }),
    role: z
      .enum(['host', 'member'])
      .nullable()
      .openapi({ description: "The caller's part in the room; null for an admin moderating, or a guest of an open room" }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    members: z.array(RoomMemberSchema).optional().openapi({ description: 'Active members; shown to the host only' }),
  })
  .openapi('Room');

export const RoomInviteSchema = z
  .object({
    inviteToken: z.string().openapi({ description: 'Shown once; the room stores only its hash' }),
    inviteUrl: z
      .string()
      .openapi({ description: 'The link to share: /room/{roomId}#invite=… (the secret rides in the fragment, which browsers never send)' }),
  })
  .openapi('RoomInvite');

export const CreatedRoomSchema = z.object({ room: RoomSchema }).merge(RoomInviteSchema).openapi('CreatedRoom');

export const CreateRoomBody = z.strictObject({ title: RoomTitle.optional() }).openapi('CreateRoomRequest');

export const UpdateRoomBody = z
  .strictObject({
    access: z.enum(['invite', 'open']).optional(),
    locked: z.boolean().optional(),
    title: RoomTitle.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'Send at least one of access, locked, title')
  .openapi('UpdateRoomRequest');

export const JoinRoomBody = z
  .strictObject({ inviteToken: InviteToken.optional().openapi({ description: 'From the invite link; not needed for an open room' }) })
  .openapi('JoinRoomRequest');

export type RoomModel = z.infer<typeof RoomSchema>;
export type CreatedRoomModel = z.infer<typeof CreatedRoomSchema>;
export type RoomInviteModel = z.infer<typeof RoomInviteSchema>;
