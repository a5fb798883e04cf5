// Announce budget for one tracker socket (a token bucket, src/domain/token-bucket.ts). A stock client announces
// every `interval` (120 s) plus once per event, and p2p-media-loader re-announces with fresh offers when it needs
// more peers, so a burst of a few frames is normal; a sustained flood is not.
import type { TokenBucketConfig } from '../token-bucket';

export const ANNOUNCE_RATE_LIMIT: TokenBucketConfig = { capacity: 10, refillPerSecond: 1 };
