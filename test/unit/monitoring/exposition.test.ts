import { describe, expect, it } from 'vitest';
import {
  errorRatios,
  escapeLabelValue,
  formatValue,
  jsonReport,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
} from '../../../src/domain/monitoring/exposition';
import { emptyBuckets } from '../../../src/domain/monitoring/histogram';
import type { MetricsSnapshot } from '../../../src/domain/monitoring/metrics';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';

function snapshot(overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  const videos = emptyBuckets();
  videos[0] = 2;
  videos[3] = 1;
  videos[9] = 1;
  return {
    requests: [
      { route: '/api/v1/videos', method: 'GET', status: '2xx', count: 3 },
      { route: '/api/v1/videos', method: 'GET', status: '5xx', count: 1 },
      { route: '/api/v1/auth/login', method: 'POST', status: '4xx', count: 2 },
    ],
    latencies: [
      { route: '/api/v1/videos', buckets: videos, sumMs: 3100, count: 4 },
      { route: '/api/v1/auth/login', buckets: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0], sumMs: 14, count: 2 },
    ],
    queues: [
      { queue: 'vibestream-domain-events', outcome: 'processed', count: 7 },
      { queue: 'vibestream-domain-events', outcome: 'dead_lettered', count: 1 },
    ],
    objects: [{ object: 'PeerMetricsAggregator', event: 'ingest', count: 5 }],
    flushes: 3,
    outboxPending: 2,
    deadLetters: 4,
    deadLettersUnreplayed: 1,
    ...overrides,
  };
}

// Each line on its own: HELP, TYPE or a sample, with the 0.0.4 grammar.
const LINE_RES = [
  /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/,
  /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/,
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? ([+-]?\d+(\.\d+)?([eE][+-]?\d+)?|\+Inf|-Inf|NaN)$/,
];

describe('Prometheus text exposition', () => {
  it('uses the 0.0.4 content type', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('writes only HELP, TYPE and sample lines, and ends with a line feed', () => {
    const text = renderPrometheus(snapshot());
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.split('\n').slice(0, -1)) {
      expect(
        LINE_RES.some((re) => re.test(line)),
        line,
      ).toBe(true);
    }
  });

  it('gives every family exactly one HELP and one TYPE, before its samples', () => {
    const text = renderPrometheus(snapshot());
    const families = parsePrometheusText(text);
    for (const name of [
      'vibestream_http_requests_total',
      'vibestream_http_request_duration_ms',
      'vibestream_http_error_ratio',
      'vibestream_queue_messages_total',
      'vibestream_durable_object_events_total',
      'vibestream_outbox_pending',
      'vibestream_dead_letters_total',
    ]) {
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(families.has(name)).toBe(true);
    }
    expect(families.get('vibestream_http_requests_total')?.type).toBe('counter');
    expect(families.get('vibestream_http_request_duration_ms')?.type).toBe('histogram');
    expect(families.get('vibestream_outbox_pending')?.type).toBe('gauge');
  });

  it('counts requests by route, method and status class', () => {
    const families = parsePrometheusText(renderPrometheus(snapshot()));
    expect(sampleValue(families, 'vibestream_http_requests_total', { route: '/api/v1/videos', method: 'GET', status: '2xx' })).toBe(3);
    expect(sampleValue(families, 'vibestream_http_requests_total', { route: '/api/v1/auth/login', method: 'POST', status: '4xx' })).toBe(2);
  });

  it('writes cumulative buckets with le labels, +Inf equal to _count, and _sum', () => {
    const text = renderPrometheus(snapshot());
    const lines = text.split('\n').filter((l) => l.startsWith('vibestream_http_request_duration_ms_bucket{route="/api/v1/videos"'));
    expect(lines).toEqual([
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="5"} 2',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="10"} 2',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="25"} 2',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="50"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="100"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="250"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="500"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="1000"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="2500"} 3',
      'vibestream_http_request_duration_ms_bucket{route="/api/v1/videos",le="+Inf"} 4',
    ]);
    expect(text).toContain('vibestream_http_request_duration_ms_sum{route="/api/v1/videos"} 3100\n');
    expect(text).toContain('vibestream_http_request_duration_ms_count{route="/api/v1/videos"} 4\n');
  });

  it('reports error ratios per route and class', () => {
    expect(errorRatios(snapshot())).toEqual([
      { route: '/api/v1/auth/login', class: '4xx', ratio: 1 },
      { route: '/api/v1/auth/login', class: '5xx', ratio: 0 },
      { route: '/api/v1/videos', class: '4xx', ratio: 0 },
      { route: '/api/v1/videos', class: '5xx', ratio: 0.25 },
    ]);
    const families = parsePrometheusText(renderPrometheus(snapshot()));
    expect(sampleValue(families, 'vibestream_http_error_ratio', { route: '/api/v1/videos', class: '5xx' })).toBe(0.25);
  });

  it('reports queue outcomes, object activity and the backlog', () => {
    const families = parsePrometheusText(renderPrometheus(snapshot()));
    expect(sampleValue(families, 'vibestream_queue_messages_total', { queue: 'vibestream-domain-events', outcome: 'processed' })).toBe(7);
    expect(sampleValue(families, 'vibestream_durable_object_events_total', { object: 'PeerMetricsAggregator', event: 'ingest' })).toBe(5);
    expect(sampleValue(families, 'vibestream_outbox_pending', {})).toBe(2);
    expect(sampleValue(families, 'vibestream_dead_letters_total', {})).toBe(4);
    expect(sampleValue(families, 'vibestream_dead_letters_unreplayed', {})).toBe(1);
  });

  it('escapes backslashes, quotes and line feeds in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = renderPrometheus(
      snapshot({ requests: [{ route: '/odd/"quoted"\\path\n', method: 'GET', status: '2xx', count: 1 }], latencies: [] }),
    );
    const families = parsePrometheusText(text);
    expect(families.get('vibestream_http_requests_total')?.samples[0]?.labels.route).toBe('/odd/"quoted"\\path\n');
  });

  it('spells special values the Prometheus way', () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.25)).toBe('0.25');
  });

  it('still writes every family (and the backlog gauges) when nothing was recorded', () => {
    const text = renderPrometheus(snapshot({ requests: [], latencies: [], queues: [], objects: [], flushes: 0 }));
    const families = parsePrometheusText(text);
    expect(families.get('vibestream_http_requests_total')?.samples).toEqual([]);
    expect(sampleValue(families, 'vibestream_outbox_pending', {})).toBe(2);
  });

  it('gives the JSON view cumulative buckets and quantile estimates', () => {
    const report = jsonReport(snapshot());
    const videos = report.http.latency.find((l) => l.route === '/api/v1/videos');
    expect(videos?.buckets.at(-1)).toEqual({ le: '+Inf', count: 4 });
    expect(videos?.buckets[3]).toEqual({ le: '50', count: 3 });
    expect(videos?.p99Ms).toBe(2500);
    expect(report.backlog).toEqual({ outboxPending: 2, deadLetters: 4, deadLettersUnreplayed: 1 });
  });
});
