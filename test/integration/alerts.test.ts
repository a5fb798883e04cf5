import { createExecutionContext, createScheduledController, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/adapters/db/client';
import { verifySignature } from '../../src/domain/alerts/signature';
import { createEvent } from '../../src/domain/events';
import type { StatsSample } from '../../src/domain/quality/types';
import { alertWebhookHandler } from '../../src/workers/events/handlers';
import worker from '../../src/workers/index';
import { api, readyVideo, signUp, signUpAdmin } from './helpers';

const NOW = Date.now();
const MINUTE = 60_000;

let adminToken: string;
let viewerToken: string;

beforeAll(async () => {
  adminToken = (await signUpAdmin()).accessToken;
  viewerToken = (await signUp('viewer')).accessToken;
  // Ingest tokens are only issued for videos the viewer may watch.
  await Promise.all(['vid_alertsfleetvideo', 'vid_alertssessionvid', 'vid_alertsothervideo'].map((id) => readyVideo(id)));
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

function samples(start: number, count: number, rttS: number, lossEvery: number): StatsSample[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: start + i * 1000,
    connection: {
      remotePeerId: 'peer_remotealertsaa',
      state: 'connected' as const,
      localCandidateType: 'host' as const,
      remoteCandidateType: 'srflx' as const,
      currentRoundTripTime: rttS,
    },
    inbound: { bytesReceived: 50_000 * (i + 1), packetsReceived: 50 * (i + 1), packetsLost: Math.floor(i / lossEvery), jitter: 0.004 },
  }));
}

/** Opens a peer session on `videoId`, posts its batches and returns its id (and how to post more). */
async function startSession(videoId: string) {
  const issued = await api('POST', '/api/v1/tokens/ingest', { token: viewerToken, body: { videoId } });
  expect(issued.status).toBe(201);
  const { token, sessionId, peerId } = issued.body;
  return {
    sessionId: sessionId as string,
    async post(batch: { samples?: StatsSample[]; events?: unknown[] }) {
      const response = await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, ...batch } });
      expect(response.status).toBe(202);
      return response.body;
    },
    flush: () => runDurableObjectAlarm(env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId))),
  };
}

/** `connected` successful and `failed` failed connection attempts starting at `at`. */
function connectionEvents(at: number, connected: number, failed: number) {
  const events = [];
  for (let i = 0; i < connected + failed; i++) {
    const remotePeerId = `peer_remote${String(i).padStart(8, 'x')}`;
    events.push({ ts: at + i * 100, remotePeerId, type: 'attempted' });
    events.push({
      ts: at + i * 100 + 50,
      remotePeerId,
      type: i < connected ? 'connected' : 'failed',
      ...(i < connected ? { setupMs: 50 } : {}),
    });
  }
  return events;
}

async function alertsOf(ruleId: string) {
  const { results } = await env.DB.prepare('SELECT * FROM alerts WHERE rule_id = ? ORDER BY started_at').bind(ruleId).all();
  return results as Record<string, unknown>[];
}

async function createRule(body: Record<string, unknown>) {
  const response = await api('POST', '/api/v1/alerts/rules', { token: adminToken, body });
  expect(response.status).toBe(201);
  return response.body as { id: string } & Record<string, unknown>;
}

describe('alert rules API', () => {
  it('requires a signed-in admin: anonymous 401, viewer and creator 403', async () => {
    expect((await api('GET', '/api/v1/alerts/rules')).status).toBe(401);
    expect((await api('GET', '/api/v1/alerts')).status).toBe(401);
    const creator = await signUp('creator');
    for (const token of [viewerToken, creator.accessToken]) {
      expect((await api('GET', '/api/v1/alerts/rules', { token })).status).toBe(403);
      expect((await api('GET', '/api/v1/alerts', { token })).status).toBe(403);
      const post = await api('POST', '/api/v1/alerts/rules', {
        token,
        body: { name: 'x', metric: 'mos', comparator: 'lt', threshold: 3, scope: 'session' },
      });
      expect(post.status).toBe(403);
      expect(post.body.error.code).toBe('forbidden');
    }
  });

  it('lets an analytics:read key read but not write', async () => {
    const admin = await signUpAdmin();
    const created = await api('POST', '/api/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'grafana', scopes: ['analytics:read'] },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await api('GET', '/api/v1/alerts/rules', { headers: { 'X-API-Key': key } })).status).toBe(200);
    const write = await api('POST', '/api/v1/alerts/rules', {
      headers: { 'X-API-Key': key },
      body: { name: 'x', metric: 'mos', comparator: 'lt', threshold: 3, scope: 'session' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
  });

  it('ships the default rules', async () => {
    const response = await api('GET', '/api/v1/alerts/rules', { token: adminToken });
    expect(response.status).toBe(200);
    const names = response.body.items.map((rule: { name: string }) => rule.name);
    expect(names).toEqual(
      expect.arrayContaining(['Connection success below 95% over 5 min', 'P2P offload ratio below 50% over 15 min', 'MOS below 3.1']),
    );
  });

  it('creates, changes and deletes a rule', async () => {
    const rule = await createRule({
      name: 'RTT p95 above 250 ms in DE',
      metric: 'rttP95Ms',
      comparator: 'gt',
      threshold: 250,
      scope: 'fleet',
      filter: { country: 'de' },
    });
    expect(rule).toMatchObject({
      windowSeconds: 300,
      minSamples: 1,
      hysteresis: 0,
      enabled: true,
      filter: { country: 'DE' },
      notifyUrl: null,
    });
    expect(rule.id).toMatch(/^rul_/);

    const patched = await api('PATCH', `/api/v1/alerts/rules/${rule.id}`, {
      token: adminToken,
      body: { threshold: 300, enabled: false, notifyUrl: 'https://hooks.example.com/vibestream' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ threshold: 300, enabled: false, notifyUrl: 'https://hooks.example.com/vibestream' });

    expect((await api('DELETE', `/api/v1/alerts/rules/${rule.id}`, { token: adminToken })).status).toBe(204);
    const again = await api('DELETE', `/api/v1/alerts/rules/${rule.id}`, { token: adminToken });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('rejects invalid rules with the API error shape', async () => {
    const base = { name: 'x', metric: 'mos', comparator: 'lt', threshold: 3, scope: 'session' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, scope: 'fleet' }, 'metric'],
      [{ ...base, comparator: 'below' }, 'comparator'],
      [{ ...base, threshold: '3' }, 'threshold'],
      [{ ...base, windowSeconds: 5 }, 'windowSeconds'],
      [{ ...base, notifyUrl: 'http://hooks.example.com/x' }, 'notifyUrl'],
      [{ ...base, severity: 'high' }, ''],
      [{ ...base, filter: { city: 'Berlin' } }, 'filter'],
    ];
    for (const [body, path] of cases) {
      const response = await api('POST', '/api/v1/alerts/rules', { token: adminToken, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details.map((d: { path: string }) => d.path).join(' ')).toContain(path);
    }
    const rule = await createRule({ ...base, name: 'valid' });
    const mismatch = await api('PATCH', `/api/v1/alerts/rules/${rule.id}`, { token: adminToken, body: { metric: 'rttP95Ms' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].path).toBe('metric');
    const empty = await api('PATCH', `/api/v1/alerts/rules/${rule.id}`, { token: adminToken, body: {} });
    expect(empty.status).toBe(400);
    const missing = await api('PATCH', '/api/v1/alerts/rules/rul_doesnotexist', { token: adminToken, body: { threshold: 1 } });
    expect(missing.status).toBe(404);
  });
});

describe('fleet alerts (cron)', () => {
  const VIDEO = 'vid_alertsfleetvideo';
  const BAD_AT = Math.floor((NOW - 30 * MINUTE) / MINUTE) * MINUTE;
  const GOOD_AT = Math.floor((NOW - 3 * MINUTE) / MINUTE) * MINUTE;
  let ruleId: string;

  beforeAll(async () => {
    ruleId = (
      await createRule({
        name: 'Connection success below 90% (test video)',
        metric: 'connectionSuccessRate',
        comparator: 'lt',
        threshold: 0.9,
        windowSeconds: 300,
        scope: 'fleet',
        filter: { videoId: VIDEO },
        minSamples: 4,
      })
    ).id;
    // Half an hour ago: 1 of 5 connections succeeded. Three minutes ago: all 6 did.
    const bad = await startSession(VIDEO);
    await bad.post({ samples: samples(BAD_AT + 1000, 10, 0.05, 1000), events: connectionEvents(BAD_AT, 1, 4) });
    await bad.flush();
    const good = await startSession(VIDEO);
    await good.post({ samples: samples(GOOD_AT + 1000, 10, 0.05, 1000), events: connectionEvents(GOOD_AT, 6, 0) });
    await good.flush();
  });

  it('fires from ingested data, keeps one open alert across evaluations, and resolves when the data recovers', async () => {
    await runCron(BAD_AT + 2 * MINUTE);
    const opened = await alertsOf(ruleId);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      state: 'firing',
      scope: 'fleet',
      scope_key: `fleet:videoId=${VIDEO}`,
      last_value: 0.2,
      threshold: 0.9,
    });

    const firing = await api('GET', '/api/v1/alerts?state=firing', { token: adminToken });
    expect(firing.status).toBe(200);
    const item = firing.body.items.find((alert: { ruleId: string }) => alert.ruleId === ruleId);
    expect(item).toEqual({
      id: opened[0]?.id,
      ruleId,
      ruleName: 'Connection success below 90% (test video)',
      metric: 'connectionSuccessRate',
      scope: 'fleet',
      scopeKey: `fleet:videoId=${VIDEO}`,
      state: 'firing',
      value: 0.2,
      threshold: 0.9,
      startedAt: new Date(BAD_AT + 2 * MINUTE).toISOString(),
      resolvedAt: null,
    });

    // Evaluating again while the condition holds updates the open alert instead of opening another.
    await runCron(BAD_AT + 3 * MINUTE);
    const still = await alertsOf(ruleId);
    expect(still).toHaveLength(1);
    expect(still[0]).toMatchObject({ id: opened[0]?.id, state: 'firing', last_evaluated_at: BAD_AT + 3 * MINUTE });

    // A window holding only the good minute: success rate 1.0, the alert resolves.
    await runCron(GOOD_AT + 2 * MINUTE);
    const resolved = await alertsOf(ruleId);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ state: 'resolved', resolved_at: GOOD_AT + 2 * MINUTE, last_value: 1, resolved_by: 'evaluation' });
    const listed = await api('GET', '/api/v1/alerts?state=resolved', { token: adminToken });
    expect(listed.body.items.map((alert: { id: string }) => alert.id)).toContain(opened[0]?.id);
  });

  it('leaves a rule without enough data alone', async () => {
    const quiet = await createRule({
      name: 'Success rate of a video nobody watches',
      metric: 'connectionSuccessRate',
      comparator: 'lt',
      threshold: 0.9,
      scope: 'fleet',
      filter: { videoId: 'vid_nobodywatchesthis' },
      minSamples: 1,
    });
    await runCron(NOW);
    expect(await alertsOf(quiet.id)).toHaveLength(0);
  });
});

describe('session alerts (aggregator)', () => {
  const VIDEO = 'vid_alertssessionvid';
  let ruleId: string;

  beforeAll(async () => {
    ruleId = (
      await createRule({
        name: 'Session RTT above 300 ms',
        metric: 'rttMs',
        comparator: 'gt',
        threshold: 300,
        hysteresis: 50,
        scope: 'session',
        filter: { videoId: VIDEO },
        minSamples: 5,
      })
    ).id;
  });

  it('fires from a bad batch, deduplicates while it stays bad, and resolves when it recovers', async () => {
    const session = await startSession(VIDEO);
    const start = Math.floor((NOW - 20 * MINUTE) / MINUTE) * MINUTE;
    await session.post({ samples: samples(start, 20, 0.45, 2) });
    const opened = await alertsOf(ruleId);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ state: 'firing', scope: 'session', scope_key: session.sessionId, threshold: 300 });
    expect(opened[0]?.last_value as number).toBeGreaterThan(300);

    await session.post({ samples: samples(start + 20_000, 20, 0.5, 2) });
    expect(await alertsOf(ruleId)).toHaveLength(1);

    // A new minute with a healthy path: 40 ms is far below 300 − 50, the alert resolves.
    await session.post({ samples: samples(start + 2 * MINUTE, 20, 0.04, 1000) });
    const resolved = await alertsOf(ruleId);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: opened[0]?.id, state: 'resolved' });
  });

  it('ignores sessions outside the rule filter and sessions with too few samples', async () => {
    const other = await startSession('vid_alertsothervideo');
    await other.post({ samples: samples(NOW - 10 * MINUTE, 20, 0.6, 2) });
    const short = await startSession(VIDEO);
    await short.post({ samples: samples(NOW - 10 * MINUTE, 3, 0.6, 2) });
    const keys = (await alertsOf(ruleId)).map((alert) => alert.scope_key);
    expect(keys).not.toContain(other.sessionId);
    expect(keys).not.toContain(short.sessionId);
  });

  it('resolves an alert manually, once', async () => {
    const session = await startSession(VIDEO);
    await session.post({ samples: samples(NOW - 8 * MINUTE, 20, 0.45, 2) });
    const open = (await alertsOf(ruleId)).find((alert) => alert.scope_key === session.sessionId);
    expect(open?.state).toBe('firing');
    const viewer = await api('POST', `/api/v1/alerts/${open?.id}/resolve`, { token: viewerToken });
    expect(viewer.status).toBe(403);
    const resolved = await api('POST', `/api/v1/alerts/${open?.id}/resolve`, { token: adminToken });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ id: open?.id, state: 'resolved', scopeKey: session.sessionId });
    expect(resolved.body.resolvedAt).not.toBeNull();
    const again = await api('POST', `/api/v1/alerts/${open?.id}/resolve`, { token: adminToken });
    expect(again.status).toBe(409);
    expect((await api('POST', '/api/v1/alerts/alt_doesnotexist/resolve', { token: adminToken })).status).toBe(404);
  });

  it('pages through alerts with a cursor', async () => {
    const first = await api('GET', '/api/v1/alerts?limit=1', { token: adminToken });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await api('GET', `/api/v1/alerts?limit=1&cursor=${first.body.nextCursor}`, { token: adminToken });
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await api('GET', '/api/v1/alerts?cursor=garbage', { token: adminToken })).status).toBe(400);
    expect((await api('GET', '/api/v1/alerts?state=open', { token: adminToken })).status).toBe(400);
  });
});

describe('alert webhooks', () => {
  const SECRET = 'whsec_alerts_integration_test';
  const HOOK = 'http://127.0.0.1:9/alert-hook';

  it('queues a notification when an alert opens and delivers it signed', async () => {
    const captured: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      captured.push(new Request(input as RequestInfo, init));
      return new Response('ok');
    });
    // activePeers >= 0 holds with no data at all: the rule fires on the first evaluation.
    const rule = await createRule({
      name: 'Always firing',
      metric: 'activePeers',
      comparator: 'gte',
      threshold: 0,
      minSamples: 0,
      scope: 'fleet',
      filter: { videoId: 'vid_alertswebhookvid' },
      notifyUrl: HOOK,
    });
    await runCron(NOW);
    const [alert] = await alertsOf(rule.id);
    expect(alert?.state).toBe('firing');

    // The event went through the outbox to the domain-events queue, whose consumer records the delivery attempt.
    const deadline = Date.now() + 8000;
    let attempts: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      attempts = (await env.DB.prepare('SELECT * FROM alert_notifications WHERE alert_id = ?').bind(alert?.id).all()).results;
      if (attempts.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(attempts[0]).toMatchObject({ transition: 'opened', url: HOOK, attempt: 1 });

    // The handler itself, with a secret configured: the request carries a verifiable signature over the raw body.
    captured.length = 0;
    const event = createEvent('alert.notify', {
      notifyUrl: HOOK,
      transition: 'opened',
      alert: {
        id: alert?.id as string,
        ruleId: rule.id,
        ruleName: 'Always firing',
        metric: 'activePeers',
        scope: 'fleet',
        scopeKey: 'fleet:videoId=vid_alertswebhookvid',
        state: 'firing',
        value: 0,
        threshold: 0,
        startedAt: new Date(NOW).toISOString(),
        resolvedAt: null,
      },
    });
    const db = openDatabase(env.DB);
    const effects = await alertWebhookHandler.handle(event, { db, env: { ...env, ALERT_WEBHOOK_SECRET: SECRET } });
    expect(effects).toHaveLength(1);
    expect(captured).toHaveLength(1);
    const request = captured[0] as Request;
    expect(request.url).toBe(HOOK);
    expect(request.method).toBe('POST');
    expect(request.headers.get('X-VibeStream-Event-Id')).toBe(event.id);
    const raw = await request.text();
    const signature = request.headers.get('X-VibeStream-Signature') ?? '';
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifySignature(signature, raw, SECRET, Math.floor(Date.now() / 1000))).toMatchObject({ ok: true });
    expect(await verifySignature(signature, raw, 'wrong secret', Math.floor(Date.now() / 1000))).toMatchObject({ ok: false });
    expect(JSON.parse(raw)).toMatchObject({ id: event.id, type: 'alert.opened', alert: { id: alert?.id, ruleId: rule.id } });
  });

  it('fails (so the queue retries) when the receiver answers with an error', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('nope', { status: 503 }));
    const rule = await createRule({
      name: 'Always firing, broken receiver',
      metric: 'activePeers',
      comparator: 'gte',
      threshold: 0,
      minSamples: 0,
      scope: 'fleet',
      filter: { videoId: 'vid_alertsbrokenhook' },
    });
    await runCron(NOW);
    const [alert] = await alertsOf(rule.id);
    const event = createEvent('alert.notify', {
      notifyUrl: HOOK,
      transition: 'opened',
      alert: {
        id: alert?.id as string,
        ruleId: rule.id,
        ruleName: 'x',
        metric: 'activePeers',
        scope: 'fleet',
        scopeKey: 'fleet',
        state: 'firing',
        value: 0,
        threshold: 0,
        startedAt: new Date(NOW).toISOString(),
        resolvedAt: null,
      },
    });
    await expect(alertWebhookHandler.handle(event, { db: openDatabase(env.DB), env })).rejects.toThrow(/HTTP 503/);
    const recorded = await env.DB.prepare('SELECT status, error FROM alert_notifications WHERE event_id = ?').bind(event.id).first();
    expect(recorded).toEqual({ status: 503, error: 'HTTP 503' });
  });
});
