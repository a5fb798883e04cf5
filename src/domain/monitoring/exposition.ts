// Renders a metrics snapshot in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): per family one `# HELP` and one `# TYPE`
// line, then its samples `name{label="value",…} value`, each line ending in "\n".
// Written here rather than taken from prom-client: that library keeps its own in-process registry and
// relies on Node's process and timers, while our counters are summed across isolates by a Durable Object
// and only need formatting at scrape time.
import { cumulative, DURATION_BUCKETS_MS, quantileMs } from './histogram';
import type { MetricsSnapshot, StatusClass } from './metrics';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const METRIC_PREFIX = 'vibestream_';

type Labels = Record<string, string>;

/** Label values escape backslash, double quote and line feed (format spec). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Sample values are Go-style floats; infinities and NaN have fixed spellings. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelSet(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

class FamilyWriter {
  readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Labels, value: number): void {
    this.lines.push(`${name}${labelSet(labels)} ${formatValue(value)}`);
  }

  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

const byKey =
  <T>(...keys: (keyof T)[]) =>
  (a: T, b: T) => {
    for (const key of keys) {
      const x = String(a[key]);
      const y = String(b[key]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/** Share of a route's requests that ended in each error class (0 when the route saw no requests). */
export function errorRatios(snapshot: Pick<MetricsSnapshot, 'requests'>): { route: string; class: StatusClass; ratio: number }[] {
  const totals = new Map<string, { all: number; '4xx': number; '5xx': number }>();
  for (const r of snapshot.requests) {
    const t = totals.get(r.route) ?? { all: 0, '4xx': 0, '5xx': 0 };
    t.all += r.count;
    if (r.status === '4xx' || r.status === '5xx') t[r.status] += r.count;
    totals.set(r.route, t);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([route, t]) => (['4xx', '5xx'] as const).map((cls) => ({ route, class: cls, ratio: t.all === 0 ? 0 : t[cls] / t.all })));
}

export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const out = new FamilyWriter();
  const p = METRIC_PREFIX;

  out.family(`${p}http_requests_total`, 'counter', 'API requests by matched route, method and status class.');
  for (const r of [...snapshot.requests].sort(byKey('route', 'method', 'status')))
    out.sample(`${p}http_requests_total`, { route: r.route, method: r.method, status: r.status }, r.count);

  out.family(`${p}http_request_duration_ms`, 'histogram', 'API request duration in milliseconds, by matched route.');
  for (const l of [...snapshot.latencies].sort(byKey('route'))) {
    const cum = cumulative(l.buckets);
    DURATION_BUCKETS_MS.forEach((bound, i) => {
      out.sample(`${p}http_request_duration_ms_bucket`, { route: l.route, le: String(bound) }, cum[i] as number);
    });
    out.sample(`${p}http_request_duration_ms_bucket`, { route: l.route, le: '+Inf' }, cum[cum.length - 1] as number);
    out.sample(`${p}http_request_duration_ms_sum`, { route: l.route }, l.sumMs);
    out.sample(`${p}http_request_duration_ms_count`, { route: l.route }, l.count);
  }

  out.family(`${p}http_error_ratio`, 'gauge', "Share of a route's requests answered with a 4xx or 5xx since monitoring began.");
  for (const e of errorRatios(snapshot)) out.sample(`${p}http_error_ratio`, { route: e.route, class: e.class }, e.ratio);

  out.family(`${p}queue_messages_total`, 'counter', 'Queue messages by outcome: processed, retried, dead_lettered.');
  for (const q of [...snapshot.queues].sort(byKey('queue', 'outcome')))
    out.sample(`${p}queue_messages_total`, { queue: q.queue, outcome: q.outcome }, q.count);

  out.family(`${p}durable_object_events_total`, 'counter', 'Durable Object activity by class and event.');
  for (const o of [...snapshot.objects].sort(byKey('object', 'event')))
    out.sample(`${p}durable_object_events_total`, { object: o.object, event: o.event }, o.count);

  out.family(`${p}outbox_pending`, 'gauge', 'Events in the D1 outbox not yet relayed to their queue.');
  out.sample(`${p}outbox_pending`, {}, snapshot.outboxPending);
  out.family(`${p}dead_letters_total`, 'counter', 'Messages recorded in dead_letters.');
  out.sample(`${p}dead_letters_total`, {}, snapshot.deadLetters);
  out.family(`${p}dead_letters_unreplayed`, 'gauge', 'Dead letters not replayed yet.');
  out.sample(`${p}dead_letters_unreplayed`, {}, snapshot.deadLettersUnreplayed);
  out.family(`${p}monitoring_flushes_total`, 'counter', 'Isolate flushes absorbed by the monitoring registry.');
  out.sample(`${p}monitoring_flushes_total`, {}, snapshot.flushes);
  return out.toString();
}

/** The JSON view: the same totals, with cumulative buckets, p50/p95/p99 estimates and error ratios per route. */
export function jsonReport(snapshot: MetricsSnapshot) {
  const ratios = errorRatios(snapshot);
  return {
    http: {
      requests: [...snapshot.requests].sort(byKey('route', 'method', 'status')),
      latency: [...snapshot.latencies].sort(byKey('route')).map((l) => {
        const cum = cumulative(l.buckets);
        return {
          route: l.route,
          count: l.count,
          sumMs: l.sumMs,
          buckets: [
            ...DURATION_BUCKETS_MS.map((bound, i) => ({ le: String(bound), count: cum[i] as number })),
            { le: '+Inf', count: l.count },
          ],
          p50Ms: quantileMs(l.buckets, 0.5),
          p95Ms: quantileMs(l.buckets, 0.95),
          p99Ms: quantileMs(l.buckets, 0.99),
        };
      }),
      errorRatios: ratios,
    },
    queues: [...snapshot.queues].sort(byKey('queue', 'outcome')),
    durableObjects: [...snapshot.objects].sort(byKey('object', 'event')),
    backlog: {
      outboxPending: snapshot.outboxPending,
      deadLetters: snapshot.deadLetters,
      deadLettersUnreplayed: snapshot.deadLettersUnreplayed,
    },
    flushes: snapshot.flushes,
  };
}
