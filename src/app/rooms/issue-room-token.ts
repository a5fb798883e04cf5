// A room token for one peer of one room, only for a caller the room admits (domain/rooms/access.ts). The token
// names a fresh peer id; the room object keeps one seat per user, so asking for many tokens does not take many
// seats. A caller admitted because the room is open is recorded as a member, so they may rejoin after a lock.
import type { Database } from '../../adapters/db/client';
import { findRoom, findRoomMembership, insertRoomMember } from '../../adapters/db/rooms-repo';
import { issueToken } from '../../domain/auth-tokens';
import { newId } from '../../domain/ids';
import { admission, type RoomRefusal } from '../../domain/rooms/access';

export const ROOM_TOKEN_TTL_SECONDS = 5 * 60;

export type IssueRoomTokenResult =
  | { ok: true; token: string; expiresAt: string; roomId: string; peerId: string }
  | { ok: false; reason: 'not_found' | RoomRefusal };

export async function issueRoomToken(
  deps: { db: Database; now: number; jwtSecret: string },
  input: { roomId: string; userId: string },
): Promise<IssueRoomTokenResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  const member = await findRoomMembership(deps.db, room.id, input.userId);
  const decision = admission(
    { hostId: room.hostId, access: room.access, locked: room.lockedAt !== null },
    { userId: input.userId, member: member ? { removed: member.removedAt !== null } : undefined },
  );
  if (!decision.admitted) return { ok: false, reason: decision.reason };
  if (decision.via === 'open') await insertRoomMember(deps.db, room.id, input.userId, deps.now);
  const peerId = newId('peer');
  const issued = await issueToken(
    'room',
    { userId: input.userId, roomId: room.id, peerId },
    deps.jwtSecret,
    ROOM_TOKEN_TTL_SECONDS,
    deps.now,
  );
  return { ok: true, token: issued.token, expiresAt: new Date(issued.expiresAt * 1000).toISOString(), roomId: room.id, peerId };
}
