// Read side of analytics. Every aggregate is a SUM() over additive rollup columns, turned into averages and
// percentiles by domain/quality/rollup.ts (rollupMetrics). Index use (checked with EXPLAIN QUERY PLAN in
// test/integration/analytics-query.test.ts):
//   analytics_minutes unfiltered range → primary key (minute, …) range scan;
//   filtered by video / room / country → analytics_minutes_video|room|country (col, minute);
//   peer_sessions by time → peer_sessions_last_seen; by problem → peer_sessions_problem.
import { and, asc, between, desc, eq, gte, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { emptyRollup, type MinuteRollup, MOS_HISTOGRAM_BANDS } from '../../domain/quality/rollup';
import { analyticsMinutes, connectionEvents, peerSessions, sessionMinutes } from './analytics-schema';
import type { Database } from './client';

export interface AnalyticsFilter {
  from: number;
  to: number;
  videoId?: string;
  roomId?: string;
  country?: string;
  candidateType?: string;
}

const SUM_COLUMNS = {
  samples: analyticsMinutes.samples,
  rttSumMs: analyticsMinutes.rttSumMs,
  rttCount: analyticsMinutes.rttCount,
  jitterSumMs: analyticsMinutes.jitterSumMs,
  jitterCount: analyticsMinutes.jitterCount,
  packetsLost: analyticsMinutes.packetsLost,
  packetsReceived: analyticsMinutes.packetsReceived,
  bytesReceived: analyticsMinutes.bytesReceived,
  bytesSent: analyticsMinutes.bytesSent,
  bytesFromPeers: analyticsMinutes.bytesFromPeers,
  bytesFromHttp: analyticsMinutes.bytesFromHttp,
  segmentsFromPeers: analyticsMinutes.segmentsFromPeers,
  segmentsFromHttp: analyticsMinutes.segmentsFromHttp,
  freezes: analyticsMinutes.freezes,
  framesDropped: analyticsMinutes.framesDropped,
  mosSum: analyticsMinutes.mosSum,
  mosCount: analyticsMinutes.mosCount,
  scoreSum: analyticsMinutes.scoreSum,
  scoreCount: analyticsMinutes.scoreCount,
  candidateHost: analyticsMinutes.candidateHost,
  candidateSrflx: analyticsMinutes.candidateSrflx,
  candidatePrflx: analyticsMinutes.candidatePrflx,
  candidateRelay: analyticsMinutes.candidateRelay,
  rttH0: analyticsMinutes.rttH0,
  rttH1: analyticsMinutes.rttH1,
  rttH2: analyticsMinutes.rttH2,
  rttH3: analyticsMinutes.rttH3,
  rttH4: analyticsMinutes.rttH4,
  rttH5: analyticsMinutes.rttH5,
  rttH6: analyticsMinutes.rttH6,
  rttH7: analyticsMinutes.rttH7,
  rttH8: analyticsMinutes.rttH8,
  mosBad: analyticsMinutes.mosBad,
  mosPoor: analyticsMinutes.mosPoor,
  mosFair: analyticsMinutes.mosFair,
  mosGood: analyticsMinutes.mosGood,
  mosExcellent: analyticsMinutes.mosExcellent,
  connAttempted: analyticsMinutes.connAttempted,
  connConnected: analyticsMinutes.connConnected,
  connFailed: analyticsMinutes.connFailed,
  setupMsSum: analyticsMinutes.setupMsSum,
  setupCount: analyticsMinutes.setupCount,
} as const;

type Sums = { [K in keyof typeof SUM_COLUMNS]: number };

const sums = Object.fromEntries(
  Object.entries(SUM_COLUMNS).map(([key, column]) => [key, sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number)]),
) as { [K in keyof typeof SUM_COLUMNS]: SQL.Aliased<number> | SQL<number> };

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
  for (const key of Object.keys(SUM_COLUMNS) as (keyof Sums)[]) {
    if (key in rollup) (rollup as unknown as Record<string, number>)[key] = row[key];
  }
  rollup.rttMaxMs = row.rttMaxMs;
  rollup.rttHistogram = [row.rttH0, row.rttH1, row.rttH2, row.rttH3, row.rttH4, row.rttH5, row.rttH6, row.rttH7, row.rttH8];
  rollup.mosHistogram = MOS_HISTOGRAM_BANDS.map((band) => row[MOS_FIELD[band] as keyof Sums]);
  return rollup;
}

function minuteConditions(filter: AnalyticsFilter): SQL {
  const conditions: SQL[] = [between(analyticsMinutes.minute, filter.from, filter.to)];
  if (filter.videoId) conditions.push(eq(analyticsMinutes.videoId, filter.videoId));
  if (filter.roomId) conditions.push(eq(analyticsMinutes.roomId, filter.roomId));
  if (filter.country) conditions.push(eq(analyticsMinutes.country, filter.country));
  if (filter.candidateType) conditions.push(eq(analyticsMinutes.candidateType, filter.candidateType));
  return and(...conditions) as SQL;
}

function sessionConditions(filter: Omit<AnalyticsFilter, 'from' | 'to'>): SQL[] {
  const conditions: SQL[] = [];
  if (filter.videoId) conditions.push(eq(peerSessions.videoId, filter.videoId));
  if (filter.roomId) conditions.push(eq(peerSessions.roomId, filter.roomId));
  if (filter.country) conditions.push(eq(peerSessions.country, filter.country));
  return conditions;
}

export async function aggregate(db: Database, filter: AnalyticsFilter): Promise<AggregatedRow> {
  const row = await db
    .select({ ...sums, rttMaxMs: sql<number>`coalesce(max(${analyticsMinutes.rttMaxMs}), 0)`.mapWith(Number) })
    .from(analyticsMinutes)
    .where(minuteConditions(filter))
    .get();
  return row as AggregatedRow;
}

/** Sessions seen in the range, and those seen in the last minute before `to` (active peers). */
export async function sessionCounts(db: Database, filter: AnalyticsFilter, activeWindowMs = 60_000) {
  const conditions = sessionConditions(filter);
  const row = await db
    .select({
      sessions: sql<number>`count(*)`.mapWith(Number),
      active: sql<number>`coalesce(sum(${peerSessions.lastSeenAt} >= ${filter.to - activeWindowMs}), 0)`.mapWith(Number),
    })
    .from(peerSessions)
    .where(and(gte(peerSessions.lastSeenAt, filter.from), lte(peerSessions.firstSeenAt, filter.to), ...conditions))
    .get();
  return { sessions: row?.sessions ?? 0, activePeers: row?.active ?? 0 };
}

export async function aggregateByBucket(db: Database, filter: AnalyticsFilter, bucketMs: number) {
  const bucket = sql<number>`(${analyticsMinutes.minute} / ${bucketMs}) * ${bucketMs}`.mapWith(Number);
  return (await db
    .select({ bucket, ...sums, rttMaxMs: sql<number>`coalesce(max(${analyticsMinutes.rttMaxMs}), 0)`.mapWith(Number) })
    .from(analyticsMinutes)
    .where(minuteConditions(filter))
    .groupBy(bucket)
    .orderBy(asc(bucket))
    .all()) as (AggregatedRow & { bucket: number })[];
}

/** Average concurrent peers per bucket: session-minutes in the bucket ÷ minutes in the bucket. */
export async function peersByBucket(db: Database, filter: AnalyticsFilter, bucketMs: number) {
  const bucket = sql<number>`(${sessionMinutes.minute} / ${bucketMs}) * ${bucketMs}`.mapWith(Number);
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
const DIMENSION_COLUMN = {
  country: analyticsMinutes.country,
  video: analyticsMinutes.videoId,
  room: analyticsMinutes.roomId,
  candidateType: analyticsMinutes.candidateType,
} as const;

export async function aggregateByDimension(db: Database, filter: AnalyticsFilter, by: BreakdownDimension, limit = 200) {
  const column = DIMENSION_COLUMN[by];
  return (await db
    .select({ key: column, ...sums, rttMaxMs: sql<number>`coalesce(max(${analyticsMinutes.rttMaxMs}), 0)`.mapWith(Number) })
    .from(analyticsMinutes)
    .where(minuteConditions(filter))
    .groupBy(column)
    .orderBy(desc(sql`sum(${analyticsMinutes.samples})`))
    .limit(limit)
    .all()) as (AggregatedRow & { key: string })[];
}

export type SessionSort = 'problem' | 'recent';

export async function listSessions(
  db: Database,
  filter: AnalyticsFilter,
  sort: SessionSort,
  after: [number, string] | null,
  limit: number,
) {
  const conditions: SQL[] = [
    gte(peerSessions.lastSeenAt, filter.from),
    lte(peerSessions.firstSeenAt, filter.to),
    ...sessionConditions(filter),
  ];
  const key = sort === 'problem' ? peerSessions.problemScore : peerSessions.lastSeenAt;
  if (after) conditions.push(or(lt(key, after[0]), and(eq(key, after[0]), lt(peerSessions.sessionId, after[1]))) as SQL);
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
