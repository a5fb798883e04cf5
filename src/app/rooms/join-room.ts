// Joining a room with its invite link (or, for an open room, without one): the caller becomes a member, so a
// later room token, a reload or a lock does not need the link again.
import type { Database } from '../../adapters/db/client';
import { findRoom, findRoomMembership, insertRoomMember } from '../../adapters/db/rooms-repo';
import { sha256Hex } from '../../domain/hash';
import { constantTimeEqual } from '../../domain/password';
import { admission, type RoomRefusal } from '../../domain/rooms/access';
import { type RoomView, roomView } from './room-view';

export type JoinRoomResult = { ok: true; room: RoomView } | { ok: false; reason: 'not_found' | RoomRefusal };

export async function joinRoom(
  deps: { db: Database; now: number },
  input: { roomId: string; userId: string; inviteToken?: string },
): Promise<JoinRoomResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  const member = await findRoomMembership(deps.db, room.id, input.userId);
  const inviteMatches = input.inviteToken === undefined ? undefined : sameHash(await sha256Hex(input.inviteToken), room.inviteHash);
  const decision = admission(
    { hostId: room.hostId, access: room.access, locked: room.lockedAt !== null },
    { userId: input.userId, member: member ? { removed: member.removedAt !== null } : undefined, inviteMatches },
  );
  if (!decision.admitted) return { ok: false, reason: decision.reason };
  if (decision.via === 'invite' || decision.via === 'open') await insertRoomMember(deps.db, room.id, input.userId, deps.now);
  return { ok: true, room: roomView(room, decision.via === 'host' ? 'host' : 'member') };
}

const encoder = new TextEncoder();
function sameHash(a: string, b: string): boolean {
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}
