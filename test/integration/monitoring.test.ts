// System monitoring end to end: requests through the real app are counted per matched route, flushed to the
// MonitoringRegistry Durable Object and exposed at /api/v1/monitoring/metrics as Prometheus text or JSON.
// Every assertion compares two scrapes, so requests made by set-up (or other tests) do not matter.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLUSH_INTERVAL_MS,
  FLUSH_MAX_RECORDS,
  flushMonitoring,
  flushMonitoringIfDue,
  recordRequest,
  registryStub,
} from '../../src/app/monitoring/isolate-metrics';
import { createEvent } from '../../src/domain/events';
import { consumeBatch } from '../../src/workers/events/consumer';
import { type Family, parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { api, signUp, signUpAdmin } from './helpers';

let admin: Awaited<ReturnType<typeof signUpAdmin>>;

async function scrape(): Promise<Map<string, Family>> {
  const response = await api<string>('GET', '/api/v1/monitoring/metrics', { token: admin.accessToken });
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(response.body);
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string>) => sampleValue(families, name, labels) ?? 0;

beforeAll(async () => {
  admin = await signUpAdmin();
});

describe('request metrics', () => {
  it('counts requests by matched route, method and status class, with a latency histogram', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await api('GET', '/api/v1/videos')).status).toBe(200);
    expect((await api('GET', '/api/v1/videos/vid_doesnotexist00000000000')).status).toBe(404);
    expect((await api('POST', '/api/v1/auth/login', { body: { email: 'nobody@example.com', password: 'wrong password' } })).status).toBe(
      401,
    );
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta('vibestream_http_requests_total', { route: '/api/v1/videos', method: 'GET', status: '2xx' })).toBe(3);
    expect(delta('vibestream_http_requests_total', { route: '/api/v1/videos/:id', method: 'GET', status: '4xx' })).toBe(1);
    expect(delta('vibestream_http_requests_total', { route: '/api/v1/auth/login', method: 'POST', status: '4xx' })).toBe(1);
    expect(delta('vibestream_http_request_duration_ms_count', { route: '/api/v1/videos' })).toBe(3);
    expect(delta('vibestream_http_request_duration_ms_bucket', { route: '/api/v1/videos', le: '+Inf' })).toBe(3);
    // The route label is the pattern, never the raw path with its id.
    const routes = new Set(after.get('vibestream_http_requests_total')?.samples.map((s) => s.labels.route));
    expect([...routes].some((route) => route?.includes('vid_doesnotexist'))).toBe(false);
    // Errors show up in the ratio gauge.
    expect(value(after, 'vibestream_http_error_ratio', { route: '/api/v1/auth/login', class: '4xx' })).toBeGreaterThan(0);
  });

  it('labels requests no route matched as (unmatched), and a rejected request by the route it was meant for', async () => {
    const before = await scrape();
    await api('GET', '/api/v1/no-such-thing/123');
    await api('GET', '/api/v1/no-such-thing/456');
    await api('GET', '/api/v1/auth/me', { token: 'garbage.token.value' });
    const after = await scrape();
    const labels = { route: '(unmatched)', method: 'GET', status: '4xx' };
    expect(value(after, 'vibestream_http_requests_total', labels) - value(before, 'vibestream_http_requests_total', labels)).toBe(2);
    const me = { route: '/api/v1/auth/me', method: 'GET', status: '4xx' };
    expect(value(after, 'vibestream_http_requests_total', me) - value(before, 'vibestream_http_requests_total', me)).toBe(1);
  });

  it('answers JSON with ?format=json or Accept: application/json', async () => {
    await api('GET', '/api/v1/videos');
    const byQuery = await api('GET', '/api/v1/monitoring/metrics?format=json', { token: admin.accessToken });
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get('Content-Type')).toContain('application/json');
    const videos = byQuery.body.http.latency.find((l: { route: string }) => l.route === '/api/v1/videos');
    expect(videos.count).toBeGreaterThanOrEqual(1);
    expect(videos.buckets.at(-1)).toEqual({ le: '+Inf', count: videos.count });
    expect(byQuery.body.backlog).toHaveProperty('outboxPending');

    const byAccept = await api('GET', '/api/v1/monitoring/metrics', { token: admin.accessToken, headers: { Accept: 'application/json' } });
    expect(byAccept.headers.get('Content-Type')).toContain('application/json');
    expect(byAccept.body.http.requests.length).toBeGreaterThan(0);
  });

  it('flushes on its own after 10 s or 500 observations, not before', async () => {
    await flushMonitoring(env);
    const start = (await registryStub(env).totals()).flushes;
    const now = Date.now();
    recordRequest('/test/policy', 'GET', 200, 1);
    await flushMonitoringIfDue(env, undefined, now + 1_000);
    expect((await registryStub(env).totals()).flushes).toBe(start);
    await flushMonitoringIfDue(env, undefined, now + FLUSH_INTERVAL_MS + 1);
    expect((await registryStub(env).totals()).flushes).toBe(start + 1);
    for (let i = 0; i < FLUSH_MAX_RECORDS; i++) recordRequest('/test/policy', 'GET', 200, 1);
    await flushMonitoringIfDue(env, undefined, now + FLUSH_INTERVAL_MS + 2);
    const totals = await registryStub(env).totals();
    expect(totals.flushes).toBe(start + 2);
    expect(totals.requests.find((r) => r.route === '/test/policy')?.count).toBe(FLUSH_MAX_RECORDS + 1);
  });

  it('sums what the isolate flushes in the registry object', async () => {
    await api('GET', '/api/v1/health');
    await flushMonitoring(env);
    const totals = await registryStub(env).totals();
    expect(totals.flushes).toBeGreaterThan(0);
    expect(totals.requests.some((r) => r.route === '/api/v1/health')).toBe(true);
  });
});

describe('queue and backlog metrics', () => {
  it('counts processed and dead-lettered messages per queue', async () => {
    const before = await scrape();
    const ping = createEvent('system.ping', { queue: 'domain' });
    const batch = createMessageBatch('vibestream-domain-events', [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: ping },
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { not: 'an event' } },
    ]);
    const ctx = createExecutionContext();
    await consumeBatch(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(2);
    const after = await scrape();
    const delta = (outcome: string) =>
      value(after, 'vibestream_queue_messages_total', { queue: 'vibestream-domain-events', outcome }) -
      value(before, 'vibestream_queue_messages_total', { queue: 'vibestream-domain-events', outcome });
    expect(delta('processed')).toBe(1);
    expect(delta('dead_lettered')).toBe(1);
  });

  it('reports outbox rows pending and dead letters as D1 has them', async () => {
    await env.DB.prepare('INSERT INTO event_outbox (event_id, queue, body, created_at, relay_attempts) VALUES (?, ?, ?, ?, 0)')
      .bind(`evt_monitoring_${crypto.randomUUID()}`, 'domain', '{}', Date.now())
      .run();
    const families = await scrape();
    const outbox = await env.DB.prepare('SELECT COUNT(*) AS n FROM event_outbox').first<{ n: number }>();
    const letters = await env.DB.prepare('SELECT COUNT(*) AS n FROM dead_letters').first<{ n: number }>();
    expect(value(families, 'vibestream_outbox_pending', {})).toBeGreaterThanOrEqual(1);
    expect(value(families, 'vibestream_outbox_pending', {})).toBeLessThanOrEqual(outbox?.n ?? 0);
    expect(value(families, 'vibestream_dead_letters_total', {})).toBe(letters?.n);
  });
});

describe('access', () => {
  it('is 401 without credentials and 403 for non-admins', async () => {
    expect((await api('GET', '/api/v1/monitoring/metrics')).status).toBe(401);
    const creator = await signUp('creator');
    const forbidden = await api('GET', '/api/v1/monitoring/metrics', { token: creator.accessToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
  });

  it('accepts an admin API key only with the admin scope', async () => {
    const reader = await api('POST', '/api/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'reader', scopes: ['analytics:read'] },
    });
    expect(reader.status).toBe(201);
    const denied = await api('GET', '/api/v1/monitoring/metrics', { headers: { 'X-API-Key': reader.body.key } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('insufficient_scope');

    const scraper = await api('POST', '/api/v1/api-keys', { token: admin.accessToken, body: { name: 'scraper', scopes: ['admin'] } });
    expect(scraper.status).toBe(201);
    const allowed = await api<string>('GET', '/api/v1/monitoring/metrics', { headers: { 'X-API-Key': scraper.body.key } });
    expect(allowed.status).toBe(200);
    expect(() => parsePrometheusText(allowed.body)).not.toThrow();
  });

  it('rejects unknown query parameters', async () => {
    const response = await api('GET', '/api/v1/monitoring/metrics?format=xml', { token: admin.accessToken });
    expect(response.status).toBe(400);
  });
});
