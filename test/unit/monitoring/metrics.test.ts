import { describe, expect, it } from 'vitest';
import { bucketIndex } from '../../../src/domain/monitoring/histogram';
import { isDeltaEmpty, isValidDelta, MetricsAccumulator, statusClass } from '../../../src/domain/monitoring/metrics';

describe('metrics accumulator', () => {
  it('classifies statuses into 1xx … 5xx', () => {
    expect([101, 200, 204, 302, 404, 429, 500, 503].map(statusClass)).toEqual(['1xx', '2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx']);
  });

  it('counts requests per route, method and status class, and one histogram per route', () => {
    const acc = new MetricsAccumulator();
    acc.recordRequest('/api/v1/videos', 'GET', 200, 3, bucketIndex(3));
    acc.recordRequest('/api/v1/videos', 'GET', 201, 40, bucketIndex(40));
    acc.recordRequest('/api/v1/videos', 'POST', 400, 7, bucketIndex(7));
    acc.recordRequest('/api/v1/videos/:id', 'GET', 500, 3000, bucketIndex(3000));
    expect(acc.recorded).toBe(4);
    const delta = acc.drain();
    expect(delta.requests).toEqual(
      expect.arrayContaining([
        { route: '/api/v1/videos', method: 'GET', status: '2xx', count: 2 },
        { route: '/api/v1/videos', method: 'POST', status: '4xx', count: 1 },
        { route: '/api/v1/videos/:id', method: 'GET', status: '5xx', count: 1 },
      ]),
    );
    const videos = delta.latencies.find((l) => l.route === '/api/v1/videos');
    expect(videos).toMatchObject({ count: 3, sumMs: 50, buckets: [1, 1, 0, 1, 0, 0, 0, 0, 0, 0] });
    expect(delta.latencies.find((l) => l.route === '/api/v1/videos/:id')?.buckets[9]).toBe(1);
  });

  it('starts from zero after a drain', () => {
    const acc = new MetricsAccumulator();
    acc.recordQueue('vibestream-domain-events', 'processed');
    acc.drain();
    expect(acc.recorded).toBe(0);
    expect(isDeltaEmpty(acc.drain())).toBe(true);
  });

  it('puts a failed flush back, adding to what was recorded meanwhile', () => {
    const acc = new MetricsAccumulator();
    acc.recordRequest('/r', 'GET', 200, 1, 0);
    acc.recordQueue('q', 'retried', 2);
    acc.recordObjectEvent('PeerMetricsAggregator', 'ingest');
    const lost = acc.drain();
    acc.recordRequest('/r', 'GET', 200, 2, 0);
    acc.restore(lost);
    const delta = acc.drain();
    expect(delta.requests).toEqual([{ route: '/r', method: 'GET', status: '2xx', count: 2 }]);
    expect(delta.latencies[0]).toMatchObject({ count: 2, sumMs: 3 });
    expect(delta.queues).toEqual([{ queue: 'q', outcome: 'retried', count: 2 }]);
    expect(delta.objects).toEqual([{ object: 'PeerMetricsAggregator', event: 'ingest', count: 1 }]);
  });

  it('accepts only deltas with whole non-negative counts and the bucket layout', () => {
    const acc = new MetricsAccumulator();
    acc.recordRequest('/r', 'GET', 200, 1, 0);
    const delta = acc.drain();
    expect(isValidDelta(delta)).toBe(true);
    expect(isValidDelta({ ...delta, queues: [{ queue: 'q', outcome: 'processed', count: -1 }] })).toBe(false);
    expect(isValidDelta({ ...delta, latencies: [{ route: '/r', buckets: [1], sumMs: 1, count: 1 }] })).toBe(false);
  });
});
