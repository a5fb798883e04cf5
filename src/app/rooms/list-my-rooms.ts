// The rooms a user hosts or has joined (and was not removed from), most recently joined first.
import type { Database } from '../../adapters/db/client';
import { listRoomsOfUser } from '../../adapters/db/rooms-repo';
import { type RoomView, roomView } from './room-view';

export const MY_ROOMS_LIMIT = 50;

export async function listMyRooms(deps: { db: Database }, userId: string): Promise<RoomView[]> {
  const rows = await listRoomsOfUser(deps.db, userId, MY_ROOMS_LIMIT);
  return rows.map((row) => roomView(row, row.role));
}
