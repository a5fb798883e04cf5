import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, toPage } from '../../src/domain/pagination';

describe('cursors', () => {
  it('round-trips a keyset', () => {
    const cursor = encodeCursor([1_700_000_000_000, 'vid_abc']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['number', 'string'])).toEqual([1_700_000_000_000, 'vid_abc']);
  });

  it('rejects cursors of the wrong shape or garbage', () => {
    expect(decodeCursor(encodeCursor(['a', 'b']), ['number', 'string'])).toBeNull();
    expect(decodeCursor(encodeCursor([1]), ['number', 'string'])).toBeNull();
    expect(decodeCursor('!!!', ['number'])).toBeNull();
    expect(decodeCursor(btoa('{"a":1}'), ['number'])).toBeNull();
    expect(decodeCursor(btoa('[1e999]'), ['number'])).toBeNull();
  });

  it('cuts the look-ahead row and points the cursor at the last kept row', () => {
    const rows = [{ k: 5 }, { k: 4 }, { k: 3 }];
    const page = toPage(
      rows,
      2,
      (row) => [row.k],
      (row) => row.k,
    );
    expect(page.items).toEqual([5, 4]);
    expect(decodeCursor(page.nextCursor as string, ['number'])).toEqual([4]);
    expect(
      toPage(
        rows,
        3,
        (row) => [row.k],
        (row) => row.k,
      ).nextCursor,
    ).toBeNull();
  });
});
