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
    expect(registry.announce('a', member('p1', 'c1'), 'stopped')).toBe(false);
    expect(registry.infoHashes()).toEqual([]);
  });

  it('drops every membership of a closed socket but not a newer socket of the same peer', () => {
    const registry = new SwarmRegistry();
    registry.announce('a', member('p1', 'old'), 'started');
    registry.announce('b', member('p1', 'old'), 'started');
    registry.announce('b', member('p1', 'new'), 'started');
    expect(registry.removeConnection('old').sort()).toEqual(['a']);
    expect(registry.member('b', 'p1')?.connectionId).toBe('new');
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
