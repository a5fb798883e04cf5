import { describe, expect, it } from 'vitest';
import { admission, mayModerate, type RoomPolicy } from '../../../src/domain/rooms/access';

const inviteOnly: RoomPolicy = { hostId: 'host', access: 'invite', locked: false };
const open: RoomPolicy = { ...inviteOnly, access: 'open' };
const locked = (room: RoomPolicy): RoomPolicy => ({ ...room, locked: true });

describe('call room admission', () => {
  it('always admits the host, even to a locked room', () => {
    expect(admission(locked(inviteOnly), { userId: 'host', member: undefined })).toEqual({ admitted: true, via: 'host' });
  });

  it('refuses a stranger without an invite to an invite-only room', () => {
    expect(admission(inviteOnly, { userId: 'u', member: undefined })).toEqual({ admitted: false, reason: 'invite_only' });
  });

  it('admits the holder of the current invite and refuses a stale one', () => {
    expect(admission(inviteOnly, { userId: 'u', member: undefined, inviteMatches: true })).toEqual({ admitted: true, via: 'invite' });
    expect(admission(inviteOnly, { userId: 'u', member: undefined, inviteMatches: false })).toEqual({
      admitted: false,
      reason: 'invite_invalid',
    });
  });

  it('lets members back into a locked room but nobody new, invite or open access', () => {
    expect(admission(locked(inviteOnly), { userId: 'm', member: { removed: false } })).toEqual({ admitted: true, via: 'member' });
    expect(admission(locked(inviteOnly), { userId: 'u', member: undefined, inviteMatches: true })).toEqual({
      admitted: false,
      reason: 'locked',
    });
    expect(admission(locked(open), { userId: 'u', member: undefined })).toEqual({ admitted: false, reason: 'locked' });
  });

  it('admits any signed-in user to an open room', () => {
    expect(admission(open, { userId: 'u', member: undefined })).toEqual({ admitted: true, via: 'open' });
  });

  it('never admits a removed member, whatever they present', () => {
    const removed = { removed: true };
    expect(admission(inviteOnly, { userId: 'r', member: removed, inviteMatches: true })).toEqual({ admitted: false, reason: 'removed' });
    expect(admission(open, { userId: 'r', member: removed })).toEqual({ admitted: false, reason: 'removed' });
  });

  it('lets the host and admins moderate, not members', () => {
    expect(mayModerate(inviteOnly, { userId: 'host', role: 'viewer' })).toBe(true);
    expect(mayModerate(inviteOnly, { userId: 'a', role: 'admin' })).toBe(true);
    expect(mayModerate(inviteOnly, { userId: 'm', role: 'creator' })).toBe(false);
  });
});
