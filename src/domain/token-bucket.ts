// The one token bucket of the codebase: capacity = the burst allowed back to back, refilled continuously at the
// sustained rate. Used for call-room signaling, tracker announces, peer reports and session alerts, on the server
// and in the browser. State is a plain object, so a Durable Object can keep it in a socket's hibernation
// attachment or in storage, and tests can drive the clock.

export interface TokenBucketConfig {
  /** Largest burst, in tokens. */
  capacity: number;
  /** Sustained rate, in tokens per second. */
  refillPerSecond: number;
}

export interface TokenBucketState {
  tokens: number;
  updatedAtMs: number;
}

export function fullBucket(config: TokenBucketConfig, nowMs: number): TokenBucketState {
  return { tokens: config.capacity, updatedAtMs: nowMs };
}

/** Spends one token if there is one; returns whether the action is allowed and the bucket after it. */
export function takeToken(
  config: TokenBucketConfig,
  state: TokenBucketState,
  nowMs: number,
): { allowed: boolean; state: TokenBucketState } {
  // A clock that steps backwards refills nothing rather than draining the bucket.
  const elapsedSeconds = Math.max(0, nowMs - state.updatedAtMs) / 1000;
  const tokens = Math.min(config.capacity, state.tokens + elapsedSeconds * config.refillPerSecond);
  const updatedAtMs = Math.max(nowMs, state.updatedAtMs);
  if (tokens < 1) return { allowed: false, state: { tokens, updatedAtMs } };
  return { allowed: true, state: { tokens: tokens - 1, updatedAtMs } };
}
