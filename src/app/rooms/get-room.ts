// One room's details for someone it admits; the host also sees who the members are (to remove one). An admin
// moderating sees the settings but not the members.
import type { Database } from '../../adapters/db/client';
import { findRoom, findRoomMembership, listActiveRoomMembers } from '../../adapters/db/rooms-repo';
import type { Role } from '../../domain/roles';
import { admission, mayModerate, type RoomRefusal } from '../../domain/rooms/access';
import { type RoomView, roomView } from './room-view';

export type GetRoomResult = { ok: true; room: RoomView } | { ok: false; reason: 'not_found' | RoomRefusal };

export async function getRoom(
  deps: { db: Database },
  input: { roomId: string; caller: { userId: string; role: Role } },
): Promise<GetRoomResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  const member = await findRoomMembership(deps.db, room.id, input.caller.userId);
  const decision = admission(
    { hostId: room.hostId, access: room.access, locked: room.lockedAt !== null },
    { userId: input.caller.userId, member: member ? { removed: member.removedAt !== null } : undefined },
  );
  if (decision.admitted && decision.via === 'host')
    return { ok: true, room: roomView(room, 'host', await listActiveRoomMembers(deps.db, room.id)) };
  if (decision.admitted) return { ok: true, room: roomView(room, decision.via === 'member' ? 'member' : null) };
  if (mayModerate(room, input.caller)) return { ok: true, room: roomView(room, null) };
  return { ok: false, reason: decision.reason };
}
