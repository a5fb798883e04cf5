// Owned call rooms and their members (rooms-schema.ts). Who may join is decided in domain/rooms/access.ts;
// these functions only read and write the rows.
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Database } from './client';
import { type RoomAccess, roomMembers, rooms } from './rooms-schema';
import { users } from './schema';

export type RoomRow = typeof rooms.$inferSelect;
export type RoomMemberRow = typeof roomMembers.$inferSelect;

export async function findRoom(db: Database, roomId: string): Promise<RoomRow | undefined> {
  return db.select().from(rooms).where(eq(rooms.id, roomId)).get();
}

/** The caller's member row in the room (removed members included: `removedAt` says so), or undefined. */
export async function findRoomMembership(db: Database, roomId: string, userId: string): Promise<RoomMemberRow | undefined> {
  return db
    .select()
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .get();
}

/** Creates the room and its host's member row in one batch, so a room never exists without its host. */
export async function insertRoomWithHost(db: Database, room: typeof rooms.$inferInsert): Promise<void> {
  await db.batch([
    db.insert(rooms).values(room),
    db.insert(roomMembers).values({ roomId: room.id, userId: room.hostId, role: 'host', joinedAt: room.createdAt }),
  ]);
}

/**
 * Records a member who joined. A member row that already exists is left as it is: a removed member stays
 * removed (the use case refuses them before this point), and an active one keeps its first join time.
 */
export async function insertRoomMember(db: Database, roomId: string, userId: string, now: number): Promise<void> {
  await db.insert(roomMembers).values({ roomId, userId, role: 'member', joinedAt: now }).onConflictDoNothing();
}

export async function updateRoomSettings(
  db: Database,
  roomId: string,
  changes: { access?: RoomAccess; lockedAt?: number | null; title?: string; inviteHash?: string },
  now: number,
): Promise<RoomRow | undefined> {
  return db
    .update(rooms)
    .set({ ...changes, updatedAt: now })
    .where(eq(rooms.id, roomId))
    .returning()
    .get();
}

/** Marks an active member removed; returns whether a row changed. The host's own row is never removed. */
export async function markRoomMemberRemoved(db: Database, roomId: string, userId: string, now: number): Promise<boolean> {
  const changed = await db
    .update(roomMembers)
    .set({ removedAt: now })
    .where(
      and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.role, 'member'), isNull(roomMembers.removedAt)),
    )
    .returning({ userId: roomMembers.userId });
  return changed.length > 0;
}

export interface RoomMemberListing {
  userId: string;
  displayName: string;
  role: 'host' | 'member';
  joinedAt: number;
}

/** Active members with their display names, host first, then by join time. */
export async function listActiveRoomMembers(db: Database, roomId: string): Promise<RoomMemberListing[]> {
  const rows = await db
    .select({ userId: roomMembers.userId, displayName: users.displayName, role: roomMembers.role, joinedAt: roomMembers.joinedAt })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), isNull(roomMembers.removedAt)))
    .all();
  return rows.sort((a, b) => (a.role === b.role ? a.joinedAt - b.joinedAt : a.role === 'host' ? -1 : 1));
}

/** Rooms the user hosts or is an active member of, newest join first. */
export async function listRoomsOfUser(db: Database, userId: string, limit: number): Promise<(RoomRow & { role: 'host' | 'member' })[]> {
  const rows = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(and(eq(roomMembers.userId, userId), isNull(roomMembers.removedAt)))
    .orderBy(desc(roomMembers.joinedAt))
    .limit(limit)
    .all();
  return rows.map(({ room, role }) => ({ ...room, role }));
}
