// Read side of analytics. Every aggregate is a SUM() over additive rollup columns, turned into averages and
// percentiles by domain/quality/rollup.ts (rollupMetrics). Index use (checked with EXPLAIN QUERY PLAN in
// test/integration/analytics-query.test.ts):
//   whole hours of a range come from analytics_hours, partial edge hours from analytics_minutes (segmentsOf);
//   analytics_minutes / analytics_hours unfiltered range → primary key (minute|hour, …) range scan;
//   filtered by video / room / country → analytics_minutes_video|room|country (col, minute);
//   peer_sessions by time → peer_sessions_last_seen; by problem → peer_sessions_problem.
// A report's statements (one per segment, plus the session counts of a summary) go to D1 as one batch: one
// round trip instead of one per statement (https://developers.cloudflare.com/d1/worker-api/d1-database/#batch).

import { and, asc, between, desc, eq, gte, lte, type SQL, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { emptyRollup, type MinuteRollup, MOS_HISTOGRAM_BANDS, ROLLUP_SUM_FIELDS } from '../../domain/quality/rollup';
import { analyticsHours, analyticsMinutes, connectionEvents, peerSessions, sessionMinutes } from './analytics-schema';
import type { Database } from './client';
import { beforeKeyset, type Keyset } from './keyset';

export interface AnalyticsFilter {
  from: number;
  to: number;
  videoId?: string;
  roomId?: string;
  country?: string;
  candidateType?: string;
}

// The rollup's own additive fields plus the columns that only the database keeps: histogram buckets as
// columns, and the connection-event counts.
const SUM_KEYS = [
  ...ROLLUP_SUM_FIELDS,
  ...(['rttH0', 'rttH1', 'rttH2', 'rttH3', 'rttH4', 'rttH5', 'rttH6', 'rttH7', 'rttH8'] as const),
  ...(['mosBad', 'mosPoor', 'mosFair', 'mosGood', 'mosExcellent'] as const),
  ...(['connAttempted', 'connConnected', 'connFailed', 'setupMsSum', 'setupCount'] as const),
] as const;

type Sums = { [K in (typeof SUM_KEYS)[number]]: number };

// Fleet rollups come at two resolutions with identical metric columns.
type FleetTable = typeof analyticsMinutes | typeof analyticsHours;
const timeOf = (table: FleetTable) => ('minute' in table ? table.minute : table.hour);

function sumsOf(table: FleetTable) {
  const columns = table as unknown as Record<string, SQLiteColumn>;
  return {
    ...Object.fromEntries(SUM_KEYS.map((key) => [key, sql<number>`coalesce(sum(${columns[key]}), 0)`.mapWith(Number)])),
    rttMaxMs: sql<number>`coalesce(max(${table.rttMaxMs}), 0)`.mapWith(Number),
  } as Record<(typeof SUM_KEYS)[number] | 'rttMaxMs', SQL<number>>;
}

export interface AggregatedRow extends Sums {
  rttMaxMs: number;
}

const MOS_FIELD: Record<string, keyof Sums> = {
  bad: 'mosBad',
  poor: 'mosPoor',
  fair: 'mosFair',
  good: 'mosGood',
  excellent: 'mosExcellent',
};

/** The summed columns as a MinuteRollup, so the domain's rollupMetrics reads means and percentiles from it. */
export function toRollup(row: AggregatedRow, minute = 0): MinuteRollup {
  const rollup = emptyRollup(minute);
  for (const key of SUM_KEYS) {
    if (key in rollup) (rollup as unknown as Record<string, number>)[key] = row[key];
  }
  rollup.rttMaxMs = row.rttMaxMs;
  rollup.rttHistogram = [row.rttH0, row.rttH1, row.rttH2, row.rttH3, row.rttH4, row.rttH5, row.rttH6, row.rttH7, row.rttH8];
  rollup.mosHistogram = MOS_HISTOGRAM_BANDS.map((band) => row[MOS_FIELD[band] as keyof Sums]);
  return rollup;
}

function fleetConditions(table: FleetTable, filter: AnalyticsFilter, segment: Segment): SQL {
  const conditions: SQL[] = [between(timeOf(table), segment.from, segment.to)];
  if (filter.videoId) conditions.push(eq(table.videoId, filter.videoId));
  if (filter.roomId) conditions.push(eq(table.roomId, filter.roomId));
  if (filter.country) conditions.push(eq(table.country, filter.country));
  if (filter.candidateType) conditions.push(eq(table.candidateType, filter.candidateType));
  return and(...conditions) as SQL;
}

interface Segment {
  table: FleetTable;
  from: number; // inclusive, start of a minute or hour
  to: number; // inclusive
}

const HOUR_MS = 3_600_000;
// Below this many whole hours the minute table alone is cheap enough.
const MIN_HOURS_FOR_HOURLY = 2;

/**
 * Splits [from, to] into the partial hour at each edge (minute rows) and the whole hours between (hour rows).
 * Exact: every minute of the range is counted once, at whichever resolution holds it.
 */
export function segmentsOf(from: number, to: number, allowHours = true): Segment[] {
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor((to + 60_000) / HOUR_MS) * HOUR_MS; // end (exclusive) of the last whole hour
  if (!allowHours || lastHour - firstHour < MIN_HOURS_FOR_HOURLY * HOUR_MS) return [{ table: analyticsMinutes, from, to }];
  const segments: Segment[] = [];
  if (from < firstHour) segments.push({ table: analyticsMinutes, from, to: firstHour - 1 });
  segments.push({ table: analyticsHours, from: firstHour, to: lastHour - 1 });
  if (lastHour <= to) segments.push({ table: analyticsMinutes, from: lastHour, to });
  return segments;
}

/** Adds summed rows of the same group (bucket or dimension) coming from several segments. */
function addRows<R extends AggregatedRow>(target: R, source: AggregatedRow): R {
  for (const key of SUM_KEYS) target[key] += source[key];
  target.rttMaxMs = Math.max(target.rttMaxMs, source.rttMaxMs);
  return target;
}

function mergeGroups<K extends string | number, R extends AggregatedRow>(rows: R[], keyOf: (row: R) => K): R[] {
  const groups = new Map<K, R>();
  for (const row of rows) {
    const key = keyOf(row);
    const existing = groups.get(key);
    groups.set(key, existing ? addRows(existing, row) : { ...row });
  }
  return [...groups.values()];
}

function sessionConditions(filter: Omit<AnalyticsFilter, 'from' | 'to'>): SQL[] {
  const conditions: SQL[] = [];
  if (filter.videoId) conditions.push(eq(peerSessions.videoId, filter.videoId));
  if (filter.roomId) conditions.push(eq(peerSessions.roomId, filter.roomId));
  if (filter.country) conditions.push(eq(peerSessions.country, filter.country));
  return conditions;
}

type ReadQuery = BatchItem<'sqlite'> & PromiseLike<unknown[]>;

/**
 * Runs several read statements in one database round trip: a D1 batch where the driver has one, otherwise
 * (an in-process SQLite driver, which has no round trips) one after another. Results come back in order.
 */
async function inOneRoundTrip(db: Database, queries: ReadQuery[]): Promise<unknown[][]> {
  const batch = (db as Partial<Pick<Database, 'batch'>>).batch;
  if (typeof batch === 'function' && queries.length > 1) {
    return (await batch.call(db, queries as [ReadQuery, ...ReadQuery[]])) as unknown as unknown[][];
  }
  const results: unknown[][] = [];
  for (const query of queries) results.push(await query);
  return results;
}

function aggregateQueries(db: Database, filter: AnalyticsFilter) {
  return segmentsOf(filter.from, filter.to).map((segment) =>
    db
      .select(sumsOf(segment.table))
      .from(segment.table)
      .where(fleetConditions(segment.table, filter, segment)),
  );
}

const sumParts = (parts: unknown[][]) =>
  mergeGroups(
    parts.map((rows) => rows[0] as AggregatedRow),
    () => 0,
  )[0] as AggregatedRow;

export async function aggregate(db: Database, filter: AnalyticsFilter): Promise<AggregatedRow> {
  return sumParts(await inOneRoundTrip(db, aggregateQueries(db, filter)));
}

export interface SessionCounts {
  sessions: number;
  activePeers: number;
}

function sessionCountsQuery(db: Database, filter: AnalyticsFilter, activeWindowMs: number) {
  return db
    .select({
      sessions: sql<number>`count(*)`.mapWith(Number),
      active: sql<number>`coalesce(sum(${peerSessions.lastSeenAt} >= ${filter.to - activeWindowMs}), 0)`.mapWith(Number),
    })
    .from(peerSessions)
    .where(and(gte(peerSessions.lastSeenAt, filter.from), lte(peerSessions.firstSeenAt, filter.to), ...sessionConditions(filter)));
}

function toSessionCounts(rows: unknown[]): SessionCounts {
  const row = rows[0] as { sessions: number; active: number } | undefined;
  return { sessions: row?.sessions ?? 0, activePeers: row?.active ?? 0 };
}

/** Sessions seen in the range, and those seen in the last minute before `to` (active peers). */
export async function sessionCounts(db: Database, filter: AnalyticsFilter, activeWindowMs = 60_000): Promise<SessionCounts> {
  return toSessionCounts(await sessionCountsQuery(db, filter, activeWindowMs));
}

/** Everything a summary reads — the fleet sums of every segment and the session counts — in one round trip. */
export async function summaryFigures(
  db: Database,
  filter: AnalyticsFilter,
  activeWindowMs = 60_000,
): Promise<{ row: AggregatedRow; counts: SessionCounts }> {
  const results = await inOneRoundTrip(db, [sessionCountsQuery(db, filter, activeWindowMs), ...aggregateQueries(db, filter)]);
  return { counts: toSessionCounts(results[0] ?? []), row: sumParts(results.slice(1)) };
}

export async function aggregateByBucket(db: Database, filter: AnalyticsFilter, bucketMs: number) {
  // Hour rows can only fill buckets made of whole hours.
  const segments = segmentsOf(filter.from, filter.to, bucketMs % HOUR_MS === 0);
  const parts = await inOneRoundTrip(
    db,
    segments.map(({ table, ...range }) => {
      // D1 binds a JS number as REAL, which would make this a float division and every row its own bucket:
      // the cast keeps it an integer division.
      const bucket = sql<number>`(${timeOf(table)} / CAST(${bucketMs} AS INTEGER)) * ${bucketMs}`.mapWith(Number);
      return db
        .select({ bucket, ...sumsOf(table) })
        .from(table)
        .where(fleetConditions(table, filter, { table, ...range }))
        .groupBy(bucket);
    }),
  );
  return mergeGroups(parts.flat() as (AggregatedRow & { bucket: number })[], (row) => row.bucket).sort((a, b) => a.bucket - b.bucket);
}

/** Average concurrent peers per bucket: session-minutes in the bucket ÷ minutes in the bucket. */
export async function peersByBucket(db: Database, filter: AnalyticsFilter, bucketMs: number) {
  const bucket = sql<number>`(${sessionMinutes.minute} / CAST(${bucketMs} AS INTEGER)) * ${bucketMs}`.mapWith(Number);
  const conditions = sessionConditions(filter);
  const query = db
    .select({ bucket, sessionMinutes: sql<number>`count(*)`.mapWith(Number) })
    .from(sessionMinutes)
    .$dynamic();
  const joined = conditions.length > 0 ? query.innerJoin(peerSessions, eq(peerSessions.sessionId, sessionMinutes.sessionId)) : query;
  return joined
    .where(and(between(sessionMinutes.minute, filter.from, filter.to), ...conditions))
    .groupBy(bucket)
    .orderBy(asc(bucket))
    .all();
}

export type BreakdownDimension = 'country' | 'video' | 'room' | 'candidateType';
const DIMENSION_KEY = { country: 'country', video: 'videoId', room: 'roomId', candidateType: 'candidateType' } as const;

export async function aggregateByDimension(db: Database, filter: AnalyticsFilter, by: BreakdownDimension, limit = 200) {
  const parts = await inOneRoundTrip(
    db,
    segmentsOf(filter.from, filter.to).map(({ table, ...range }) => {
      const column = table[DIMENSION_KEY[by]];
      return db
        .select({ key: column, ...sumsOf(table) })
        .from(table)
        .where(fleetConditions(table, filter, { table, ...range }))
        .groupBy(column);
    }),
  );
  return mergeGroups(parts.flat() as (AggregatedRow & { key: string })[], (row) => row.key)
    .sort((a, b) => b.samples - a.samples)
    .slice(0, limit);
}

export type SessionSort = 'problem' | 'recent';

export async function listSessions(db: Database, filter: AnalyticsFilter, sort: SessionSort, after: Keyset | null, limit: number) {
  const conditions: SQL[] = [
    gte(peerSessions.lastSeenAt, filter.from),
    lte(peerSessions.firstSeenAt, filter.to),
    ...sessionConditions(filter),
  ];
  const key = sort === 'problem' ? peerSessions.problemScore : peerSessions.lastSeenAt;
  if (after) conditions.push(beforeKeyset(key, peerSessions.sessionId, after));
  return db
    .select()
    .from(peerSessions)
    .where(and(...conditions))
    .orderBy(desc(key), desc(peerSessions.sessionId))
    .limit(limit + 1)
    .all();
}

export async function findSession(db: Database, sessionId: string) {
  return db.select().from(peerSessions).where(eq(peerSessions.sessionId, sessionId)).get();
}

export async function sessionMinuteRows(db: Database, sessionId: string, limit = 24 * 60) {
  return db
    .select()
    .from(sessionMinutes)
    .where(eq(sessionMinutes.sessionId, sessionId))
    .orderBy(asc(sessionMinutes.minute))
    .limit(limit)
    .all();
}

export async function sessionEvents(db: Database, sessionId: string, limit = 500) {
  return db
    .select()
    .from(connectionEvents)
    .where(eq(connectionEvents.sessionId, sessionId))
    .orderBy(asc(connectionEvents.ts))
    .limit(limit)
    .all();
}
