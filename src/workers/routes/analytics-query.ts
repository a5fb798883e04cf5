// Operator analytics: fleet summary, time series, breakdowns, problem sessions and drill-down, and export.
// Admins (or API keys with analytics:read) only. Aggregates are cached at the edge for 30 s: dashboards poll,
// and a minute rollup changes at most every few seconds.

import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type AggregatedRow,
  type AnalyticsFilter,
  aggregateByBucket,
  aggregateByDimension,
  findSession,
  listSessions,
  peersByBucket,
  sessionEvents,
  sessionMinuteRows,
  summaryFigures,
} from '../../adapters/db/analytics-queries';
import type { peerSessions } from '../../adapters/db/analytics-schema';
import { openDatabase } from '../../adapters/db/client';
import { toPage } from '../../domain/pagination';
import { CANDIDATE_TYPES } from '../../domain/quality/types';
import { breakdownRow, metricValue, minuteRow, rowsToCsv, summaryReport, TIMESERIES_METRICS } from '../analytics/reports';
import { keysetFromCursor } from '../cursor';
import type { AppEnv } from '../env';
import { badRequest, notFound } from '../errors';
import { requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonResponse, PaginationQuery, pageOf } from '../openapi';

export const analyticsQueryRoutes = createRouter();
const analyticsReader = requireAuth({ role: 'admin', scope: 'analytics:read' });

export const AGGREGATE_CACHE_SECONDS = 30;
const MAX_RANGE_MS = 31 * 86_400_000;
const HOUR_MS = 3_600_000;

const Time = z
  .union([z.coerce.number().int().positive(), z.iso.datetime({ offset: true })])
  .optional()
  .openapi({ description: 'ISO 8601 or epoch milliseconds' });
const FilterQuery = {
  from: Time,
  to: Time,
  videoId: z.string().max(64).optional(),
  roomId: z.string().max(64).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'ISO 3166 alpha-2 country code')
    .transform((c) => c.toUpperCase())
    .optional(),
  candidateType: z.enum(CANDIDATE_TYPES).optional(),
};

type FilterInput = {
  from?: number | string;
  to?: number | string;
  videoId?: string;
  roomId?: string;
  country?: string;
  candidateType?: string;
};

function toFilter(query: FilterInput, now = Date.now()): AnalyticsFilter {
  const at = (value: number | string | undefined) =>
    value === undefined ? undefined : typeof value === 'number' ? value : Date.parse(value);
  const to = at(query.to) ?? now;
  const from = at(query.from) ?? to - HOUR_MS;
  if (!(from < to)) throw badRequest('"from" must be before "to"');
  if (to - from > MAX_RANGE_MS) throw badRequest('The range may span at most 31 days');
  return { from, to, videoId: query.videoId, roomId: query.roomId, country: query.country, candidateType: query.candidateType };
}

/** Serves a JSON aggregate from the edge cache when an identical query ran in the last 30 s. */
async function cachedJson(c: Context<AppEnv>, compute: () => Promise<unknown>): Promise<Response> {
  const cache = typeof caches !== 'undefined' ? (caches as unknown as { default?: Cache }).default : undefined;
  // Keyed by URL only: every caller allowed here (admins, analytics:read keys) sees the same fleet data.
  const key = new Request(new URL(c.req.url).toString(), { method: 'GET' });
  const clientHeaders = { 'Content-Type': 'application/json', 'Cache-Control': `private, max-age=${AGGREGATE_CACHE_SECONDS}` };
  const hit = await cache?.match(key);
  if (hit) return new Response(hit.body, { headers: { ...clientHeaders, 'X-Cache': 'HIT' } });
  const body = JSON.stringify(await compute());
  // The edge copy must be storable (the Cache API skips "private"); it is reachable only through this handler,
  // after the caller's role was checked. Browsers get "private".
  if (cache) {
    const stored = new Response(body, {
      headers: { 'Content-Type': 'application/json', 'Cache-Control': `max-age=${AGGREGATE_CACHE_SECONDS}` },
    });
    c.executionCtx.waitUntil(cache.put(key, stored).catch(() => {}));
  }
  return new Response(body, { headers: { ...clientHeaders, 'X-Cache': 'MISS' } });
}

async function summaryOf(c: Context<AppEnv>, filter: AnalyticsFilter) {
  const { row, counts } = await summaryFigures(openDatabase(c.env.DB), filter);
  return summaryReport(row, counts, filter);
}

const BUCKETS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '1d': 86_400 } as const;
const TimeseriesQuery = z.strictObject({
  metric: z.enum(TIMESERIES_METRICS),
  bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS, ...(keyof typeof BUCKETS)[]]).default('1m'),
  ...FilterQuery,
});

async function timeseriesOf(c: Context<AppEnv>, query: z.infer<typeof TimeseriesQuery>) {
  const filter = toFilter(query);
  const bucketMs = BUCKETS[query.bucket] * 1000;
  if ((filter.to - filter.from) / bucketMs > 2000) throw badRequest('Too many buckets: choose a larger bucket or a shorter range');
  const db = openDatabase(c.env.DB);
  const points: { t: string; value: number | null }[] = [];
  if (query.metric === 'activePeers') {
    for (const row of await peersByBucket(db, filter, bucketMs)) {
      points.push({ t: new Date(row.bucket).toISOString(), value: Number((row.sessionMinutes / (bucketMs / 60_000)).toFixed(2)) });
    }
  } else {
    const metric = query.metric;
    for (const row of await aggregateByBucket(db, filter, bucketMs))
      points.push({ t: new Date(row.bucket).toISOString(), value: metricValue(metric, row) });
  }
  return { metric: query.metric, bucketSeconds: bucketMs / 1000, points };
}

const BreakdownQuery = z.strictObject({ by: z.enum(['country', 'video', 'room', 'candidateType']), ...FilterQuery });
async function breakdownOf(c: Context<AppEnv>, query: z.infer<typeof BreakdownQuery>) {
  const rows = await aggregateByDimension(openDatabase(c.env.DB), toFilter(query), query.by);
  return { by: query.by, rows: rows.map(breakdownRow) };
}

type SessionRow = typeof peerSessions.$inferSelect;
const iso = (ms: number) => new Date(ms).toISOString();
function sessionItem(row: SessionRow) {
  return {
    sessionId: row.sessionId,
    peerId: row.peerId,
    userId: row.userId,
    videoId: row.videoId,
    roomId: row.roomId,
    country: row.country,
    colo: row.colo,
    firstSeenAt: iso(row.firstSeenAt),
    lastSeenAt: iso(row.lastSeenAt),
    samples: row.samples,
    score: row.score,
    mos: row.mos,
    tier: row.tier,
    rttMs: row.rttMs,
    lossRate: row.lossRate,
    offloadRatio: row.offloadRatio,
    relayOnly: row.relayOnly,
    freezes: row.freezes,
    problemScore: row.problemScore,
  };
}

const SessionsQuery = z.strictObject({ sort: z.enum(['problem', 'recent']).default('problem'), ...FilterQuery, ...PaginationQuery });
async function sessionsPage(c: Context<AppEnv>, query: z.infer<typeof SessionsQuery>) {
  const after = keysetFromCursor(query.cursor);
  const rows = await listSessions(openDatabase(c.env.DB), toFilter(query), query.sort, after, query.limit);
  return toPage(rows, query.limit, (row) => [query.sort === 'problem' ? row.problemScore : row.lastSeenAt, row.sessionId], sessionItem);
}

// --- routes -------------------------------------------------------------------------------------------------

const Summary = z
  .object({
    range: z.object({ from: z.string(), to: z.string() }),
    activePeers: z.number(),
    sessions: z.number(),
    samples: z.number(),
    connections: z.object({
      attempted: z.number(),
      connected: z.number(),
      failed: z.number(),
      successRate: z.number().nullable(),
      setupMsAvg: z.number().nullable(),
    }),
    rttMs: z.object({ avg: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable() }),
    jitterMsAvg: z.number().nullable(),
    lossRate: z.number().nullable(),
    mos: z.object({ avg: z.number().nullable(), distribution: z.record(z.string(), z.number()) }),
    scoreAvg: z.number().nullable(),
    p2p: z.object({ bytesFromPeers: z.number(), bytesFromHttp: z.number(), offloadRatio: z.number().nullable() }),
    candidateTypes: z.record(z.string(), z.number()),
    freezes: z.number(),
  })
  .openapi('AnalyticsSummary');

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/summary',
    tags: ['Analytics'],
    summary: 'Fleet summary: peers, connection success, RTT, loss, jitter, MOS, P2P offload',
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: { query: z.strictObject(FilterQuery) },
    responses: { 200: jsonResponse(Summary, 'Summary over the range (cached ≤ 30 s)'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const filter = toFilter(c.req.valid('query'));
    return cachedJson(c, () => summaryOf(c, filter)) as never;
  },
);

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/timeseries',
    tags: ['Analytics'],
    summary: 'One metric over time in fixed buckets',
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: { query: TimeseriesQuery },
    responses: {
      200: jsonResponse(
        z
          .object({
            metric: z.string(),
            bucketSeconds: z.number(),
            points: z.array(z.object({ t: z.string(), value: z.number().nullable() })),
          })
          .openapi('Timeseries'),
        'Points (cached ≤ 30 s)',
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    return cachedJson(c, () => timeseriesOf(c, query)) as never;
  },
);

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/breakdown',
    tags: ['Analytics'],
    summary: 'Metrics grouped by country, video, room or ICE candidate type',
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: { query: BreakdownQuery },
    responses: {
      200: jsonResponse(
        z.object({ by: z.string(), rows: z.array(z.record(z.string(), z.unknown())) }).openapi('Breakdown'),
        'Rows (cached ≤ 30 s)',
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    return cachedJson(c, () => breakdownOf(c, query)) as never;
  },
);

const SessionItem = z
  .object({
    sessionId: z.string(),
    peerId: z.string(),
    userId: z.string().nullable(),
    videoId: z.string().nullable(),
    roomId: z.string().nullable(),
    country: z.string().nullable(),
    colo: z.string().nullable(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    samples: z.number(),
    score: z.number().nullable(),
    mos: z.number().nullable(),
    tier: z.string().nullable(),
    rttMs: z.number().nullable(),
    lossRate: z.number().nullable(),
    offloadRatio: z.number().nullable(),
    relayOnly: z.boolean(),
    freezes: z.number(),
    problemScore: z.number(),
  })
  .openapi('PeerSession');

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/sessions',
    tags: ['Analytics'],
    summary: 'Peer sessions, worst first (sort=problem) or most recent first',
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: { query: SessionsQuery },
    responses: { 200: jsonResponse(pageOf(SessionItem, 'PeerSessionPage'), 'A page of sessions'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => c.json(await sessionsPage(c, c.req.valid('query')), 200),
);

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/sessions/{sessionId}',
    tags: ['Analytics'],
    summary: "One session's drill-down: per-minute metrics and connection events",
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: {
      params: z.object({
        sessionId: z
          .string()
          .regex(/^ses_[a-z0-9]{6,40}$/)
          .openapi({ param: { name: 'sessionId', in: 'path' } }),
      }),
    },
    responses: {
      200: jsonResponse(
        z
          .object({
            session: SessionItem,
            minutes: z.array(z.record(z.string(), z.unknown())),
            events: z.array(z.record(z.string(), z.unknown())),
          })
          .openapi('SessionDetail'),
        'The session',
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const { sessionId } = c.req.valid('param');
    const db = openDatabase(c.env.DB);
    const session = await findSession(db, sessionId);
    if (!session) throw notFound('Session');
    const [minutes, events] = await Promise.all([sessionMinuteRows(db, sessionId), sessionEvents(db, sessionId)]);
    return c.json(
      {
        session: sessionItem(session),
        minutes: minutes.map((row) => minuteRow({ ...(row as unknown as AggregatedRow), minute: row.minute })),
        events: events.map((event) => ({ ...event, ts: iso(event.ts), id: undefined, sessionId: undefined })),
      },
      200,
    );
  },
);

const ExportQuery = z
  .object({
    report: z.enum(['summary', 'timeseries', 'breakdown', 'sessions']),
    format: z.enum(['csv', 'json']).default('csv'),
    metric: z.enum(TIMESERIES_METRICS).optional(),
    bucket: TimeseriesQuery.shape.bucket,
    by: BreakdownQuery.shape.by.optional(),
    sort: SessionsQuery.shape.sort,
    ...FilterQuery,
  })
  .strict();

// Rows per export of sessions: enough for a day of a busy fleet, bounded so one request stays within limits.
const MAX_EXPORT_SESSIONS = 10_000;

analyticsQueryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/export',
    tags: ['Analytics'],
    summary: 'Download any report as CSV or JSON (same parameters as the report)',
    security: bearerOrKeySecurity,
    middleware: [analyticsReader] as const,
    request: { query: ExportQuery },
    responses: { 200: { description: 'The report as an attachment (text/csv or application/json)' }, ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    let rows: Record<string, unknown>[];
    let json: unknown;
    switch (query.report) {
      case 'summary': {
        const summary = await summaryOf(c, toFilter(query));
        json = summary;
        rows = [flatten(summary)];
        break;
      }
      case 'timeseries': {
        if (!query.metric) throw badRequest('metric is required for report=timeseries');
        const series = await timeseriesOf(c, { ...query, metric: query.metric });
        json = series;
        rows = series.points.map((point) => ({ t: point.t, [series.metric]: point.value }));
        break;
      }
      case 'breakdown': {
        if (!query.by) throw badRequest('by is required for report=breakdown');
        const breakdown = await breakdownOf(c, { ...query, by: query.by });
        json = breakdown;
        rows = breakdown.rows;
        break;
      }
      case 'sessions': {
        const items: ReturnType<typeof sessionItem>[] = [];
        let cursor: string | undefined;
        do {
          const page = await sessionsPage(c, { ...query, sort: query.sort, limit: 100, cursor });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && items.length < MAX_EXPORT_SESSIONS);
        json = { items };
        rows = items;
        break;
      }
    }
    const name = `vibestream-${query.report}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    const body = query.format === 'csv' ? rowsToCsv(rows) : JSON.stringify(json);
    return new Response(body, {
      headers: {
        'Content-Type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
        'Content-Disposition': `attachment; filename="${name}.${query.format}"`,
        'Cache-Control': 'no-store',
      },
    }) as never;
  },
);

/** Nested report → one flat CSV row: { rttMs: { avg } } becomes rttMs.avg. */
function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = value;
  }
  return out;
}
