// Who receives a peer's offers. Each offer goes to a different member, so choosing recipients is choosing the
// peer's neighbours. Order of preference, best first:
//   1. same Cloudflare colo (same metro: the shortest RTT a WebRTC path is likely to get),
//   2. same country,
//   3. everyone else;
// and within a tier, the members that have uploaded most (a proven uploader is the likeliest to serve segments).
// Peers on the block list (reported for serving bad segments) are never matched, in either direction.

export interface MatchCandidate {
  peerId: string;
  colo: string | null;
  country: string | null;
  /** Bytes the peer reported uploaded in its announces (cumulative, as the protocol's `uploaded`). */
  uploadedBytes: number;
}

export interface MatchRequest {
  peerId: string;
  colo: string | null;
  country: string | null;
  /** How many recipients are wanted: one per offer. */
  count: number;
}

export function proximityTier(
  a: { colo: string | null; country: string | null },
  b: { colo: string | null; country: string | null },
): 0 | 1 | 2 {
  if (a.colo !== null && a.colo === b.colo) return 0;
  if (a.country !== null && a.country === b.country) return 1;
  return 2;
}

/**
 * The members to send offers to, best first. `random` breaks ties so that equal peers share the load instead of
 * the first-joined peer receiving every offer.
 */
export function selectOfferRecipients<T extends MatchCandidate>(
  request: MatchRequest,
  candidates: Iterable<T>,
  isBlocked: (peerId: string) => boolean,
  random: () => number = Math.random,
): T[] {
  if (request.count <= 0 || isBlocked(request.peerId)) return [];
  const ranked: { candidate: T; tier: number; tieBreak: number }[] = [];
  for (const candidate of candidates) {
    if (candidate.peerId === request.peerId || isBlocked(candidate.peerId)) continue;
    ranked.push({ candidate, tier: proximityTier(request, candidate), tieBreak: random() });
  }
  ranked.sort((a, b) => a.tier - b.tier || b.candidate.uploadedBytes - a.candidate.uploadedBytes || a.tieBreak - b.tieBreak);
  return ranked.slice(0, request.count).map((entry) => entry.candidate);
}
