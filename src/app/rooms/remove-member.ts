// Removing someone from a room: their member row is marked removed (so neither the invite link nor open access
// admits them again) and the room's object drops their live socket at once, instead of when their token expires.
import type { Database } from '../../adapters/db/client';
import { findRoom, findRoomMembership, markRoomMemberRemoved } from '../../adapters/db/rooms-repo';
import type { Role } from '../../domain/roles';
import { mayModerate } from '../../domain/rooms/access';

export type RemoveMemberResult = { ok: true } | { ok: false; reason: 'not_found' | 'not_member' | 'not_moderator' | 'is_host' };

export async function removeRoomMember(
  deps: {
    db: Database;
    now: number;
    /** Closes the user's sockets in the room and bars them from the room object (CallRoom.removeUser). */
    disconnectFromCall: (roomId: string, userId: string) => Promise<void>;
  },
  input: { roomId: string; userId: string; caller: { userId: string; role: Role } },
): Promise<RemoveMemberResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  if (!mayModerate(room, input.caller)) return { ok: false, reason: 'not_moderator' };
  if (input.userId === room.hostId) return { ok: false, reason: 'is_host' };
  const member = await findRoomMembership(deps.db, room.id, input.userId);
  // Everyone who ever got a room token has a member row (open-room guests are recorded when admitted), so a
  // user without one was never in the call. Removing twice is harmless.
  if (!member) return { ok: false, reason: 'not_member' };
  await markRoomMemberRemoved(deps.db, room.id, input.userId, deps.now);
  await deps.disconnectFromCall(room.id, input.userId);
  return { ok: true };
}
