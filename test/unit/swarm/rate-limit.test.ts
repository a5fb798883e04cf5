import { describe, expect, it } from 'vitest';
import { fullBucket, takeToken } from '../../../src/domain/swarm/rate-limit';

const config = { capacity: 3, refillPerSecond: 1 };

describe('announce token bucket', () => {
  it('allows a burst up to capacity, then refuses', () => {
    let state = fullBucket(config, 0);
    const allowed: boolean[] = [];
    for (let index = 0; index < 4; index += 1) {
      const result = takeToken(config, state, 0);
      allowed.push(result.allowed);
      state = result.state;
    }
    expect(allowed).toEqual([true, true, true, false]);
  });

  it('refills at the configured rate, never above capacity', () => {
    const empty = { tokens: 0, updatedAtMs: 0 };
    expect(takeToken(config, empty, 500).allowed).toBe(false);
    expect(takeToken(config, empty, 1_000).allowed).toBe(true);
    expect(takeToken(config, empty, 60_000).state.tokens).toBe(2);
  });

  it('refills nothing when the clock steps backwards', () => {
    expect(takeToken(config, { tokens: 0.5, updatedAtMs: 10_000 }, 5_000).allowed).toBe(false);
  });
});
