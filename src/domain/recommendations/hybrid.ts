// The hybrid recommender, in two steps so the Worker can fetch only what each step needs:
//   1. scoreCandidates: from the viewer's seeds (videos they cared about, plus the one they are watching) and
//      the precomputed neighbour lists, blend collaborative, content and trending scores into one relevance,
//      and remember why each candidate is there (the explanation);
//   2. finalizeRecommendations: drop what the catalog no longer lists, re-rank by swarm health within the
//      relevance tolerance (p2p-rerank.ts), diversify (diversity.ts).
// A viewer with no history has no seeds, so only trending speaks: the cold start for new users. A new video
// has no collaborative neighbours yet but has content ones, so it is reachable from day one.
import { DEFAULT_MAX_PER_CREATOR, DEFAULT_MMR_LAMBDA, mmr } from './diversity';
import { DEFAULT_P2P_WEIGHT, p2pRerank } from './p2p-rerank';
import type { Scored } from './top-k';

export interface BlendWeights {
  collaborative: number;
  content: number;
  trending: number;
}

/**
 * Chosen on the synthetic evaluation set (bench/recommendations-eval.ts): collaborative carries most signal; content
 * and trending each add a little and carry the cold starts.
 */
export const DEFAULT_BLEND: BlendWeights = { collaborative: 0.7, content: 0.15, trending: 0.15 };
/** Most recent/strongest history entries used as seeds: bounds the neighbour lists read per request. */
export const MAX_SEEDS = 30;
/**
 * Neighbours of each kind read per seed (of the 50 stored): 30 seeds × 20 × 2 kinds = 1,200 rows per request at
 * most. The evaluation harness truncates the same way, so its figures are what is served.
 */
export const NEIGHBOURS_PER_SEED = 20;
/** The video being watched weighs this much more than the strongest history seed. */
export const CONTEXT_SEED_FACTOR = 2;

export type Reason =
  | { kind: 'because_you_watched'; videoId: string }
  | { kind: 'similar_to_current'; videoId: string }
  | { kind: 'popular_near_you'; region: string }
  | { kind: 'trending' };

export interface Seed {
  videoId: string;
  weight: number;
}

export interface HistoryEntry extends Seed {
  /** Seen videos are never recommended (signals.ts isSeen). */
  seen: boolean;
}

/** The strongest `max` positive entries, plus the context video (weighted above all of them). */
export function selectSeeds(history: readonly HistoryEntry[], context?: string | null, max = MAX_SEEDS): Seed[] {
  const positive = history
    .filter((entry) => entry.weight > 0 && entry.videoId !== context)
    .sort((a, b) => b.weight - a.weight || (a.videoId < b.videoId ? -1 : 1))
    .slice(0, context ? max - 1 : max)
    .map(({ videoId, weight }) => ({ videoId, weight }));
  if (!context) return positive;
  const strongest = positive[0]?.weight ?? 1;
  return [{ videoId: context, weight: CONTEXT_SEED_FACTOR * strongest }, ...positive];
}

export interface TrendingCandidate extends Scored {
  /** From the viewer's own region (else from everywhere). */
  local: boolean;
}

/**
 * Regional trending first, the global list as a fallback at half strength: a region with little traffic still
 * yields a full list. Scores are normalised per list (0–1) so the two compare.
 */
export function mergeTrending(regional: readonly Scored[], global: readonly Scored[]): TrendingCandidate[] {
  const merged = new Map<string, TrendingCandidate>();
  const topRegional = regional[0]?.score || 1;
  const topGlobal = global[0]?.score || 1;
  for (const entry of regional) merged.set(entry.id, { id: entry.id, score: entry.score / topRegional, local: true });
  for (const entry of global) {
    const score = (0.5 * entry.score) / topGlobal;
    if ((merged.get(entry.id)?.score ?? -1) < score) merged.set(entry.id, { id: entry.id, score, local: false });
  }
  return [...merged.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

export interface ScoreInput {
  seeds: readonly Seed[];
  context?: string | null;
  collaborative: (videoId: string) => readonly Scored[] | undefined;
  content: (videoId: string) => readonly Scored[] | undefined;
  trending: readonly TrendingCandidate[];
  /** The viewer's region ('' when unknown), for "popular near you". */
  region: string;
  /** Never recommended: seen videos, the context video. */
  exclude: ReadonlySet<string>;
  weights?: BlendWeights;
}

export interface ScoredCandidate {
  id: string;
  relevance: number;
  collaborative: number;
  content: number;
  trending: number;
  reason: Reason;
}

export function scoreCandidates(input: ScoreInput): ScoredCandidate[] {
  const weights = input.weights ?? DEFAULT_BLEND;
  const collaborative = new Map<string, number>();
  const content = new Map<string, number>();
  // Per candidate, the seed that contributed most (weighted as in the blend): the "because you watched".
  const bestSeed = new Map<string, { videoId: string; contribution: number }>();
  const accumulate = (
    lists: ScoreInput['collaborative'],
    into: Map<string, number>,
    blendWeight: number,
    seed: Seed,
    normaliser: number,
  ) => {
    if (blendWeight <= 0) return;
    for (const neighbour of lists(seed.videoId) ?? []) {
      if (input.exclude.has(neighbour.id)) continue;
      const value = seed.weight * neighbour.score;
      into.set(neighbour.id, (into.get(neighbour.id) ?? 0) + value);
      const contribution = (blendWeight * value) / normaliser;
      const best = bestSeed.get(neighbour.id);
      if (!best || contribution > best.contribution) bestSeed.set(neighbour.id, { videoId: seed.videoId, contribution });
    }
  };
  const seedTotal = input.seeds.reduce((sum, seed) => sum + seed.weight, 0) || 1;
  for (const seed of input.seeds) {
    accumulate(input.collaborative, collaborative, weights.collaborative, seed, seedTotal);
    accumulate(input.content, content, weights.content, seed, seedTotal);
  }
  const maxOf = (values: Iterable<number>) => {
    let max = 0;
    for (const value of values) if (value > max) max = value;
    return max || 1;
  };
  const maxCollaborative = maxOf(collaborative.values());
  const maxContent = maxOf(content.values());
  const trending = new Map(input.trending.filter((entry) => !input.exclude.has(entry.id)).map((entry) => [entry.id, entry]));

  const ids = new Set([...collaborative.keys(), ...content.keys(), ...trending.keys()]);
  const scored: ScoredCandidate[] = [];
  for (const id of ids) {
    const cf = (collaborative.get(id) ?? 0) / maxCollaborative;
    const cb = (content.get(id) ?? 0) / maxContent;
    const trend = trending.get(id);
    const tr = trend?.score ?? 0;
    const personal = weights.collaborative * cf + weights.content * cb;
    const popular = weights.trending * tr;
    const relevance = personal + popular;
    if (!(relevance > 0)) continue;
    const seed = bestSeed.get(id);
    let reason: Reason;
    if (seed && personal >= popular) {
      reason =
        seed.videoId === input.context
          ? { kind: 'similar_to_current', videoId: seed.videoId }
          : { kind: 'because_you_watched', videoId: seed.videoId };
    } else {
      reason = trend?.local && input.region ? { kind: 'popular_near_you', region: input.region } : { kind: 'trending' };
    }
    scored.push({ id, relevance, collaborative: cf, content: cb, trending: tr, reason });
  }
  return scored.sort((a, b) => b.relevance - a.relevance || (a.id < b.id ? -1 : 1));
}

export interface FinalizeOptions {
  limit: number;
  /** Listed videos (public in the catalog) with their creator; anything else is dropped. */
  listed: (id: string) => { creatorId: string } | undefined;
  /** Swarm health near the viewer, 0–1 (p2p-rerank.ts swarmHealthScore). */
  healthOf?: (id: string) => number;
  p2pWeight?: number;
  lambda?: number;
  maxPerCreator?: number;
  /** How many candidates, as a multiple of `limit`, are re-ranked and diversified. */
  poolFactor?: number;
}

export interface Recommendation {
  id: string;
  creatorId: string;
  score: number;
  relevance: number;
  reason: Reason;
  p2pBoosted: boolean;
}

export function finalizeRecommendations(scored: readonly ScoredCandidate[], options: FinalizeOptions): Recommendation[] {
  const pool: (ScoredCandidate & { creatorId: string })[] = [];
  const poolSize = options.limit * (options.poolFactor ?? 4);
  for (const candidate of scored) {
    const listed = options.listed(candidate.id);
    if (!listed) continue;
    pool.push({ ...candidate, creatorId: listed.creatorId });
    if (pool.length >= poolSize) break;
  }
  const reranked = p2pRerank(pool, options.healthOf ?? (() => 0), options.healthOf ? (options.p2pWeight ?? DEFAULT_P2P_WEIGHT) : 0);
  const diversified = mmr(
    reranked.map((item) => ({ ...item, score: item.adjusted })),
    options.limit,
    { lambda: options.lambda ?? DEFAULT_MMR_LAMBDA, maxPerCreator: options.maxPerCreator ?? DEFAULT_MAX_PER_CREATOR },
  );
  return diversified.map((item) => ({
    id: item.id,
    creatorId: item.creatorId,
    score: item.score,
    relevance: item.relevance,
    reason: item.reason,
    p2pBoosted: item.p2pBoosted,
  }));
}
