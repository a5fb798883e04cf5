import { describe, expect, it } from 'vitest';
import { parseRegions, simulateSwarm, withinCeilings } from '../../../bench/swarm-scale';
import {
  DIRECTORY_STALENESS_SECONDS,
  needsBorrowedOffers,
  OBJECT_REQUESTS_PER_SECOND_CEILING,
  OBJECT_SOCKETS_CEILING,
  pickShard,
  planningJoinRate,
  planRegion,
  regionOf,
  SHARD_FILL_TARGET,
  SHARD_JOINS_PER_SECOND_CAP,
  SHARD_MEMBER_CAP,
  SPIKE_GROWTH,
  shardObjectName,
} from '../../../src/domain/swarm/sharding';

describe('shard budgets', () => {
  it('keeps a full shard within half of both documented per-object ceilings', () => {
    expect(SHARD_MEMBER_CAP).toBeGreaterThan(1_000);
    expect(SHARD_MEMBER_CAP).toBeLessThanOrEqual(OBJECT_SOCKETS_CEILING / 2);
    expect(SHARD_FILL_TARGET).toBeLessThan(SHARD_MEMBER_CAP);
    expect(SHARD_JOINS_PER_SECOND_CAP).toBeGreaterThan(0);
  });
});

describe('regionOf and shard names', () => {
  it('maps Cloudflare continents, and anything else to one unknown region', () => {
    expect(regionOf('EU')).toBe('EU');
    expect(regionOf('na')).toBe('NA');
    expect(regionOf(null)).toBe('XX');
    expect(regionOf('Atlantis')).toBe('XX');
    expect(shardObjectName('vid_1', 'EU', 3)).toBe('vid_1/EU/3');
  });
});

describe('planRegion', () => {
  it('opens shard 0 for the first viewer of a region', () => {
    expect(planRegion('EU', [], 0)).toEqual({ region: 'EU', open: [0], room: [SHARD_MEMBER_CAP], created: [0] });
  });

  it('keeps joiners on the lowest shard with room while the join rate is small', () => {
    const plan = planRegion(
      'EU',
      [
        { index: 0, members: 100 },
        { index: 1, members: 50 },
      ],
      1,
    );
    expect(plan.open).toEqual([0]);
    expect(plan.created).toEqual([]);
  });

  it('skips shards at the fill target and opens the next index when none has room', () => {
    const plan = planRegion(
      'NA',
      [
        { index: 0, members: SHARD_FILL_TARGET },
        { index: 1, members: SHARD_MEMBER_CAP },
      ],
      0,
    );
    expect(plan.open).toEqual([2]);
    expect(plan.created).toEqual([2]);
  });

  it('opens enough shards at once for a burst: no shard over its join cap, a staleness window fits the room', () => {
    const measured = 2_000;
    const plan = planRegion('AS', [{ index: 0, members: 0 }], measured);
    const planned = measured * SPIKE_GROWTH;
    expect(plan.open.length).toBeGreaterThanOrEqual(Math.ceil(planned / SHARD_JOINS_PER_SECOND_CAP));
    expect(plan.room.reduce((sum, room) => sum + room, 0)).toBeGreaterThanOrEqual(planned * DIRECTORY_STALENESS_SECONDS);
    expect(plan.created[0]).toBe(1);
  });
});

describe('pickShard', () => {
  it('spreads joiners in proportion to each open shard’s room', () => {
    const plan = { region: 'EU' as const, open: [4, 9], room: [1_000, 3_000], created: [] };
    const picks = Array.from({ length: 4_000 }, (_, n) => pickShard(plan, n / 4_000));
    expect(picks.filter((index) => index === 4)).toHaveLength(1_000);
    expect(picks.filter((index) => index === 9)).toHaveLength(3_000);
    expect(pickShard(plan, 0.999_999)).toBe(9);
  });
});

describe('planningJoinRate', () => {
  it('follows a rise at once and forgets a fall slowly', () => {
    expect(planningJoinRate(10, 500, 2)).toBe(500);
    expect(planningJoinRate(500, 10, 60)).toBeCloseTo(250);
    expect(planningJoinRate(500, 400, 60)).toBe(400);
  });
});

describe('borrowing', () => {
  it('borrows offers only while a shard is too small to match on its own', () => {
    expect(needsBorrowedOffers(0)).toBe(true);
    expect(needsBorrowedOffers(100)).toBe(false);
  });
});

describe('simulateSwarm (scaled down)', () => {
  const regions = parseRegions('NA:0.5,EU:0.3,AS:0.2');

  it('splits a live spike over several shards per region, none past its cap or the per-object ceilings', () => {
    const result = simulateSwarm({ viewers: 60_000, regions, scenario: 'live', seed: 1, spikeRiseSeconds: 5 });
    expect(result.peakConcurrent).toBeGreaterThan(SHARD_MEMBER_CAP);
    expect(result.shardsPerRegion.NA).toBeGreaterThan(1);
    expect(result.maxObjectPeakSockets).toBeLessThanOrEqual(SHARD_MEMBER_CAP);
    expect(result.maxObjectPeakMessagesPerSecond).toBeLessThanOrEqual(OBJECT_REQUESTS_PER_SECOND_CEILING);
    expect(withinCeilings(result)).toBe(true);
    // One object per video would hold the whole audience.
    expect(result.singleObjectPeakSockets).toBe(result.peakConcurrent);
    // Only each region's very first viewers start without any peer.
    expect(result.httpStartJoins).toBeLessThanOrEqual(regions.length * 2);
    expect(result.expectedOffload).toBeGreaterThan(0.99);
  });

  it('keeps a quiet long-tail video on one shard per region', () => {
    const result = simulateSwarm({ viewers: 20_000, regions, scenario: 'vod', seed: 1, spikeRiseSeconds: 30 });
    expect(result.shardsCreated).toBe(regions.length);
    expect(withinCeilings(result)).toBe(true);
  });

  it('refuses an unknown region name', () => {
    expect(() => parseRegions('NA:1,MARS:1')).toThrow(/unknown region/);
  });
});
