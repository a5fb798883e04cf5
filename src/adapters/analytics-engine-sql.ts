// A thin client for Cloudflare's Workers Analytics Engine SQL API, for ad-hoc reads of the raw points the
// PeerMetricsAggregator writes (dataset vibestream_peer_stats).
//
// Documented contract (developers.cloudflare.com/analytics/analytics-engine/sql-api/):
//   POST https://api.cloudflare.com/client/v4/accounts/{account_id}/analytics_engine/sql
//   Authorization: Bearer <API token with Account Analytics: Read>
//   body: the SQL text itself; the result format is chosen in the query (FORMAT JSON → ClickHouse's JSON
//   output: { meta: [{ name, type }], data: [row objects], rows, rows_before_limit_at_least? }).
// The SQL API exists only in production; locally it is checked against test/contract/analytics-engine-sql-server.ts.
//
// The API has no bind parameters: every value in a query is text we write into the SQL. So nothing from a
// request reaches the SQL unless it first matched a whitelist pattern (ids) or was parsed into a number we
// format ourselves (times, limits); string literals are additionally escaped. Never build a query from a raw
// caller string.

export const DEFAULT_AE_SQL_API_URL = 'https://api.cloudflare.com/client/v4';
export const PEER_STATS_DATASET = 'vibestream_peer_stats';
/** Same shape as the session ids the ingest API accepts (src/workers/analytics/schemas.ts). */
export const SESSION_ID_PATTERN = /^ses_[a-z0-9]{6,40}$/;
const ACCOUNT_ID_PATTERN = /^[0-9a-f]{32}$/;
const REQUEST_TIMEOUT_MS = 15_000;

export interface AnalyticsEngineSqlOptions {
  accountId: string;
  apiToken: string;
  /** API root without the /accounts part (default DEFAULT_AE_SQL_API_URL); tests point it at a local server. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export interface AnalyticsEngineSqlResult<Row> {
  meta: { name: string; type: string }[];
  data: Row[];
  rows: number;
  rowsBeforeLimitAtLeast?: number;
}

export class AnalyticsEngineSqlError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'AnalyticsEngineSqlError';
  }
}

export class AnalyticsEngineSqlClient {
  readonly endpoint: string;

  constructor(private readonly options: AnalyticsEngineSqlOptions) {
    if (!ACCOUNT_ID_PATTERN.test(options.accountId)) throw new Error('AE account id must be 32 hex characters');
    if (!options.apiToken) throw new Error('AE API token is empty');
    const base = (options.baseUrl || DEFAULT_AE_SQL_API_URL).replace(/\/+$/, '');
    this.endpoint = `${base}/accounts/${options.accountId}/analytics_engine/sql`;
  }

  /** Runs a query that ends in FORMAT JSON and returns its rows. */
  async query<Row = Record<string, unknown>>(sql: string): Promise<AnalyticsEngineSqlResult<Row>> {
    const init: RequestInit = {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.options.apiToken}`, 'Content-Type': 'text/plain; charset=utf-8' },
      body: sql,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    };
    // Called as a method (not through a detached reference): Workers' fetch throws when invoked unbound.
    const response = this.options.fetch ? await this.options.fetch(this.endpoint, init) : await fetch(this.endpoint, init);
    const text = await response.text();
    if (!response.ok) {
      throw new AnalyticsEngineSqlError(`Analytics Engine SQL API answered ${response.status}`, response.status, text.slice(0, 500));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AnalyticsEngineSqlError('Analytics Engine SQL API returned something other than JSON', response.status, text.slice(0, 200));
    }
    const body = parsed as { meta?: unknown; data?: unknown; rows?: unknown; rows_before_limit_at_least?: unknown };
    if (!Array.isArray(body.meta) || !Array.isArray(body.data)) {
      throw new AnalyticsEngineSqlError('Analytics Engine SQL API response lacks meta/data', response.status, text.slice(0, 200));
    }
    return {
      meta: body.meta as { name: string; type: string }[],
      data: body.data as Row[],
      rows: typeof body.rows === 'number' ? body.rows : body.data.length,
      ...(typeof body.rows_before_limit_at_least === 'number' ? { rowsBeforeLimitAtLeast: body.rows_before_limit_at_least } : {}),
    };
  }
}

/** The client when AE_ACCOUNT_ID and AE_API_TOKEN are set (and well formed), otherwise null. */
export function analyticsEngineSqlFromEnv(env: {
  AE_ACCOUNT_ID?: string;
  AE_API_TOKEN?: string;
  AE_SQL_API_URL?: string;
}): AnalyticsEngineSqlClient | null {
  if (!env.AE_ACCOUNT_ID || !env.AE_API_TOKEN || !ACCOUNT_ID_PATTERN.test(env.AE_ACCOUNT_ID)) return null;
  return new AnalyticsEngineSqlClient({ accountId: env.AE_ACCOUNT_ID, apiToken: env.AE_API_TOKEN, baseUrl: env.AE_SQL_API_URL });
}

// ---- Query building: whitelist first, then escape ----

/** A quoted SQL string literal for a value that must match `allowed` (the escaping is a second line of defence). */
export function sqlString(value: string, allowed: RegExp): string {
  if (!allowed.test(value)) throw new RangeError('value not allowed in a query');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An integer literal within [min, max]. */
export function sqlInteger(value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError('integer out of range');
  return String(value);
}

/** A DateTime literal (UTC, whole seconds) from epoch milliseconds. */
export function sqlDateTime(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs < 0 || epochMs > 4_102_444_800_000) throw new RangeError('time out of range');
  const text = new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `toDateTime('${text}')`;
}

export const MAX_RAW_ROWS = 1000;

export interface SessionPointsQuery {
  sessionId: string;
  fromMs: number;
  toMs: number;
  limit: number;
}

/**
 * Raw points of one peer session, newest first. Column order is the one PeerMetricsAggregator.writeDataPoints
 * writes: index1 = sessionId; blob1..7 = peerId, videoId, roomId, country, colo, pathType, connectionState;
 * double1..9 = sample ts (ms), rtt ms, jitter ms, packetsLost, packetsReceived, bytesReceived, framesPerSecond,
 * bytesFromPeers, bytesFromHttp (−1 where the sample had no value).
 */
export function sessionPointsQuery(input: SessionPointsQuery): string {
  if (!(input.fromMs < input.toMs)) throw new RangeError('from must be before to');
  return [
    'SELECT timestamp, index1 AS sessionId,',
    '  blob1 AS peerId, blob2 AS videoId, blob3 AS roomId, blob4 AS country, blob5 AS colo, blob6 AS pathType, blob7 AS connectionState,',
    '  double1 AS sampleTs, double2 AS rttMs, double3 AS jitterMs, double4 AS packetsLost, double5 AS packetsReceived,',
    '  double6 AS bytesReceived, double7 AS framesPerSecond, double8 AS bytesFromPeers, double9 AS bytesFromHttp,',
    '  _sample_interval AS sampleInterval',
    `FROM ${PEER_STATS_DATASET}`,
    `WHERE index1 = ${sqlString(input.sessionId, SESSION_ID_PATTERN)}`,
    `  AND timestamp >= ${sqlDateTime(input.fromMs)} AND timestamp < ${sqlDateTime(input.toMs)}`,
    'ORDER BY timestamp DESC',
    `LIMIT ${sqlInteger(input.limit, 1, MAX_RAW_ROWS)}`,
    'FORMAT JSON',
  ].join('\n');
}

export interface SessionPoint {
  timestamp: string;
  sessionId: string;
  peerId: string;
  videoId: string | null;
  roomId: string | null;
  country: string | null;
  colo: string | null;
  pathType: string | null;
  connectionState: string | null;
  sampleTs: number;
  rttMs: number | null;
  jitterMs: number | null;
  packetsLost: number | null;
  packetsReceived: number | null;
  bytesReceived: number | null;
  framesPerSecond: number | null;
  bytesFromPeers: number | null;
  bytesFromHttp: number | null;
  /** How many written points this row stands for (Analytics Engine samples at high volume). */
  sampleInterval: number;
}

// ClickHouse's JSON output quotes 64-bit integers, so numbers may arrive as strings.
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const measured = (value: unknown): number | null => {
  const n = num(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
};
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function toSessionPoint(row: Record<string, unknown>): SessionPoint {
  return {
    timestamp: String(row.timestamp ?? ''),
    sessionId: String(row.sessionId ?? ''),
    peerId: String(row.peerId ?? ''),
    videoId: text(row.videoId),
    roomId: text(row.roomId),
    country: text(row.country),
    colo: text(row.colo),
    pathType: text(row.pathType),
    connectionState: text(row.connectionState),
    sampleTs: num(row.sampleTs),
    rttMs: measured(row.rttMs),
    jitterMs: measured(row.jitterMs),
    packetsLost: measured(row.packetsLost),
    packetsReceived: measured(row.packetsReceived),
    bytesReceived: measured(row.bytesReceived),
    framesPerSecond: measured(row.framesPerSecond),
    bytesFromPeers: measured(row.bytesFromPeers),
    bytesFromHttp: measured(row.bytesFromHttp),
    sampleInterval: num(row.sampleInterval ?? 1) || 1,
  };
}
