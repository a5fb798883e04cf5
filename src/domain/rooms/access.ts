// Who a call room admits. Pure: the use cases load the room and the caller's member row, and ask here.
//
// A room is invite-only unless its host opens it. In order:
//   1. the host, always (a host cannot lock themself out);
//   2. a removed member, never — neither the invite link nor open access brings them back;
//   3. an active member (joined before), also while the room is locked: locking stops newcomers only;
//   4. nobody new while the room is locked;
//   5. anyone signed in when the room is open;
//   6. whoever presents the current invite secret (rotating it voids every older link).
//
// Admins get no seat of their own: a call is a private conversation, and an operator who could silently join
// any room could eavesdrop on all of them. They may moderate instead (lock a room, remove a member someone
// reported), which needs neither a seat nor the member list: see `mayModerate`.
import type { Role } from '../roles';

export type RoomAccessMode = 'invite' | 'open';

export interface RoomPolicy {
  hostId: string;
  access: RoomAccessMode;
  locked: boolean;
}

export interface MemberFacts {
  removed: boolean;
}

export type AdmissionRoute = 'host' | 'member' | 'open' | 'invite';
export type RoomRefusal = 'removed' | 'locked' | 'invite_only' | 'invite_invalid';

export type Admission = { admitted: true; via: AdmissionRoute } | { admitted: false; reason: RoomRefusal };

export interface AdmissionRequest {
  userId: string;
  /** The caller's member row, if any. */
  member: MemberFacts | undefined;
  /** Whether the caller presented an invite secret and whether it is the room's current one; undefined when none. */
  inviteMatches?: boolean;
}

export function admission(room: RoomPolicy, request: AdmissionRequest): Admission {
  if (request.userId === room.hostId) return { admitted: true, via: 'host' };
  if (request.member?.removed) return { admitted: false, reason: 'removed' };
  if (request.member) return { admitted: true, via: 'member' };
  if (room.locked) return { admitted: false, reason: 'locked' };
  if (room.access === 'open') return { admitted: true, via: 'open' };
  if (request.inviteMatches === undefined) return { admitted: false, reason: 'invite_only' };
  return request.inviteMatches ? { admitted: true, via: 'invite' } : { admitted: false, reason: 'invite_invalid' };
}

/** What a refused caller is told; the web page shows the same words. */
export const ROOM_REFUSAL_MESSAGES: Record<RoomRefusal, string> = {
  removed: 'The host removed you from this call.',
  locked: 'This call is locked: the host is not letting anyone new in.',
  invite_only: 'This call is invite-only. Ask the host for a link.',
  invite_invalid: 'This invite link is no longer valid. Ask the host for a new one.',
};

/** Lock, unlock, open, close and remove members: the host, and admins acting on a report. */
export function mayModerate(room: Pick<RoomPolicy, 'hostId'>, caller: { userId: string; role: Role }): boolean {
  return caller.userId === room.hostId || caller.role === 'admin';
}

/** Invite links and the member list are the host's alone; an admin moderating needs neither. */
export function isHost(room: Pick<RoomPolicy, 'hostId'>, userId: string): boolean {
  return userId === room.hostId;
}
