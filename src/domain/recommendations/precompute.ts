// What the hourly precomputation derives from the signals and the catalog, as pure functions: the cron
// (workers/recommendations/precompute.ts) and the evaluation harness (bench/recommendations-eval.ts) run exactly
// this code, so the measured quality is the served quality.
import { buildTfIdf, type ContentItem, contentNeighbours } from './content';
import { accumulatePersonal, NEIGHBOURS_PER_SEED, type PersonalCandidate, selectSeeds, topPersonal } from './hybrid';
import { itemNeighbours, type NeighbourLists } from './item-knn';
import { DEFAULT_HALF_LIFE_MS, isSeen, type SignalSummary, signalWeight } from './signals';
import { type TrendingEntry, trendingByRegion } from './trending';

export const PRECOMPUTE_DEFAULTS = {
  /** Neighbours kept per video and kind: 30 seeds × 50 yield hundreds of candidates (3,000 rows read per request). */
  neighboursPerVideo: 50,
  /** Trending entries kept per region. */
  trendingPerRegion: 50,
  /**
   * Item-kNN shrinkage (item-knn.ts): similarities resting on fewer than ~50 shared viewers are damped. Chosen on the
   * synthetic evaluation set (NDCG@10 of the hybrid 0.36 at 5, 0.45 at 20, 0.48 at 50; bench/RESULTS.md).
   */
  shrinkage: 50,
  halfLifeMs: DEFAULT_HALF_LIFE_MS,
  /**
   * Personal candidates stored per viewer. A request re-ranks and diversifies a pool of 4 × limit (≤ 200 at limit
   * 50) drawn from these and trending; trending can lift a candidate from far down the personal order, and 200
   * gives the same figures on the synthetic evaluation set as scoring every candidate on request (100 cost 0.001
   * NDCG@10 with P2P re-ranking).
   */
  candidatesPerViewer: 200,
};
export type PrecomputeOptions = typeof PRECOMPUTE_DEFAULTS;

export interface SignalRecord extends SignalSummary {
  userId: string;
  videoId: string;
  region: string;
}

export function collaborativeLists(
  signals: readonly SignalRecord[],
  listed: ReadonlySet<string>,
  now: number,
  options: PrecomputeOptions = PRECOMPUTE_DEFAULTS,
): NeighbourLists {
  return itemNeighbours(
    signals
      .filter((signal) => listed.has(signal.videoId))
      .map((signal) => ({ userId: signal.userId, itemId: signal.videoId, weight: signalWeight(signal, now, options.halfLifeMs) })),
    { k: options.neighboursPerVideo, shrinkage: options.shrinkage },
  );
}

export function contentLists(catalog: readonly ContentItem[], options: PrecomputeOptions = PRECOMPUTE_DEFAULTS): NeighbourLists {
  return contentNeighbours(buildTfIdf(catalog), { k: options.neighboursPerVideo });
}

export function trendingLists(
  signals: readonly SignalRecord[],
  listed: ReadonlySet<string>,
  now: number,
  options: PrecomputeOptions = PRECOMPUTE_DEFAULTS,
): Map<string, TrendingEntry[]> {
  return trendingByRegion(
    signals
      .filter((signal) => listed.has(signal.videoId))
      .map((signal) => ({ videoId: signal.videoId, region: signal.region, weight: signalWeight(signal, now, options.halfLifeMs) })),
    options.trendingPerRegion,
  );
}

/**
 * One viewer's personal candidates, as a request without context would score them: seeds from the history
 * (hybrid.ts selectSeeds), seen videos excluded, each seed's best NEIGHBOURS_PER_SEED neighbours of each kind,
 * the best `candidatesPerViewer` kept. Trending, swarm health, the listing and what was seen since are applied on
 * request (hybrid.ts blendCandidates, finalizeRecommendations).
 */
export function viewerCandidates(
  history: readonly SignalRecord[],
  lists: { collaborative: NeighbourLists; content: NeighbourLists },
  now: number,
  options: PrecomputeOptions = PRECOMPUTE_DEFAULTS,
): PersonalCandidate[] {
  const entries = history.map((signal) => ({
    videoId: signal.videoId,
    weight: signalWeight(signal, now, options.halfLifeMs),
    seen: isSeen(signal),
  }));
  const seeds = selectSeeds(entries);
  if (seeds.length === 0) return [];
  const personal = accumulatePersonal({
    seeds,
    collaborative: (id) => lists.collaborative.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
    content: (id) => lists.content.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
    exclude: new Set(entries.filter((entry) => entry.seen).map((entry) => entry.videoId)),
  });
  return topPersonal(personal.values(), options.candidatesPerViewer);
}

/** viewerCandidates for every viewer with signals (grouped by userId), viewers without candidates left out. */
export function viewerCandidateLists(
  signals: readonly SignalRecord[],
  lists: { collaborative: NeighbourLists; content: NeighbourLists },
  now: number,
  options: PrecomputeOptions = PRECOMPUTE_DEFAULTS,
): Map<string, PersonalCandidate[]> {
  const byViewer = new Map<string, SignalRecord[]>();
  for (const signal of signals) {
    const history = byViewer.get(signal.userId) ?? [];
    history.push(signal);
    byViewer.set(signal.userId, history);
  }
  const result = new Map<string, PersonalCandidate[]>();
  for (const [userId, history] of byViewer) {
    const candidates = viewerCandidates(history, lists, now, options);
    if (candidates.length > 0) result.set(userId, candidates);
  }
  return result;
}
