// Token bucket for announces on one socket. A stock client announces every `interval` (120 s) plus once per
// event, and p2p-media-loader re-announces with fresh offers when it needs more peers, so a burst of a few
// frames is normal; a sustained flood is not. State is a plain object so it can ride in the socket's
// hibernation attachment and survive the object being evicted.

export interface TokenBucketConfig {
  /** Frames allowed back to back. */
  capacity: number;
  /** Tokens regained per second. */
  refillPerSecond: number;
}

export interface TokenBucketState {
  tokens: number;
  updatedAtMs: number;
}

export const ANNOUNCE_RATE_LIMIT: TokenBucketConfig = { capacity: 10, refillPerSecond: 1 };

export function fullBucket(config: TokenBucketConfig, nowMs: number): TokenBucketState {
  return { tokens: config.capacity, updatedAtMs: nowMs };
}

/** Spends one token if there is one; returns whether the frame is allowed and the bucket after it. */
export function takeToken(
  config: TokenBucketConfig,
  state: TokenBucketState,
  nowMs: number,
): { allowed: boolean; state: TokenBucketState } {
  // A clock that steps backwards refills nothing rather than draining the bucket.
  const elapsedSeconds = Math.max(0, nowMs - state.updatedAtMs) / 1000;
  const tokens = Math.min(config.capacity, state.tokens + elapsedSeconds * config.refillPerSecond);
  if (tokens < 1) return { allowed: false, state: { tokens, updatedAtMs: nowMs } };
  return { allowed: true, state: { tokens: tokens - 1, updatedAtMs: nowMs } };
}
