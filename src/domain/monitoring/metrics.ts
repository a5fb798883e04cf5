// The monitoring data model: what an isolate accumulates between flushes (a delta), how deltas add up, and
// the fleet-wide totals the registry hands back (a snapshot). Pure: no clocks, no I/O, no Cloudflare types.
import { addBuckets, BUCKET_COUNT, emptyBuckets } from './histogram';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
export const QUEUE_OUTCOMES = ['processed', 'retried', 'dead_lettered'] as const;
export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];

export interface RequestCount {
  route: string;
  method: string;
  status: StatusClass;
  count: number;
}
export interface RouteLatency {
  route: string;
  /** Per-bucket (not cumulative) counts, BUCKET_COUNT long, the last being +Inf. */
  buckets: number[];
  sumMs: number;
  count: number;
}
export interface QueueCount {
  queue: string;
  outcome: QueueOutcome;
  count: number;
}
export interface ObjectEventCount {
  object: string;
  event: string;
  count: number;
}

/** What one isolate observed since its last flush; added into the registry as is. */
export interface MetricsDelta {
  requests: RequestCount[];
  latencies: RouteLatency[];
  queues: QueueCount[];
  objects: ObjectEventCount[];
}

/** Fleet totals since the registry was created, plus backlog gauges read from D1 at scrape time. */
export interface MetricsSnapshot extends MetricsDelta {
  /** Deltas the registry has absorbed (one per isolate flush). */
  flushes: number;
  /** Rows still in event_outbox: events written but not yet relayed to their queue. */
  outboxPending: number;
  /** Rows in dead_letters, and those of them not replayed yet. */
  deadLetters: number;
  deadLettersUnreplayed: number;
}

export function statusClass(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return '1xx';
}

export function isDeltaEmpty(delta: MetricsDelta): boolean {
  return delta.requests.length + delta.latencies.length + delta.queues.length + delta.objects.length === 0;
}

// Map keys join label values with a separator that cannot appear in a route, method, queue or class name.
const SEP = '\u0000';

/**
 * Per-isolate accumulator. Recording is a couple of Map lookups and additions, cheap enough for every
 * request; `drain` hands the totals over and starts again from zero.
 */
export class MetricsAccumulator {
  private requests = new Map<string, RequestCount>();
  private latencies = new Map<string, RouteLatency>();
  private queues = new Map<string, QueueCount>();
  private objects = new Map<string, ObjectEventCount>();
  /** Observations recorded since the last drain (a flush trigger). */
  recorded = 0;

  recordRequest(route: string, method: string, status: number, durationMs: number, bucket: number): void {
    const cls = statusClass(status);
    const key = route + SEP + method + SEP + cls;
    const counter = this.requests.get(key);
    if (counter) counter.count += 1;
    else this.requests.set(key, { route, method, status: cls, count: 1 });
    let latency = this.latencies.get(route);
    if (!latency) {
      latency = { route, buckets: emptyBuckets(), sumMs: 0, count: 0 };
      this.latencies.set(route, latency);
    }
    latency.buckets[bucket] = (latency.buckets[bucket] as number) + 1;
    latency.sumMs += durationMs;
    latency.count += 1;
    this.recorded += 1;
  }

  recordQueue(queue: string, outcome: QueueOutcome, count = 1): void {
    const key = queue + SEP + outcome;
    const counter = this.queues.get(key);
    if (counter) counter.count += count;
    else this.queues.set(key, { queue, outcome, count });
    this.recorded += count;
  }

  recordObjectEvent(object: string, event: string, count = 1): void {
    const key = object + SEP + event;
    const counter = this.objects.get(key);
    if (counter) counter.count += count;
    else this.objects.set(key, { object, event, count });
    this.recorded += count;
  }

  /** Everything recorded so far, leaving the accumulator empty. */
  drain(): MetricsDelta {
    const delta: MetricsDelta = {
      requests: [...this.requests.values()],
      latencies: [...this.latencies.values()],
      queues: [...this.queues.values()],
      objects: [...this.objects.values()],
    };
    this.requests = new Map();
    this.latencies = new Map();
    this.queues = new Map();
    this.objects = new Map();
    this.recorded = 0;
    return delta;
  }

  /** Puts a drained delta back (its flush failed), adding to whatever was recorded meanwhile. */
  restore(delta: MetricsDelta): void {
    for (const r of delta.requests) {
      const key = r.route + SEP + r.method + SEP + r.status;
      const counter = this.requests.get(key);
      if (counter) counter.count += r.count;
      else this.requests.set(key, { ...r });
      this.recorded += r.count;
    }
    for (const l of delta.latencies) {
      const existing = this.latencies.get(l.route);
      if (existing) {
        addBuckets(existing.buckets, l.buckets);
        existing.sumMs += l.sumMs;
        existing.count += l.count;
      } else this.latencies.set(l.route, { ...l, buckets: [...l.buckets] });
    }
    for (const q of delta.queues) this.recordQueue(q.queue, q.outcome, q.count);
    for (const o of delta.objects) this.recordObjectEvent(o.object, o.event, o.count);
  }
}

/** Whether a delta arriving over RPC has the shape the registry stores (it is our own code, but cheap to check). */
export function isValidDelta(delta: MetricsDelta): boolean {
  const finiteCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  return (
    Array.isArray(delta.requests) &&
    Array.isArray(delta.latencies) &&
    Array.isArray(delta.queues) &&
    Array.isArray(delta.objects) &&
    delta.requests.every((r) => finiteCount(r.count)) &&
    delta.latencies.every((l) => l.buckets.length === BUCKET_COUNT && l.buckets.every(finiteCount) && Number.isFinite(l.sumMs)) &&
    delta.queues.every((q) => finiteCount(q.count)) &&
    delta.objects.every((o) => finiteCount(o.count))
  );
}
