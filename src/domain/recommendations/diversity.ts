// Maximal Marginal Relevance (Carbonell & Goldstein, SIGIR 1998): pick, one at a time, the candidate that best
// balances its own relevance against its similarity to what is already picked,
//
//   next = argmax  λ · rel(c) / max rel  −  (1 − λ) · max_{s ∈ picked} sim(c, s)
//
// Similarity here is 1 for the same creator (so one creator does not fill the list) plus whatever content
// similarity the caller knows. On top, a hard cap of `maxPerCreator` applies while other candidates remain.

export interface DiversityCandidate {
  id: string;
  creatorId: string;
  /** Score to diversify (≥ 0), e.g. the P2P-adjusted relevance. */
  score: number;
}

export interface MmrOptions {
  lambda?: number;
  maxPerCreator?: number;
  /** Extra similarity in [0, 1] of two candidates (e.g. shared tags); same creator is always 1. */
  similarity?: (a: string, b: string) => number;
}

export const DEFAULT_MMR_LAMBDA = 0.75;
export const DEFAULT_MAX_PER_CREATOR = 2;

export function mmr<T extends DiversityCandidate>(candidates: readonly T[], limit: number, options: MmrOptions = {}): T[] {
  const lambda = options.lambda ?? DEFAULT_MMR_LAMBDA;
  const maxPerCreator = options.maxPerCreator ?? DEFAULT_MAX_PER_CREATOR;
  const extra = options.similarity;
  const top = Math.max(...candidates.map((candidate) => candidate.score), 0) || 1;
  const remaining = [...candidates];
  const picked: T[] = [];
  const perCreator = new Map<string, number>();
  while (picked.length < limit && remaining.length > 0) {
    // The cap holds while some remaining candidate respects it; after that, relevance alone decides.
    const capOpen = remaining.some((candidate) => (perCreator.get(candidate.creatorId) ?? 0) < maxPerCreator);
    let bestIndex = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    remaining.forEach((candidate, index) => {
      if (capOpen && (perCreator.get(candidate.creatorId) ?? 0) >= maxPerCreator) return;
      let redundancy = 0;
      for (const chosen of picked) {
        const similarity = chosen.creatorId === candidate.creatorId ? 1 : (extra?.(chosen.id, candidate.id) ?? 0);
        if (similarity > redundancy) redundancy = similarity;
      }
      const value = (lambda * candidate.score) / top - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    const [chosen] = remaining.splice(bestIndex, 1) as [T];
    picked.push(chosen);
    perCreator.set(chosen.creatorId, (perCreator.get(chosen.creatorId) ?? 0) + 1);
  }
  return picked;
}
