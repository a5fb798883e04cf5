// Call rooms are owned: the user who creates one is its host, and only the people the room admits get a
// room token (routes/tokens.ts). The live presence of a room stays in its Durable Object; these rows hold
// who may join.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './schema';

export type RoomAccess = 'invite' | 'open';
export type RoomMemberRole = 'host' | 'member';

export const rooms = sqliteTable(
  'rooms',
  {
    // The room's slug, as in /api/v1/rooms/{roomId}/ws and /room/?id=.
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    // 'invite' (the default): members and holders of the current invite link only. 'open': any signed-in user.
    access: text('access').$type<RoomAccess>().notNull().default('invite'),
    // A locked room admits nobody new, invite link or not; members already admitted may rejoin.
    lockedAt: integer('locked_at'),
    // SHA-256 (hex) of the current invite secret. Rotating it voids every link shared before.
    inviteHash: text('invite_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('rooms_host_created').on(t.hostId, t.createdAt)],
);

export const roomMembers = sqliteTable(
  'room_members',
  {
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<RoomMemberRole>().notNull(),
    joinedAt: integer('joined_at').notNull(),
    // Set when the host removes the member: the invite link and open access no longer admit them.
    removedAt: integer('removed_at'),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('room_members_user').on(t.userId, t.joinedAt)],
);
