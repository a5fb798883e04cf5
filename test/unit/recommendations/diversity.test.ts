import { describe, expect, it } from 'vitest';
import { mmr } from '../../../src/domain/recommendations/diversity';

const candidates = [
  { id: 'a1', creatorId: 'alice', score: 1.0 },
  { id: 'a2', creatorId: 'alice', score: 0.95 },
  { id: 'a3', creatorId: 'alice', score: 0.9 },
  { id: 'a4', creatorId: 'alice', score: 0.85 },
  { id: 'b1', creatorId: 'bob', score: 0.5 },
  { id: 'c1', creatorId: 'carol', score: 0.4 },
];

describe('MMR diversity', () => {
  it('keeps one creator from filling the list', () => {
    const picked = mmr(candidates, 4, { lambda: 0.75, maxPerCreator: 2 }).map((c) => c.id);
    // a1 (0.75); then a2 scores 0.75·0.95 − 0.25·1 = 0.46 and b1 0.75·0.5 = 0.375 → a2; alice is capped at 2 → b1, c1.
    expect(picked).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('prefers another creator once redundancy outweighs the relevance gap', () => {
    // With λ = 0.5: a2 = 0.5·0.95 − 0.5 = −0.025 < b1 = 0.25.
    expect(mmr(candidates, 2, { lambda: 0.5, maxPerCreator: 10 }).map((c) => c.id)).toEqual(['a1', 'b1']);
  });

  it('is plain relevance order with λ = 1 and fills up when only one creator is left', () => {
    expect(mmr(candidates, 3, { lambda: 1, maxPerCreator: 10 }).map((c) => c.id)).toEqual(['a1', 'a2', 'a3']);
    const onlyAlice = candidates.filter((c) => c.creatorId === 'alice');
    expect(mmr(onlyAlice, 4, { maxPerCreator: 2 })).toHaveLength(4);
  });
});

describe('top-k selection', () => {
  it('keeps the k best of a stream, by string or integer id', async () => {
    const { TopK, TopKIndices } = await import('../../../src/domain/recommendations/top-k');
    const scores = [5, 1, 9, 3, 7, 7.5, 2, 8];
    const named = new TopK(3);
    const indexed = new TopKIndices(3);
    scores.forEach((score, i) => {
      named.push(`v${i}`, score);
      indexed.push(i, score);
    });
    expect(named.sorted()).toEqual([
      { id: 'v2', score: 9 },
      { id: 'v7', score: 8 },
      { id: 'v5', score: 7.5 },
    ]);
    expect(indexed.members().sort()).toEqual([2, 5, 7]);
  });
});
