// Per-connection message budget for a call room: a token bucket (capacity = burst, refilled continuously).
// Signaling is bursty — a browser sends an offer and a dozen ICE candidates within milliseconds — and then
// quiet, so a bucket allows the burst while capping a misbehaving client's sustained rate. Pure state in,
// state out, so the object can keep it anywhere and tests can drive the clock.

export interface TokenBucketConfig {
  /** Largest burst, in messages. */
  capacity: number;
  /** Sustained rate, in messages per second. */
  refillPerSecond: number;
}

/** 50 messages per second sustained, bursts of 50: far above what signaling for an 8-peer mesh needs. */
export const DEFAULT_MESSAGE_RATE: TokenBucketConfig = { capacity: 50, refillPerSecond: 50 };

export interface TokenBucketState {
  tokens: number;
  updatedAtMs: number;
}

export function fullBucket(config: TokenBucketConfig, nowMs: number): TokenBucketState {
  return { tokens: config.capacity, updatedAtMs: nowMs };
}

/** Takes one token if there is one. A clock that goes backwards refills nothing. */
export function takeToken(
  state: TokenBucketState,
  nowMs: number,
  config: TokenBucketConfig = DEFAULT_MESSAGE_RATE,
): { allowed: boolean; state: TokenBucketState } {
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  const tokens = Math.min(config.capacity, state.tokens + (elapsedMs / 1000) * config.refillPerSecond);
  const updatedAtMs = Math.max(nowMs, state.updatedAtMs);
  if (tokens < 1) return { allowed: false, state: { tokens, updatedAtMs } };
  return { allowed: true, state: { tokens: tokens - 1, updatedAtMs } };
}
