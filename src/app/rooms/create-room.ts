// Starting a call: the caller becomes the host of a new invite-only room and gets its invite link. The link's
// secret is returned this once and only its SHA-256 is stored; a host who lost it rotates for a new one.
import type { Database } from '../../adapters/db/client';
import { insertRoomWithHost } from '../../adapters/db/rooms-repo';
import { randomSecret, sha256Hex } from '../../domain/hash';
import { randomToken } from '../../domain/ids';
import { inviteLinkOf, type RoomView, roomView } from './room-view';

export const DEFAULT_ROOM_TITLE = 'Call';

export interface CreatedRoom {
  room: RoomView;
  inviteToken: string;
  inviteUrl: string;
}

export async function createRoom(
  deps: { db: Database; now: number; origin: string },
  input: { hostId: string; title?: string },
): Promise<CreatedRoom> {
  // 16 symbols of a 32-letter alphabet: 80 random bits, so a room id cannot be guessed (it still admits nobody).
  const id = randomToken(16);
  const inviteToken = randomSecret(24);
  const row = {
    id,
    hostId: input.hostId,
    title: input.title ?? DEFAULT_ROOM_TITLE,
    access: 'invite' as const,
    lockedAt: null,
    inviteHash: await sha256Hex(inviteToken),
    createdAt: deps.now,
    updatedAt: deps.now,
  };
  await insertRoomWithHost(deps.db, row);
  return { room: roomView(row, 'host'), inviteToken, inviteUrl: inviteLinkOf(deps.origin, id, inviteToken) };
}
