// Offline ranking metrics for the evaluation harness (bench/recommendations-eval.ts), with binary relevance:
// an item is relevant when it is in the viewer's held-out set. Definitions as in Herlocker et al., "Evaluating
// Collaborative Filtering Recommender Systems" (TOIS 2004) and Järvelin & Kekäläinen, "Cumulated gain-based
// evaluation of IR techniques" (TOIS 2002) for NDCG.

export function precisionAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (k <= 0) return 0;
  let hits = 0;
  for (const id of recommended.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / k;
}

export function recallAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const id of recommended.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / relevant.size;
}

/** DCG with gain 1 at rank r discounted by log2(r + 1); normalised by the best possible ordering. */
export function ndcgAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  recommended.slice(0, k).forEach((id, index) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(index + 2);
  });
  let ideal = 0;
  for (let index = 0; index < Math.min(k, relevant.size); index++) ideal += 1 / Math.log2(index + 2);
  return dcg / ideal;
}

/** Share of the catalogue that appears in at least one list. */
export function catalogueCoverage(lists: readonly (readonly string[])[], catalogueSize: number): number {
  if (catalogueSize === 0) return 0;
  const shown = new Set<string>();
  for (const list of lists) for (const id of list) shown.add(id);
  return shown.size / catalogueSize;
}

/** Mean over lists of (distinct creators ÷ list length): 1 when no creator appears twice. */
export function creatorDiversity(lists: readonly (readonly string[])[], creatorOf: (id: string) => string): number {
  const scored = lists.filter((list) => list.length > 0);
  if (scored.length === 0) return 0;
  let sum = 0;
  for (const list of scored) sum += new Set(list.map(creatorOf)).size / list.length;
  return sum / scored.length;
}
