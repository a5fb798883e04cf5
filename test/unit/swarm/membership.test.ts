import { describe, expect, it } from 'vitest';
import { isCompleteAfter, type SwarmMember, SwarmRegistry } from '../../../src/domain/swarm/membership';

const member = (peerId: string, connectionId: string, complete = false): SwarmMember => ({
  peerId,
  connectionId,
  complete,
  colo: null,
  country: null,
  uploadedBytes: 0,
});

describe('SwarmRegistry', () => {
  it('counts seeders and leechers per info_hash', () => {
    const registry = new SwarmRegistry();
    registry.announce('a', member('p1', 'c1', true), 'started');
    registry.announce('a', member('p2', 'c2'), 'started');
    registry.announce('b', member('p1', 'c1'), 'started');
    expect(registry.counts('a')).toEqual({ complete: 1, incomplete: 1 });
    expect(registry.counts('b')).toEqual({ complete: 0, incomplete: 1 });
    expect(registry.counts('none')).toEqual({ complete: 0, incomplete: 0 });
  });

  it('removes a peer on stopped and forgets empty swarms', () => {
    const registry = new SwarmRegistry();
    registry.announce('a', member('p1', 'c1'), 'started');
    expect(registry.announce('a', member('p1', 'c1'), 'stopped')).toBe('left');
    expect(registry.infoHashes()).toEqual([]);
  });

  it('keeps a peer_id with the socket that announced it first: another socket can neither take nor stop it', () => {
    const registry = new SwarmRegistry();
    expect(registry.announce('a', member('p1', 'owner'), 'started')).toBe('joined');
    expect(registry.announce('a', member('p1', 'intruder', true), 'started')).toBe('taken');
    expect(registry.announce('a', member('p1', 'intruder'), 'stopped')).toBe('taken');
    expect(registry.member('a', 'p1')).toMatchObject({ connectionId: 'owner', complete: false });
    expect(registry.mayAnnounce('a', member('p1', 'owner'))).toBe(true);
    expect(registry.mayAnnounce('a', member('p1', 'intruder'))).toBe(false);
    // Once the owner's socket is gone the id is free again.
    expect(registry.removeConnection('owner')).toEqual(['a']);
    expect(registry.announce('a', member('p1', 'intruder'), 'started')).toBe('joined');
  });

  it("lets a player's newer socket (same player key) take over its own peer_id, and nobody else", () => {
    const registry = new SwarmRegistry();
    registry.announce('a', { ...member('p1', 'old'), playerKey: 'k1' }, 'started');
    expect(registry.announce('a', { ...member('p1', 'intruder'), playerKey: 'k2' }, 'started')).toBe('taken');
    expect(registry.announce('a', member('p1', 'keyless'), 'started')).toBe('taken');
    expect(registry.announce('a', { ...member('p1', 'new'), playerKey: 'k1' }, 'started')).toBe('joined');
    expect(registry.member('a', 'p1')?.connectionId).toBe('new');
    expect(registry.removeConnection('old')).toEqual([]);
    expect(registry.member('a', 'p1')?.connectionId).toBe('new');
  });

  it('drops every membership of a closed socket and nobody else', () => {
    const registry = new SwarmRegistry();
    registry.announce('a', member('p1', 'old'), 'started');
    registry.announce('b', member('p1', 'old'), 'started');
    registry.announce('b', member('p2', 'other'), 'started');
    expect(registry.removeConnection('old').sort()).toEqual(['a', 'b']);
    expect(registry.member('b', 'p2')?.connectionId).toBe('other');
  });
});

describe('isCompleteAfter', () => {
  it('follows completed and left, otherwise keeps the previous status', () => {
    expect(isCompleteAfter(false, 'completed', 100)).toBe(true);
    expect(isCompleteAfter(false, 'started', 0)).toBe(true);
    expect(isCompleteAfter(true, 'update', 10)).toBe(false);
    expect(isCompleteAfter(true, undefined, undefined)).toBe(true);
  });
});
