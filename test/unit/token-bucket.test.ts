import { describe, expect, it } from 'vitest';
import { fullBucket, type TokenBucketConfig, takeToken } from '../../src/domain/token-bucket';

const config: TokenBucketConfig = { capacity: 5, refillPerSecond: 5 };

function drain(count: number, nowMs: number, state = fullBucket(config, 0)) {
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    const result = takeToken(config, state, nowMs);
    state = result.state;
    if (result.allowed) allowed += 1;
  }
  return { allowed, state };
}

describe('token bucket', () => {
  it('allows a burst up to its capacity, then refuses', () => {
    expect(drain(8, 0).allowed).toBe(5);
  });

  it('refills at the sustained rate', () => {
    const { state } = drain(5, 0);
    expect(takeToken(config, state, 100).allowed).toBe(false);
    expect(drain(3, 400, state).allowed).toBe(2);
  });

  it('never refills past its capacity after a long quiet spell', () => {
    const { state } = drain(5, 0);
    expect(drain(10, 60_000, state).allowed).toBe(5);
    expect(takeToken({ capacity: 3, refillPerSecond: 1 }, { tokens: 0, updatedAtMs: 0 }, 60_000).state.tokens).toBe(2);
  });

  it('refills nothing when the clock goes backwards, and keeps the later time', () => {
    const { state } = drain(5, 1_000);
    const result = takeToken(config, state, 0);
    expect(result.allowed).toBe(false);
    expect(result.state.updatedAtMs).toBe(1_000);
  });
});
