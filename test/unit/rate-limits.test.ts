import { describe, expect, it } from 'vitest';
import {
  decide,
  isSharedLocalAddress,
  LOGIN_FAILURES,
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_DEVICE,
  record,
  signInBuckets,
  type WindowRule,
} from '../../src/domain/rate-limits';

const rule: WindowRule = { limit: 3, windowMs: 60_000 };

describe('sliding-window limits', () => {
  it('allows up to the limit inside the window, then says when the window reopens', () => {
    let hits: number[] = [];
    for (const at of [0, 10_000, 20_000]) {
      expect(decide(hits, rule, at).allowed).toBe(true);
      hits = record(hits, rule, at);
    }
    expect(decide(hits, rule, 30_000)).toEqual({ allowed: false, hits: 3, retryAfterSeconds: 30 });
    // The oldest hit leaves the window at 60 s.
    expect(decide(hits, rule, 60_000)).toEqual({ allowed: true, hits: 2, retryAfterSeconds: 0 });
  });

  it('keeps no more entries than the limit needs', () => {
    let hits: number[] = [];
    for (let at = 0; at < 10; at++) hits = record(hits, rule, at);
    expect(hits).toEqual([7, 8, 9]);
  });

  it('never answers a Retry-After of zero when refusing', () => {
    const hits = [0, 1, 2];
    expect(decide(hits, rule, 59_999.5).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('limits sign-in to five failures per 15 minutes', () => {
    let hits: number[] = [];
    for (let i = 0; i < 5; i++) hits = record(hits, LOGIN_FAILURES, i * 1000);
    const refused = decide(hits, LOGIN_FAILURES, 5_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(15 * 60 - 5);
  });

  it('treats loopback and unknown client addresses as the shared local address', () => {
    for (const address of [undefined, '', '127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(isSharedLocalAddress(address)).toBe(true);
    for (const address of ['203.0.113.7', '2001:db8::1', '10.0.0.1']) expect(isSharedLocalAddress(address)).toBe(false);
  });
});

describe('sign-in buckets', () => {
  it('counts a browser with a trusted-device token on its own, whatever the address', () => {
    expect(signInBuckets({ email: 'Owner@Example.com', address: '192.0.2.1', trustedDeviceId: 'dev-1' })).toEqual([
      { key: 'login-device:dev-1', rule: LOGIN_FAILURES_PER_DEVICE, clearedBySuccess: true },
    ]);
  });

  it('counts anyone else per account and vouched address, plus the account ceiling that success never clears', () => {
    expect(signInBuckets({ email: 'Owner@Example.com', address: '192.0.2.1', trustedDeviceId: null })).toEqual([
      { key: 'login:owner@example.com:192.0.2.1', rule: LOGIN_FAILURES, clearedBySuccess: true },
      { key: 'login-account:owner@example.com', rule: LOGIN_FAILURES_PER_ACCOUNT, clearedBySuccess: false },
    ]);
  });

  it('has no shared "unknown" address bucket: without a vouched address only the account ceiling counts', () => {
    const buckets = signInBuckets({ email: 'owner@example.com', address: undefined, trustedDeviceId: null });
    expect(buckets.map((bucket) => bucket.key)).toEqual(['login-account:owner@example.com']);
    expect(LOGIN_FAILURES_PER_ACCOUNT.limit).toBeGreaterThan(LOGIN_FAILURES.limit);
  });
});
