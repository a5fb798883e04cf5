// Keyset pagination in one place: "rows after (sort, id)" for lists ordered by sort DESC, id DESC.
import { and, eq, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/** The sort key of the last row of the previous page (see domain/pagination.ts). */
export type Keyset = readonly [number, string];

export function beforeKeyset(sortColumn: SQLiteColumn, idColumn: SQLiteColumn, after: Keyset): SQL {
  return or(lt(sortColumn, after[0]), and(eq(sortColumn, after[0]), lt(idColumn, after[1]))) as SQL;
}
