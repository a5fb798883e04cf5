// The hybrid recommender, in two steps so the Worker can fetch only what each step needs:
//   1. scoreCandidates: from the viewer's seeds (videos they cared about, plus the one they are watching) and
//      the precomputed neighbour lists, blend collaborative, content and trending scores into one relevance,
//      and remember why each candidate is there (the explanation). It is accumulatePersonal (seed by seed; the
//      hourly job stores each viewer's topPersonal) followed by blendCandidates (on request: exclusions,
//      normalisation, trending), so a stored list is ranked exactly as one scored on request;
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

/**
 * One candidate's personal evidence before normalisation: summed seed weight × similarity per kind, and the seed
 * that contributed most (weighted as in the blend) with its contribution. Sums add up seed by seed, so evidence
 * computed in the hourly job (without the context video) can take the context seed's neighbours on request.
 */
export interface PersonalCandidate {
  id: string;
  collaborative: number;
  content: number;
  seedId: string;
  contribution: number;
}

export interface PersonalInput {
  seeds: readonly Seed[];
  collaborative: (videoId: string) => readonly Scored[] | undefined;
  content: (videoId: string) => readonly Scored[] | undefined;
  exclude: ReadonlySet<string>;
  weights?: BlendWeights;
}

/** Adds the seeds' neighbours to `into` (a new map by default) and returns it. */
export function accumulatePersonal(input: PersonalInput, into = new Map<string, PersonalCandidate>()): Map<string, PersonalCandidate> {
  const weights = input.weights ?? DEFAULT_BLEND;
  const add = (seed: Seed, kind: 'collaborative' | 'content') => {
    const blendWeight = weights[kind];
    if (blendWeight <= 0) return;
    for (const neighbour of input[kind](seed.videoId) ?? []) {
      if (input.exclude.has(neighbour.id)) continue;
      const value = seed.weight * neighbour.score;
      let candidate = into.get(neighbour.id);
      if (!candidate) {
        candidate = { id: neighbour.id, collaborative: 0, content: 0, seedId: seed.videoId, contribution: -1 };
        into.set(neighbour.id, candidate);
      }
      candidate[kind] += value;
      const contribution = blendWeight * value;
      if (contribution > candidate.contribution) {
        candidate.seedId = seed.videoId;
        candidate.contribution = contribution;
      }
    }
  };
  for (const seed of input.seeds) {
    add(seed, 'collaborative');
    add(seed, 'content');
  }
  return into;
}

const maxOf = (values: Iterable<number>) => {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max || 1;
};

/**
 * The `k` candidates with the highest personal relevance (collaborative and content normalised and blended, no
 * trending): what the hourly job stores per viewer. Stored and live sums normalise the same way on request.
 */
export function topPersonal(personal: Iterable<PersonalCandidate>, k: number, weights: BlendWeights = DEFAULT_BLEND): PersonalCandidate[] {
  const all = [...personal];
  const maxCollaborative = maxOf(all.map((candidate) => candidate.collaborative));
  const maxContent = maxOf(all.map((candidate) => candidate.content));
  const relevance = (candidate: PersonalCandidate) =>
    weights.collaborative * (candidate.collaborative / maxCollaborative) + weights.content * (candidate.content / maxContent);
  return all
    .map((candidate) => ({ candidate, relevance: relevance(candidate) }))
    .sort((a, b) => b.relevance - a.relevance || (a.candidate.id < b.candidate.id ? -1 : 1))
    .slice(0, k)
    .map(({ candidate }) => candidate);
}

export interface BlendInput {
  context?: string | null;
  trending: readonly TrendingCandidate[];
  /** The viewer's region ('' when unknown), for "popular near you". */
  region: string;
  /** Never recommended: seen videos, the context video. */
  exclude: ReadonlySet<string>;
  weights?: BlendWeights;
}

/** Normalises the personal evidence, adds trending, and names each candidate's reason; best first. */
export function blendCandidates(personal: Iterable<PersonalCandidate>, input: BlendInput): ScoredCandidate[] {
  const weights = input.weights ?? DEFAULT_BLEND;
  const kept = [...personal].filter((candidate) => !input.exclude.has(candidate.id));
  const byId = new Map(kept.map((candidate) => [candidate.id, candidate]));
  const maxCollaborative = maxOf(kept.map((candidate) => candidate.collaborative));
  const maxContent = maxOf(kept.map((candidate) => candidate.content));
  const trending = new Map(input.trending.filter((entry) => !input.exclude.has(entry.id)).map((entry) => [entry.id, entry]));

  const ids = new Set([...byId.keys(), ...trending.keys()]);
  const scored: ScoredCandidate[] = [];
  for (const id of ids) {
    const candidate = byId.get(id);
    const cf = (candidate?.collaborative ?? 0) / maxCollaborative;
    const cb = (candidate?.content ?? 0) / maxContent;
    const trend = trending.get(id);
    const tr = trend?.score ?? 0;
    const personalScore = weights.collaborative * cf + weights.content * cb;
    const popular = weights.trending * tr;
    const relevance = personalScore + popular;
    if (!(relevance > 0)) continue;
    let reason: Reason;
    if (candidate && personalScore >= popular) {
      reason =
        candidate.seedId === input.context
          ? { kind: 'similar_to_current', videoId: candidate.seedId }
          : { kind: 'because_you_watched', videoId: candidate.seedId };
    } else {
      reason = trend?.local && input.region ? { kind: 'popular_near_you', region: input.region } : { kind: 'trending' };
    }
    scored.push({ id, relevance, collaborative: cf, content: cb, trending: tr, reason });
  }
  return scored.sort((a, b) => b.relevance - a.relevance || (a.id < b.id ? -1 : 1));
}

export function scoreCandidates(input: ScoreInput): ScoredCandidate[] {
  return blendCandidates(accumulatePersonal(input).values(), input);
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
