// A new invite link for a room: the old secret's hash is overwritten, so every link shared before stops working
// for anyone who has not joined yet. Members who already joined stay members.
import type { Database } from '../../adapters/db/client';
import { findRoom, updateRoomSettings } from '../../adapters/db/rooms-repo';
import { randomSecret, sha256Hex } from '../../domain/hash';
import { isHost } from '../../domain/rooms/access';
import { inviteLinkOf } from './room-view';

export type RotateInviteResult = { ok: true; inviteToken: string; inviteUrl: string } | { ok: false; reason: 'not_found' | 'not_host' };

export async function rotateInvite(
  deps: { db: Database; now: number; origin: string },
  input: { roomId: string; callerId: string },
): Promise<RotateInviteResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  if (!isHost(room, input.callerId)) return { ok: false, reason: 'not_host' };
  const inviteToken = randomSecret(24);
  await updateRoomSettings(deps.db, room.id, { inviteHash: await sha256Hex(inviteToken) }, deps.now);
  return { ok: true, inviteToken, inviteUrl: inviteLinkOf(deps.origin, room.id, inviteToken) };
}
