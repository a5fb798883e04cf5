// Per-connection message budget for a call room (a token bucket, src/domain/token-bucket.ts). Signaling is
// bursty — a browser sends an offer and a dozen ICE candidates within milliseconds — and then quiet, so a bucket
// allows the burst while capping a misbehaving client's sustained rate.
import type { TokenBucketConfig } from '../token-bucket';

/** 50 messages per second sustained, bursts of 50: far above what signaling for an 8-peer mesh needs. */
export const DEFAULT_MESSAGE_RATE: TokenBucketConfig = { capacity: 50, refillPerSecond: 50 };
