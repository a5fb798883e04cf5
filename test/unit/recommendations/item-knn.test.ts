import { describe, expect, it } from 'vitest';
import { itemNeighbours } from '../../../src/domain/recommendations/item-knn';

const rows = (data: Record<string, Record<string, number>>) =>
  Object.entries(data).flatMap(([userId, items]) => Object.entries(items).map(([itemId, weight]) => ({ userId, itemId, weight })));

describe('item-item collaborative neighbours', () => {
  it('computes cosine similarity over co-viewers (hand-checked)', () => {
    // a = (1, 1, 0), b = (1, 1, 0), c = (0, 1, 1) over users u1..u3: cos(a,b) = 2/2, cos(a,c) = 1/2.
    const lists = itemNeighbours(rows({ u1: { a: 1, b: 1 }, u2: { a: 1, b: 1, c: 1 }, u3: { c: 1 } }), { shrinkage: 0 });
    expect(lists.get('a')).toEqual([
      { id: 'b', score: expect.closeTo(1, 12) },
      { id: 'c', score: expect.closeTo(0.5, 12) },
    ]);
    expect(
      lists
        .get('c')
        ?.map((n) => n.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(lists.get('c')?.[0]?.score).toBeCloseTo(0.5, 12);
  });

  it('uses the signal weights and leaves out videos without a shared viewer', () => {
    // a = (2, 1), b = (1, 0), c = (0, 3): cos(a,b) = 2/√5, cos(a,c) = 3/(√5·3), b and c share nobody.
    const lists = itemNeighbours(rows({ u1: { a: 2, b: 1 }, u2: { a: 1, c: 3 } }), { shrinkage: 0 });
    expect(lists.get('a')?.map((n) => n.id)).toEqual(['b', 'c']);
    expect(lists.get('a')?.[0]?.score).toBeCloseTo(2 / Math.sqrt(5), 12);
    expect(lists.get('a')?.[1]?.score).toBeCloseTo(1 / Math.sqrt(5), 12);
    expect(lists.get('b')).toEqual([{ id: 'a', score: expect.closeTo(2 / Math.sqrt(5), 12) }]);
  });

  it('shrinks similarities resting on few shared viewers', () => {
    const lists = itemNeighbours(rows({ u1: { a: 1, b: 1 }, u2: { a: 1, b: 1, c: 1 }, u3: { c: 1 } }), { shrinkage: 1 });
    // a·b: 1 · 2/(2+1); a·c: 0.5 · 1/(1+1)
    expect(lists.get('a')?.[0]?.score).toBeCloseTo(2 / 3, 12);
    expect(lists.get('a')?.[1]?.score).toBeCloseTo(0.25, 12);
  });

  it('keeps only the k best and ignores zero weights', () => {
    const lists = itemNeighbours(rows({ u1: { a: 1, b: 3, c: 2, d: 1, z: 0 } }), { k: 2, shrinkage: 0 });
    expect(lists.get('a')?.map((n) => n.id)).toEqual(['b', 'c']);
    expect(lists.has('z')).toBe(false);
  });
});
