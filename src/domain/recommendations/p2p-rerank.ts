// P2P-aware re-ranking: among videos about equally relevant, prefer those whose swarm is healthy near the
// viewer. Such a video starts faster (segments come from nearby peers) and costs less edge egress (the offload
// ratio is the share of bytes peers served). Relevance stays in charge: the boost is multiplicative and capped,
//
//   adjusted = relevance · (1 + weight · health),   health ∈ [0, 1]
//
// so a video can only pass one whose relevance is less than (1 + weight) times its own. With weight 0.15 the
// re-ranking reorders only within a 15 % relevance tolerance (test/unit/recommendations/p2p-rerank.test.ts).

export interface SwarmHealth {
  /** Peer sessions of the video in the viewer's region over the look-back window. */
  peers: number;
  /** Bytes from peers ÷ all bytes, 0–1; null when unknown. */
  offloadRatio: number | null;
  /** Mean connection quality score, 0–100 (domain/quality); null when unknown. */
  quality: number | null;
}

/** Peers nearby at which the swarm counts as 63 % "populated" (1 − 1/e): a handful of seeders is enough. */
export const PEERS_SCALE = 4;

/**
 * 0–1: how much a viewer would gain from this swarm. Without peers nearby there is nothing to gain, whatever
 * the ratios; with peers, offload and quality count equally (an unknown one counts as neutral 0.5).
 */
export function swarmHealthScore(health: SwarmHealth | undefined): number {
  if (!health || !(health.peers > 0)) return 0;
  const populated = 1 - Math.exp(-health.peers / PEERS_SCALE);
  const offload = health.offloadRatio === null ? 0.5 : Math.min(1, Math.max(0, health.offloadRatio));
  const quality = health.quality === null ? 0.5 : Math.min(1, Math.max(0, health.quality / 100));
  return populated * (0.5 * offload + 0.5 * quality);
}

export const DEFAULT_P2P_WEIGHT = 0.15;

export interface Rankable {
  id: string;
  relevance: number;
}

export type Reranked<T> = T & { adjusted: number; p2pBoosted: boolean };

/** Stable: equal adjusted scores keep their relevance order. `weight` 0 changes nothing. */
export function p2pRerank<T extends Rankable>(
  items: readonly T[],
  healthOf: (id: string) => number,
  weight = DEFAULT_P2P_WEIGHT,
): Reranked<T>[] {
  const boost = Math.max(0, weight);
  return items
    .map((item, position) => {
      const health = Math.min(1, Math.max(0, healthOf(item.id)));
      return { item, position, adjusted: Math.max(0, item.relevance) * (1 + boost * health), health };
    })
    .sort((a, b) => b.adjusted - a.adjusted || a.position - b.position)
    .map(({ item, adjusted, health }) => ({ ...item, adjusted, p2pBoosted: boost > 0 && health > 0 }));
}
