// Host controls: open the room to any signed-in user or make it invite-only, lock it against newcomers or
// unlock it, rename it. An admin acting on a report may do the same (domain/rooms/access.ts `mayModerate`).
import type { Database } from '../../adapters/db/client';
import { findRoom, listActiveRoomMembers, updateRoomSettings } from '../../adapters/db/rooms-repo';
import type { Role } from '../../domain/roles';
import type { RoomAccessMode } from '../../domain/rooms/access';
import { mayModerate } from '../../domain/rooms/access';
import { type RoomView, roomView } from './room-view';

export interface RoomSettingsChange {
  access?: RoomAccessMode;
  locked?: boolean;
  title?: string;
}

export type UpdateRoomSettingsResult = { ok: true; room: RoomView } | { ok: false; reason: 'not_found' | 'not_moderator' };

export async function updateRoomSettingsOf(
  deps: { db: Database; now: number },
  input: { roomId: string; caller: { userId: string; role: Role }; change: RoomSettingsChange },
): Promise<UpdateRoomSettingsResult> {
  const room = await findRoom(deps.db, input.roomId);
  if (!room) return { ok: false, reason: 'not_found' };
  if (!mayModerate(room, input.caller)) return { ok: false, reason: 'not_moderator' };
  const { access, locked, title } = input.change;
  const updated = await updateRoomSettings(
    deps.db,
    room.id,
    {
      ...(access !== undefined ? { access } : {}),
      ...(title !== undefined ? { title } : {}),
      // Locking an already locked room keeps its first lock time.
      ...(locked !== undefined ? { lockedAt: locked ? (room.lockedAt ?? deps.now) : null } : {}),
    },
    deps.now,
  );
  if (!updated) return { ok: false, reason: 'not_found' };
  // The same view GET /rooms/{roomId} gives this caller: the host's includes the members, so a page that redraws
  // from this answer keeps its Remove buttons.
  if (updated.hostId === input.caller.userId) {
    return { ok: true, room: roomView(updated, 'host', await listActiveRoomMembers(deps.db, updated.id)) };
  }
  return { ok: true, room: roomView(updated, null) };
}
