// What the hourly precomputation derives from the signals and the catalog, as pure functions: the cron
// (workers/recommendations/precompute.ts) and the evaluation harness (bench/recommendations-eval.ts) run exactly
// this code, so the measured quality is the served quality.
import { buildTfIdf, type ContentItem, contentNeighbours } from './content';
import { itemNeighbours, type NeighbourLists } from './item-knn';
import { DEFAULT_HALF_LIFE_MS, type SignalSummary, signalWeight } from './signals';
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
