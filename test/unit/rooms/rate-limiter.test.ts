import { describe, expect, it } from 'vitest';
import { fullBucket, type TokenBucketConfig, takeToken } from '../../../src/domain/rooms/rate-limiter';

const config: TokenBucketConfig = { capacity: 5, refillPerSecond: 5 };

function drain(count: number, nowMs: number, state = fullBucket(config, 0)) {
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    const result = takeToken(state, nowMs, config);
    state = result.state;
    if (result.allowed) allowed += 1;
  }
  return { allowed, state };
}

describe('message rate limiter (token bucket)', () => {
  it('allows a burst up to its capacity, then refuses', () => {
    expect(drain(8, 0).allowed).toBe(5);
  });

  it('refills at the sustained rate', () => {
    const { state } = drain(5, 0);
    expect(takeToken(state, 100, config).allowed).toBe(false);
    expect(drain(3, 400, state).allowed).toBe(2);
  });

  it('never refills past its capacity after a long quiet spell', () => {
    const { state } = drain(5, 0);
    expect(drain(10, 60_000, state).allowed).toBe(5);
  });

  it('refills nothing when the clock goes backwards', () => {
    const { state } = drain(5, 1_000);
    expect(takeToken(state, 0, config).allowed).toBe(false);
  });
});
