import { describe, expect, it } from 'vitest';
import { admit, type RoomLimits, seatsTaken } from '../../../src/domain/rooms/membership';

const limits: RoomLimits = { maxPeers: 3, reconnectGraceMs: 30_000 };
const roster = (connected: string[], departed: { peerId: string; leftAtMs: number; displayName?: string }[] = []) => ({
  connected: new Set(connected),
  departed,
});

describe('call room membership', () => {
  it('admits a new peer while seats are free and announces it', () => {
    expect(admit(roster(['a']), 'b', 0, limits)).toEqual({ admitted: true, replacesConnection: false, announce: true, resumedFrom: null });
  });

  it('turns away a new peer when every seat is taken', () => {
    expect(admit(roster(['a', 'b', 'c']), 'd', 0, limits)).toEqual({ admitted: false, reason: 'room_full' });
  });

  it('replaces a live connection of the same peer without announcing it again', () => {
    expect(admit(roster(['a', 'b', 'c']), 'a', 0, limits)).toEqual({
      admitted: true,
      replacesConnection: true,
      announce: false,
      resumedFrom: null,
    });
  });

  it('keeps a departed peer’s seat and name for the grace window, and announces its return', () => {
    const departed = [{ peerId: 'c', leftAtMs: 1_000, displayName: 'Cleo' }];
    expect(admit(roster(['a', 'b'], departed), 'd', 20_000, limits)).toEqual({ admitted: false, reason: 'room_full' });
    expect(admit(roster(['a', 'b'], departed), 'c', 20_000, limits)).toEqual({
      admitted: true,
      replacesConnection: false,
      announce: true,
      resumedFrom: departed[0],
    });
  });

  it('releases a departed peer’s seat once the grace window has passed', () => {
    const departed = [{ peerId: 'c', leftAtMs: 1_000 }];
    expect(seatsTaken(roster(['a', 'b'], departed), 31_000, limits)).toBe(2);
    expect(admit(roster(['a', 'b'], departed), 'd', 31_000, limits)).toMatchObject({ admitted: true, resumedFrom: null });
    expect(admit(roster(['a', 'b'], departed), 'c', 31_000, limits)).toMatchObject({ admitted: true, resumedFrom: null });
  });

  it('does not count a departed peer twice when it is connected again', () => {
    expect(seatsTaken(roster(['a', 'c'], [{ peerId: 'c', leftAtMs: 0 }]), 1_000, limits)).toBe(2);
  });
});
