// Alert webhooks go only to public https addresses and only signed: saving a rule that names anything else is
// refused, and delivery refuses again (a rule stored before these checks, a replayed event).
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/adapters/db/client';
import { createEvent } from '../../src/domain/events';
import type { Env } from '../../src/env';
import { alertWebhookHandler } from '../../src/workers/events/handlers';
import worker from '../../src/workers/index';
import { BASE, signUpAdmin } from './helpers';

let adminToken: string;
beforeAll(async () => {
  adminToken = (await signUpAdmin()).accessToken;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The Worker with some bindings changed, as another deployment would have them. */
async function callWith(overrides: Partial<Record<keyof Env, string | undefined>>, method: string, path: string, body?: unknown) {
  const request = new Request(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response = await worker.fetch(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides } as Env,
    createExecutionContext(),
  );
  return { status: response.status, body: (await response.json()) as any };
}

const rule = (notifyUrl: string | null) => ({ name: 'Paged', metric: 'mos', comparator: 'lt', threshold: 3, scope: 'session', notifyUrl });
const PRODUCTION = { APP_ENV: 'production' };

describe('saving a rule with a webhook', () => {
  // Each of these was accepted before: metadata, private network, loopback in decimal, and their other notations.
  const refused = [
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'https://10.0.0.1/',
    'http://2130706433/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://017700000001/',
    'https://127.1/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::1]/',
    'https://[fe80::1]/',
    'https://[fc00::1]/',
    'https://0.0.0.0/',
    'https://100.64.0.1/',
    'https://192.168.0.10/hook',
    'https://172.20.1.1/hook',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://localhost/hook',
    'https://api.localhost/hook',
    'http://127.0.0.1:9/alert-hook',
    'http://hooks.example.com/alerts',
  ];
  for (const notifyUrl of refused) {
    it(`refuses ${notifyUrl} with a 400 naming notifyUrl`, async () => {
      const created = await callWith(PRODUCTION, 'POST', '/api/v1/alerts/rules', rule(notifyUrl));
      expect(created.status).toBe(400);
      expect(created.body.error.code).toBe('validation_failed');
      expect(created.body.error.details[0].path).toBe('notifyUrl');
      expect(created.body.error.details[0].message).toMatch(/^notifyUrl .+: use a public https URL$/);
    });
  }

  it('refuses the same addresses on a change, and keeps the rule as it was', async () => {
    const created = await callWith(PRODUCTION, 'POST', '/api/v1/alerts/rules', rule('https://hooks.example.com/ok'));
    expect(created.status).toBe(201);
    const patched = await callWith(PRODUCTION, 'PATCH', `/api/v1/alerts/rules/${created.body.id}`, {
      notifyUrl: 'https://169.254.169.254/',
    });
    expect(patched.status).toBe(400);
    const row = await env.DB.prepare('SELECT notify_url FROM alert_rules WHERE id = ?').bind(created.body.id).first('notify_url');
    expect(row).toBe('https://hooks.example.com/ok');
  });

  it('refuses the IPFS node API, even where http to localhost is allowed (development)', async () => {
    const ipfs = { IPFS_API_URLS: 'dev=http://127.0.0.1:5001' };
    const created = await callWith(ipfs, 'POST', '/api/v1/alerts/rules', rule('http://127.0.0.1:5001/api/v0/pin/rm?arg=x'));
    expect(created.status).toBe(400);
    expect(created.body.error.details[0].message).toContain('IPFS node API');
    // Another name of the same machine is the same node.
    expect((await callWith(ipfs, 'POST', '/api/v1/alerts/rules', rule('http://localhost:5001/api/v0/shutdown'))).status).toBe(400);
    expect((await callWith(ipfs, 'POST', '/api/v1/alerts/rules', rule('http://localhost:5002/hook'))).status).toBe(201);
  });

  it('allows plain http to localhost only outside production', async () => {
    expect((await callWith({}, 'POST', '/api/v1/alerts/rules', rule('http://127.0.0.1:9/alert-hook'))).status).toBe(201);
    expect((await callWith(PRODUCTION, 'POST', '/api/v1/alerts/rules', rule('http://127.0.0.1:9/alert-hook'))).status).toBe(400);
  });

  it('is refused with 409 webhook_secret_missing while ALERT_WEBHOOK_SECRET is not set; rules without one still save', async () => {
    const noSecret = { ALERT_WEBHOOK_SECRET: undefined };
    const created = await callWith(noSecret, 'POST', '/api/v1/alerts/rules', rule('https://hooks.example.com/alerts'));
    expect(created.status).toBe(409);
    expect(created.body.error.code).toBe('webhook_secret_missing');
    expect(created.body.error.message).toContain('ALERT_WEBHOOK_SECRET');
    const plain = await callWith(noSecret, 'POST', '/api/v1/alerts/rules', rule(null));
    expect(plain.status).toBe(201);
    const patched = await callWith(noSecret, 'PATCH', `/api/v1/alerts/rules/${plain.body.id}`, {
      notifyUrl: 'https://hooks.example.com/x',
    });
    expect(patched.status).toBe(409);
    // Removing a webhook needs no secret.
    expect((await callWith(noSecret, 'PATCH', `/api/v1/alerts/rules/${plain.body.id}`, { notifyUrl: null })).status).toBe(200);
  });
});

describe('delivering an alert webhook', () => {
  async function storedAlert() {
    const created = await callWith({}, 'POST', '/api/v1/alerts/rules', rule(null));
    const alertId = `alt_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
    await env.DB.prepare(
      "INSERT INTO alerts (id, rule_id, rule_name, metric, scope, scope_key, state, threshold, started_at, last_value, last_evaluated_at) VALUES (?, ?, 'Paged', 'mos', 'session', 'ses_x', 'firing', 3, ?, 2.5, ?)",
    )
      .bind(alertId, created.body.id, Date.now(), Date.now())
      .run();
    return { ruleId: created.body.id as string, alertId };
  }

  function notifyEvent(notifyUrl: string, ids: { ruleId: string; alertId: string }) {
    return createEvent('alert.notify', {
      notifyUrl,
      transition: 'opened',
      alert: {
        id: ids.alertId,
        ruleId: ids.ruleId,
        ruleName: 'Paged',
        metric: 'mos',
        scope: 'session',
        scopeKey: 'ses_x',
        state: 'firing',
        value: 2.5,
        threshold: 3,
        startedAt: new Date().toISOString(),
        resolvedAt: null,
      },
    });
  }

  it('sends nothing unsigned: without ALERT_WEBHOOK_SECRET the attempt is recorded as refused', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok'));
    const ids = await storedAlert();
    const event = notifyEvent('https://hooks.example.com/alerts', ids);
    const db = openDatabase(env.DB);
    const effects = await alertWebhookHandler.handle(event, { db, env: { ...env, ALERT_WEBHOOK_SECRET: undefined } });
    expect(fetchSpy).not.toHaveBeenCalled();
    await db.batch(effects as [never, ...never[]]);
    const recorded = await env.DB.prepare('SELECT status, error FROM alert_notifications WHERE event_id = ?').bind(event.id).first();
    expect(recorded).toEqual({ status: null, error: 'not sent: ALERT_WEBHOOK_SECRET is not set' });
  });

  it('sends nothing to a refused address stored before the check, and never follows a redirect', async () => {
    const fetchSpy = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => new Response(null, { status: 302, headers: { Location: 'http://169.254.169.254/' } }));
    const ids = await storedAlert();
    const db = openDatabase(env.DB);
    const metadata = notifyEvent('https://169.254.169.254/latest/meta-data/', ids);
    expect(await alertWebhookHandler.handle(metadata, { db, env })).toHaveLength(1);
    expect(fetchSpy).not.toHaveBeenCalled();

    // A public URL answering with a redirect: fetched once with redirect 'manual', and the 302 is a failure.
    const bouncing = notifyEvent('https://hooks.example.com/bounce', ids);
    await expect(alertWebhookHandler.handle(bouncing, { db, env })).rejects.toThrow(/HTTP 302/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [, init] = fetchSpy.mock.calls[0] ?? [];
    expect(init?.redirect).toBe('manual');
  });
});
