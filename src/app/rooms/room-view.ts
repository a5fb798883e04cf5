// What the API tells a caller about a room. Everyone the room admits sees its title, host and settings; the
// member list (user ids and names) is the host's alone, so a guest learns no more about the others than the
// call itself shows them.
import type { RoomMemberListing, RoomRow } from '../../adapters/db/rooms-repo';
import type { RoomAccessMode } from '../../domain/rooms/access';

export interface RoomView {
  id: string;
  title: string;
  hostId: string;
  access: RoomAccessMode;
  locked: boolean;
  /** The caller's part in the room: host, member, or null for an admin looking in to moderate. */
  role: 'host' | 'member' | null;
  createdAt: string;
  /** Host only. */
  members?: { userId: string; displayName: string; role: 'host' | 'member'; joinedAt: string }[];
}

export function roomView(room: RoomRow, role: RoomView['role'], members?: RoomMemberListing[]): RoomView {
  return {
    id: room.id,
    title: room.title,
    hostId: room.hostId,
    access: room.access,
    locked: room.lockedAt !== null,
    role,
    createdAt: new Date(room.createdAt).toISOString(),
    ...(members ? { members: members.map((member) => ({ ...member, joinedAt: new Date(member.joinedAt).toISOString() })) } : {}),
  };
}

/**
 * The link an invitee opens: the room page with the invite secret in the fragment. A fragment never leaves the
 * browser (no request line, no access log, no Referer), so the secret reaches only the page that posts it to
 * POST /rooms/{roomId}/join.
 */
export function inviteLinkOf(origin: string, roomId: string, inviteSecret: string): string {
  return `${new URL(`/room/${encodeURIComponent(roomId)}`, origin).toString()}#invite=${inviteSecret}`;
}
