// One global object (idFromName('global')) that sums the monitoring deltas every isolate flushes: request
// counts, latency histograms, queue outcomes and Durable Object activity. A Worker's memory belongs to one
// isolate among many, so only a single summing point gives the fleet view; the isolates batch their deltas
// (src/app/monitoring/isolate-metrics.ts) so this object sees a few calls a minute per isolate, far below the ~1,000 req/s
// a single object can take. Totals live in SQLite and survive eviction; they only ever grow (counters).

import { addBuckets, BUCKET_COUNT } from '../domain/monitoring/histogram';
import type { MetricsDelta, QueueOutcome, StatusClass } from '../domain/monitoring/metrics';
import { isValidDelta } from '../domain/monitoring/metrics';
import type { Env } from '../env';
import { HealthCheckedObject } from './health';

export interface RegistryTotals extends MetricsDelta {
  flushes: number;
}

export class MonitoringRegistry extends HealthCheckedObject {
  protected readonly kind = 'MonitoringRegistry';

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS http_requests (
      route TEXT NOT NULL, method TEXT NOT NULL, status TEXT NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (route, method, status))`);
    // Per-bucket counts as a JSON array (BUCKET_COUNT long): read, added to and rewritten in one transaction.
    sql.exec(`CREATE TABLE IF NOT EXISTS http_latency (
      route TEXT PRIMARY KEY, buckets TEXT NOT NULL, sum_ms REAL NOT NULL, count INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS queue_messages (
      queue TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (queue, outcome))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS object_events (
      object TEXT NOT NULL, event TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (object, event))`);
    sql.exec('CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  }

  /** Adds one isolate's delta to the totals (RPC). All or nothing. */
  async ingest(delta: MetricsDelta): Promise<{ ok: boolean }> {
    if (!isValidDelta(delta)) return { ok: false };
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const r of delta.requests) {
        sql.exec(
          `INSERT INTO http_requests (route, method, status, count) VALUES (?, ?, ?, ?)
           ON CONFLICT (route, method, status) DO UPDATE SET count = count + excluded.count`,
          r.route,
          r.method,
          r.status,
          r.count,
        );
      }
      for (const l of delta.latencies) {
        const existing = sql.exec<{ buckets: string }>('SELECT buckets FROM http_latency WHERE route = ?', l.route).toArray()[0];
        const buckets = existing ? addBuckets(JSON.parse(existing.buckets) as number[], l.buckets) : [...l.buckets];
        sql.exec(
          `INSERT INTO http_latency (route, buckets, sum_ms, count) VALUES (?, ?, ?, ?)
           ON CONFLICT (route) DO UPDATE SET buckets = excluded.buckets, sum_ms = sum_ms + excluded.sum_ms,
             count = count + excluded.count`,
          l.route,
          JSON.stringify(buckets),
          l.sumMs,
          l.count,
        );
      }
      for (const q of delta.queues) {
        sql.exec(
          `INSERT INTO queue_messages (queue, outcome, count) VALUES (?, ?, ?)
           ON CONFLICT (queue, outcome) DO UPDATE SET count = count + excluded.count`,
          q.queue,
          q.outcome,
          q.count,
        );
      }
      for (const o of delta.objects) {
        sql.exec(
          `INSERT INTO object_events (object, event, count) VALUES (?, ?, ?)
           ON CONFLICT (object, event) DO UPDATE SET count = count + excluded.count`,
          o.object,
          o.event,
          o.count,
        );
      }
      sql.exec(
        `INSERT INTO registry_meta (key, value) VALUES ('flushes', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1`,
      );
    });
    return { ok: true };
  }

  /** Every total so far (RPC). */
  async totals(): Promise<RegistryTotals> {
    const sql = this.ctx.storage.sql;
    const requests = sql
      .exec<{ route: string; method: string; status: string; count: number }>('SELECT route, method, status, count FROM http_requests')
      .toArray()
      .map((r) => ({ ...r, status: r.status as StatusClass }));
    const latencies = sql
      .exec<{ route: string; buckets: string; sum_ms: number; count: number }>('SELECT route, buckets, sum_ms, count FROM http_latency')
      .toArray()
      .map((l) => {
        const buckets = JSON.parse(l.buckets) as number[];
        return { route: l.route, buckets: buckets.length === BUCKET_COUNT ? buckets : [], sumMs: l.sum_ms, count: l.count };
      })
      .filter((l) => l.buckets.length === BUCKET_COUNT);
    const queues = sql
      .exec<{ queue: string; outcome: string; count: number }>('SELECT queue, outcome, count FROM queue_messages')
      .toArray()
      .map((q) => ({ ...q, outcome: q.outcome as QueueOutcome }));
    const objects = sql.exec<{ object: string; event: string; count: number }>('SELECT object, event, count FROM object_events').toArray();
    const flushes = sql.exec<{ value: number }>("SELECT value FROM registry_meta WHERE key = 'flushes'").toArray()[0]?.value ?? 0;
    return { requests, latencies, queues, objects, flushes };
  }
}
