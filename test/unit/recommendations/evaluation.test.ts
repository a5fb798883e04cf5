import { describe, expect, it } from 'vitest';
import { catalogueCoverage, creatorDiversity, ndcgAtK, precisionAtK, recallAtK } from '../../../src/domain/recommendations/evaluation';

describe('ranking metrics', () => {
  const relevant = new Set(['b', 'd', 'x']);
  const list = ['a', 'b', 'c', 'd'];

  it('computes precision, recall and NDCG by hand', () => {
    expect(precisionAtK(list, relevant, 4)).toBe(0.5);
    expect(recallAtK(list, relevant, 4)).toBeCloseTo(2 / 3, 12);
    // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3) + 1/log2(4)
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(list, relevant, 4)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAtK(['b', 'd', 'x'], relevant, 3)).toBe(1);
    expect(ndcgAtK(list, new Set(), 4)).toBe(0);
  });

  it('measures coverage and creator diversity', () => {
    expect(
      catalogueCoverage(
        [
          ['a', 'b'],
          ['b', 'c'],
        ],
        10,
      ),
    ).toBe(0.3);
    const creator = (id: string) => (id === 'a' || id === 'b' ? 'alice' : 'bob');
    expect(
      creatorDiversity(
        [
          ['a', 'b'],
          ['a', 'c'],
        ],
        creator,
      ),
    ).toBe(0.75);
  });
});
