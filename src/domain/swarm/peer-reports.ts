// When a swarm stops matching a peer that served data failing its hash. Players report the peer id of every
// segment their integrity check rejects; one report alone could be a malicious member smearing an honest one,
// so a peer is blocked once viewers with distinct accounts have reported it. (A lone viewer still discards every
// bad segment and drops the connection itself; the block only spares future viewers the round trip.)

/** Distinct reporting accounts that block a peer in its video's swarms. */
export const REPORTS_TO_BLOCK = 2;

/** Reports one object keeps per peer: enough to decide, bounded so a flood cannot grow storage. */
export const MAX_REPORTS_PER_PEER = 16;

export function shouldBlock(distinctReporters: number): boolean {
  return distinctReporters >= REPORTS_TO_BLOCK;
}
