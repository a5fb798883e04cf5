// Dashboard query latency with ≥ 1M rollup rows: the analytics API through `wrangler dev` (auth, validation,
// D1, JSON) beside the very same drizzle queries run on plain SQLite (better-sqlite3) over a copy of the same
// database file, in the same run.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import {
  type AnalyticsFilter,
  aggregateByBucket,
  aggregateByDimension,
  listSessions,
  summaryFigures,
} from '../src/adapters/db/analytics-queries';
import * as schema from '../src/adapters/db/schema';
import { hashPassword } from '../src/domain/password';
import { fetchOnce, timeSequential } from './lib/load';

export const BENCH_ADMIN = { email: 'bench-admin@vibestream.local', password: 'bench admin passphrase' };
const MINUTE = 60_000;

export function d1File(persistDir: string): string {
  const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return join(dir, file);
}

/**
 * Fills the local D1 file directly (the server is not running yet): `rows` fleet minute rows spread over the
 * last 7 days (videos × countries × path types per minute), as many session-minute rows, and their sessions.
 */
export async function bulkLoad(
  persistDir: string,
  rows: number,
  now: number,
): Promise<{ analyticsMinutes: number; sessionMinutes: number; sessions: number }> {
  const db = new Database(d1File(persistDir));
  db.pragma('journal_mode = WAL');
  const minutes = 7 * 24 * 60;
  const combos = Math.ceil(rows / minutes);
  const videos = Array.from({ length: 10 }, (_, i) => `vid_benchvideo${String(i).padStart(4, '0')}`);
  const countries = ['US', 'DE', 'BR', 'IN', 'JP', 'NG', 'FR', 'GB', 'CA', 'AU'];
  const types = ['host', 'srflx', 'relay'];
  const first = Math.floor(now / MINUTE) * MINUTE - minutes * MINUTE;
  const insertFleet = db.prepare(
    `INSERT INTO analytics_minutes (minute, video_id, room_id, country, candidate_type, samples, rtt_sum_ms, rtt_count, rtt_max_ms, jitter_sum_ms, jitter_count,
      packets_lost, packets_received, bytes_received, bytes_from_peers, bytes_from_http, mos_sum, mos_count, score_sum, score_count,
      candidate_host, candidate_srflx, candidate_relay, rtt_h1, rtt_h2, rtt_h3, rtt_h5, mos_excellent, mos_good, mos_fair, conn_attempted, conn_connected, conn_failed, setup_ms_sum, setup_count)
     VALUES (?, ?, '', ?, ?, 60, ?, 60, ?, 300, 60, ?, 3000, 4000000, ?, ?, 256, 60, 5100, 60, ?, ?, ?, 20, 25, 10, 5, 40, 15, 5, 3, 3, ?, 900, 3)`,
  );
  let fleet = 0;
  const loadFleet = db.transaction(() => {
    for (let m = 0; m < minutes && fleet < rows; m++) {
      for (let c = 0; c < combos && fleet < rows; c++) {
        const video = videos[c % videos.length] as string;
        const country = countries[Math.floor(c / videos.length) % countries.length] as string;
        const type = types[Math.floor(c / (videos.length * countries.length)) % types.length] as string;
        const rtt = type === 'relay' ? 180 : 60 + (c % 9) * 5;
        insertFleet.run(
          first + m * MINUTE,
          video,
          country,
          type,
          rtt * 60,
          rtt * 1.8,
          c % 7,
          3_000_000,
          1_000_000,
          type === 'host' ? 60 : 0,
          type === 'srflx' ? 60 : 0,
          type === 'relay' ? 60 : 0,
          c % 13 === 0 ? 1 : 0,
        );
        fleet++;
      }
    }
  });
  loadFleet();

  // The hourly rollup the aggregators would have written alongside: the same rows summed per hour.
  const metricColumns = (db.prepare('PRAGMA table_info(analytics_minutes)').all() as { name: string }[])
    .map((column) => column.name)
    .filter((name) => !['minute', 'video_id', 'room_id', 'country', 'candidate_type'].includes(name));
  const aggregates = metricColumns.map((name) => (name.endsWith('_max_ms') || name.endsWith('_max') ? `max(${name})` : `sum(${name})`));
  db.exec(
    `INSERT INTO analytics_hours (hour, video_id, room_id, country, candidate_type, ${metricColumns.join(', ')})
     SELECT (minute / 3600000) * 3600000, video_id, room_id, country, candidate_type, ${aggregates.join(', ')}
     FROM analytics_minutes GROUP BY 1, 2, 3, 4, 5`,
  );

  const sessionCount = Math.max(1, Math.round(rows / 200));
  const insertSession = db.prepare(
    `INSERT INTO peer_sessions (session_id, peer_id, video_id, country, first_seen_at, last_seen_at, samples, score, mos, tier, rtt_ms, loss_rate,
      bytes_from_peers, bytes_from_http, offload_ratio, relay_only, freezes, conn_attempted, conn_connected, conn_failed, problem_score)
     VALUES (?, ?, ?, ?, ?, ?, 12000, ?, 4.1, 'good', 80, 0.002, 900000000, 300000000, 0.75, 0, ?, 3, 3, 0, ?)`,
  );
  const insertSessionMinute = db.prepare(
    `INSERT INTO session_minutes (session_id, minute, samples, rtt_sum_ms, rtt_count, packets_received, bytes_from_peers, bytes_from_http, mos_sum, mos_count)
     VALUES (?, ?, 60, 4800, 60, 3000, 3000000, 1000000, 246, 60)`,
  );
  let sessionRows = 0;
  const loadSessions = db.transaction(() => {
    for (let s = 0; s < sessionCount; s++) {
      const id = `ses_bench${String(s).padStart(10, '0')}`;
      const startMinute = first + Math.floor((s / sessionCount) * (minutes - 200)) * MINUTE;
      insertSession.run(
        id,
        `peer_bench${s}`,
        videos[s % videos.length],
        countries[s % countries.length],
        startMinute,
        startMinute + 199 * MINUTE,
        60 + (s % 40),
        s % 5,
        40 - (s % 40),
      );
      for (let m = 0; m < 200; m++) {
        insertSessionMinute.run(id, startMinute + m * MINUTE);
        sessionRows++;
      }
    }
  });
  loadSessions();

  const now_ = Date.now();
  db.prepare(
    `INSERT INTO users (id, email, password_hash, display_name, role, created_at, updated_at) VALUES ('usr_benchadminbenchadminbe', ?, ?, 'Bench admin', 'admin', ?, ?)`,
  ).run(BENCH_ADMIN.email, await hashPassword(BENCH_ADMIN.password), now_, now_);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { analyticsMinutes: fleet, sessionMinutes: sessionRows, sessions: sessionCount };
}

export interface QueryCase {
  name: string;
  path: (to: number) => string;
  direct: (db: ReturnType<typeof drizzle<typeof schema>>, to: number) => Promise<unknown> | unknown;
}

export function queryCases(cacheTo = Date.now()): QueryCase[] {
  const filter = (to: number, hours: number, extra: Partial<AnalyticsFilter> = {}): AnalyticsFilter => ({
    from: to - hours * 3600_000,
    to,
    ...extra,
  });
  const cases: QueryCase[] = [
    {
      name: 'summary, last 1 h',
      path: (to) => `/api/v1/analytics/summary?from=${to - 3600_000}&to=${to}`,
      direct: (db, to) => summaryFigures(db as never, filter(to, 1)),
    },
    {
      name: 'summary, last 24 h',
      path: (to) => `/api/v1/analytics/summary?from=${to - 86_400_000}&to=${to}`,
      direct: (db, to) => summaryFigures(db as never, filter(to, 24)),
    },
    {
      // Same URL every time: after the first request the 30 s edge cache answers (the dashboard's polling case).
      name: 'summary, last 24 h, edge-cache hit',
      path: () => `/api/v1/analytics/summary?from=${cacheTo - 86_400_000}&to=${cacheTo}`,
      direct: (db, to) => summaryFigures(db as never, filter(to, 24)),
    },
    {
      name: 'summary, last 24 h, one video',
      path: (to) => `/api/v1/analytics/summary?from=${to - 86_400_000}&to=${to}&videoId=vid_benchvideo0003`,
      direct: (db, to) => summaryFigures(db as never, filter(to, 24, { videoId: 'vid_benchvideo0003' })),
    },
    {
      name: 'timeseries rtt, 24 h in 1 h buckets (dashboard 24 h preset)',
      path: (to) => `/api/v1/analytics/timeseries?metric=rtt&bucket=1h&from=${to - 86_400_000}&to=${to}`,
      direct: (db, to) => aggregateByBucket(db as never, filter(to, 24), 3_600_000),
    },
    {
      name: 'timeseries rtt, 6 h in 5 min buckets (dashboard 6 h preset)',
      path: (to) => `/api/v1/analytics/timeseries?metric=rtt&bucket=5m&from=${to - 6 * 3_600_000}&to=${to}`,
      direct: (db, to) => aggregateByBucket(db as never, filter(to, 6), 300_000),
    },
    {
      name: 'timeseries mos, 1 h in 1 min buckets',
      path: (to) => `/api/v1/analytics/timeseries?metric=mos&bucket=1m&from=${to - 3600_000}&to=${to}`,
      direct: (db, to) => aggregateByBucket(db as never, filter(to, 1), 60_000),
    },
    {
      name: 'breakdown by country, 24 h',
      path: (to) => `/api/v1/analytics/breakdown?by=country&from=${to - 86_400_000}&to=${to}`,
      direct: (db, to) => aggregateByDimension(db as never, filter(to, 24), 'country'),
    },
    {
      name: 'top problem sessions, 24 h',
      path: (to) => `/api/v1/analytics/sessions?sort=problem&limit=20&from=${to - 86_400_000}&to=${to}`,
      direct: (db, to) => listSessions(db as never, filter(to, 24), 'problem', null, 20),
    },
  ];
  return cases;
}

export interface QueryBenchResult {
  /** The hello route (`GET /api/v1/ping`), same client and server: the HTTP floor under every API number. */
  hello: { p50Ms: number; p95Ms: number };
  rows: QueryBenchRow[];
}

export interface QueryBenchRow {
  name: string;
  api: { p50Ms: number; p95Ms: number };
  sqlite: { p50Ms: number; p95Ms: number };
  ratioP95: number;
}

export async function benchQueries(baseUrl: string, persistDir: string, now: number, repetitions: number): Promise<QueryBenchResult> {
  const login = await fetchOnce(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  // A private copy of the same file for plain SQLite, so both read identical data and indexes.
  const copy = `${d1File(persistDir)}.bench-copy`;
  copyFileSync(d1File(persistDir), copy);
  const sqlite = new Database(copy, { readonly: true });
  const db = drizzle(sqlite, { schema });
  const hello = await timeSequential(repetitions, async () => (await fetchOnce(`${baseUrl}/api/v1/ping`)).arrayBuffer());
  const rows: QueryBenchRow[] = [];
  for (const query of queryCases()) {
    // A different `to` per request (1 ms apart) defeats the 30 s edge cache: every request runs its SQL.
    await fetchOnce(`${baseUrl}${query.path(now - 1)}`, { headers: { Authorization: `Bearer ${accessToken}` } });
    const api = await timeSequential(repetitions, async (i) => {
      const response = await fetchOnce(`${baseUrl}${query.path(now + i)}`, { headers: { Authorization: `Bearer ${accessToken}` } });
      if (!response.ok) throw new Error(`${query.name}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    });
    await query.direct(db, now - 1);
    const direct = await timeSequential(repetitions, (i) => query.direct(db, now + i));
    rows.push({ name: query.name, api, sqlite: direct, ratioP95: api.p95Ms / direct.p95Ms });
  }
  sqlite.close();
  return { hello, rows };
}
