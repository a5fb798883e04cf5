// Content-based similarity: TF-IDF vectors over a video's title, description, tags, language and creator,
// compared by cosine (Salton & Buckley, "Term-weighting approaches in automatic text retrieval", 1988).
// Fields are namespaced ("tag:jazz", "lang:en", "by:usr_…") so a tag never matches a word of a title, and
// weighted: tags and title say more about a video than its description. This is what new videos are matched
// with before anyone has watched them (cold start), and what "similar videos" falls back on.
import { type Scored, TopK, TopKIndices } from './top-k';

export interface ContentItem {
  id: string;
  title: string;
  description: string;
  tags: readonly string[];
  language: string;
  creatorId: string;
}

export const FIELD_WEIGHTS = { title: 3, description: 1, tag: 4, language: 1, creator: 2 } as const;

// The commonest English function words; they would otherwise tie unrelated descriptions together.
const STOPWORDS = new Set(
  'a an and are as at be but by for from has have in into is it its of on or our so than that the their this to was were will with you your'.split(
    ' ',
  ),
);

export function words(text: string): string[] {
  const tokens =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return tokens.filter((token) => token.length > 1 && !STOPWORDS.has(token));
}

/** Weighted term counts of one video (before IDF). */
export function contentTerms(item: ContentItem): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (term: string, weight: number) => terms.set(term, (terms.get(term) ?? 0) + weight);
  for (const word of words(item.title)) add(`w:${word}`, FIELD_WEIGHTS.title);
  for (const word of words(item.description)) add(`w:${word}`, FIELD_WEIGHTS.description);
  for (const tag of item.tags) add(`tag:${tag.toLowerCase()}`, FIELD_WEIGHTS.tag);
  if (item.language) add(`lang:${item.language.toLowerCase().split('-')[0]}`, FIELD_WEIGHTS.language);
  add(`by:${item.creatorId}`, FIELD_WEIGHTS.creator);
  return terms;
}

export type SparseVector = Map<string, number>;

export interface TfIdfModel {
  ids: string[];
  /** L2-normalised TF-IDF vector of each id, same order as `ids`. */
  vectors: SparseVector[];
  /** Number of videos holding each term. */
  documentFrequency: Map<string, number>;
}

/**
 * TF = 1 + ln(weighted count) (sublinear, so a word repeated ten times in a description does not drown the
 * tags); IDF = ln((1 + N) / (1 + df)) + 1 (smoothed, as scikit-learn's TfidfVectorizer), so terms every video
 * shares (the language, mostly) still count a little.
 */
export function buildTfIdf(items: readonly ContentItem[]): TfIdfModel {
  const raw = items.map(contentTerms);
  const documentFrequency = new Map<string, number>();
  for (const terms of raw) for (const term of terms.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const n = items.length;
  const vectors = raw.map((terms) => {
    const vector: SparseVector = new Map();
    let sumSquares = 0;
    for (const [term, count] of terms) {
      const value = (1 + Math.log(count)) * (Math.log((1 + n) / (1 + (documentFrequency.get(term) ?? 0))) + 1);
      vector.set(term, value);
      sumSquares += value * value;
    }
    const norm = Math.sqrt(sumSquares) || 1;
    for (const [term, value] of vector) vector.set(term, value / norm);
    return vector;
  });
  return { ids: items.map((item) => item.id), vectors, documentFrequency };
}

export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let sum = 0;
  for (const [term, value] of small) {
    const other = large.get(term);
    if (other !== undefined) sum += value * other;
  }
  return sum;
}

export interface ContentNeighbourOptions {
  k?: number;
  minSimilarity?: number;
  /**
   * Terms held by more than this share of videos (a language, a huge tag) do not generate candidates: their
   * posting lists would make the search quadratic. They still count in the exact cosine of the finalists.
   */
  maxCandidateTermShare?: number;
}

/**
 * The k most similar videos of every video, through an inverted index: partial dot products are accumulated over
 * the posting lists of each video's terms (only videos sharing a term meet), the best 3k by partial score get their
 * exact cosine, and the best k of those are kept.
 */
export function contentNeighbours(model: TfIdfModel, options: ContentNeighbourOptions = {}): Map<string, Scored[]> {
  const k = options.k ?? 30;
  const minSimilarity = options.minSimilarity ?? 0.05;
  const maxPosting = Math.max(50, Math.floor((options.maxCandidateTermShare ?? 0.05) * model.ids.length));
  const postings = new Map<string, { index: number[]; weight: number[] }>();
  model.vectors.forEach((vector, index) => {
    for (const [term, weight] of vector) {
      if ((model.documentFrequency.get(term) ?? 0) > maxPosting) continue;
      let list = postings.get(term);
      if (!list) {
        list = { index: [], weight: [] };
        postings.set(term, list);
      }
      list.index.push(index);
      list.weight.push(weight);
    }
  });
  const partial = new Float64Array(model.ids.length);
  const touched: number[] = [];
  const result = new Map<string, Scored[]>();
  model.vectors.forEach((vector, i) => {
    for (const [term, weight] of vector) {
      const list = postings.get(term);
      if (!list) continue;
      for (let p = 0; p < list.index.length; p++) {
        const j = list.index[p] as number;
        if (j === i) continue;
        if (partial[j] === 0) touched.push(j);
        partial[j] = (partial[j] as number) + weight * (list.weight[p] as number);
      }
    }
    const finalists = new TopKIndices(3 * k);
    for (const j of touched) {
      finalists.push(j, partial[j] as number);
      partial[j] = 0;
    }
    touched.length = 0;
    const best = new TopK(k);
    for (const j of finalists.members()) {
      const similarity = cosine(vector, model.vectors[j] as SparseVector);
      if (similarity >= minSimilarity) best.push(model.ids[j] as string, similarity);
    }
    result.set(model.ids[i] as string, best.sorted());
  });
  return result;
}

/** Ranks `candidates` by content similarity to `target` (new videos before the next precomputation). */
export function rankByContent(target: ContentItem, candidates: readonly ContentItem[], k: number): Scored[] {
  const model = buildTfIdf([target, ...candidates.filter((candidate) => candidate.id !== target.id)]);
  const [targetVector, ...rest] = model.vectors;
  const best = new TopK(k);
  rest.forEach((vector, index) => {
    const similarity = cosine(targetVector as SparseVector, vector);
    if (similarity > 0) best.push(model.ids[index + 1] as string, similarity);
  });
  return best.sorted();
}
