// How the API refuses a room, shared by the room routes and the room-token route.
import { ROOM_REFUSAL_MESSAGES, type RoomRefusal } from '../domain/rooms/access';
import { ApiError, notFound } from './errors';

/** 404 for a room that does not exist, 403 `room_forbidden` (with the reason) for one that does not admit the caller. */
export function roomRefused(reason: 'not_found' | RoomRefusal): ApiError {
  if (reason === 'not_found') return notFound('Room');
  return new ApiError(403, 'room_forbidden', ROOM_REFUSAL_MESSAGES[reason], { reason });
}
