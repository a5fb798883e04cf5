// Opaque keyset cursors. A cursor is the sort key of the last row of a page, base64url-encoded JSON, so
// the next page is `WHERE (created_at, id) < (cursor)` — stable under inserts and O(page) with an index,
// unlike OFFSET. Clients must treat cursors as opaque; a tampered cursor is rejected, never trusted.
import { base64UrlDecode, base64UrlEncode } from './hash';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(key)));
}

/** Returns the key, or null when the cursor is malformed or does not match `shape` (one type per position). */
export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] | null {
  try {
    const key: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(cursor)));
    if (!Array.isArray(key) || key.length !== shape.length) return null;
    for (let i = 0; i < shape.length; i++) {
      const value = key[i];
      if (typeof value !== shape[i]) return null;
      if (typeof value === 'number' && !Number.isFinite(value)) return null;
    }
    return key as (string | number)[];
  } catch {
    return null;
  }
}

/** Given `limit + 1` rows fetched, cut to `limit` and derive the next cursor from the last kept row. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => readonly (string | number)[],
  toItem: (row: Row) => Item,
): Page<Item> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
