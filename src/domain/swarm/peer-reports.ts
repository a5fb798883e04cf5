// When a swarm stops matching a peer that served data failing its hash. Players report the peer id of every
// segment their integrity check rejects; one report alone could be a malicious member smearing an honest one,
// so a peer is blocked once viewers with distinct accounts have reported it. (A lone viewer still discards every
// bad segment and drops the connection itself; the block only spares future viewers the round trip.)
//
// Who may report whom: only a viewer the tracker actually paired with the reported peer, recently, in that
// swarm. "Paired" means the tracker relayed an offer from one of them to the other and then relayed the answer
// back (a peer only receives segments from a connection negotiated that way). The HTTP report must come from the
// same viewer as the paired tracker socket: the player opens its socket with a random report key on the announce
// URL (`?rk=`, seen only by the tracker, never by peers), the tracker keeps its hash with the socket, and the
// report carries the key. A key serves the first account that reports with it and no other, so each report
// that counts needs its own account *and* its own socket that exchanged an offer and an answer with the peer.
// Two fresh sign-ups who never joined the swarm therefore count for nothing. What remains possible (accounts
// that join the swarm, get paired with a peer, then report it) is bounded: reports per account are rate
// limited, and a block lives in one video's swarms for BLOCK_DURATION_MS only.
import type { TokenBucketConfig } from '../token-bucket';

/** Distinct reporting accounts that block a peer in its video's swarms. */
export const REPORTS_TO_BLOCK = 2;

/** Reports one object keeps per peer: enough to decide, bounded so a flood cannot grow storage. */
export const MAX_REPORTS_PER_PEER = 16;

/** How long after the tracker relayed their offer and answer a viewer may still report the peer. */
export const PAIRING_WINDOW_MS = 60 * 60_000;

/** How long a block (and the reports behind it) lasts: an honest peer wrongly blocked is back the next day. */
export const BLOCK_DURATION_MS = 24 * 60 * 60_000;

/** Reports per account per video: a few bad peers in one sitting is plausible, a stream of them is not. */
export const REPORT_RATE_LIMIT: TokenBucketConfig = { capacity: 5, refillPerSecond: 5 / 3600 };

/** A report key as the player sends it: random base64url, long enough that it cannot be guessed. */
export const REPORT_KEY_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export function shouldBlock(distinctReporters: number): boolean {
  return distinctReporters >= REPORTS_TO_BLOCK;
}

export function blockExpiresAt(blockedAtMs: number): number {
  return blockedAtMs + BLOCK_DURATION_MS;
}

/** Why a report did not count; `counted` carries the tally after it. */
export type PeerReportOutcome =
  | { kind: 'counted'; reporters: number; blocked: boolean }
  | { kind: 'rate_limited' }
  | { kind: 'key_of_another_account' }
  | { kind: 'not_paired' };
