// Abuse limits and hygiene that hold for every caller: sign-in brute force, sign-up and refresh floods (RateLimiter
// Durable Objects), security headers with a CSP on every page and API response, and no credential in any log
// line. Announce and signaling floods are covered where those protocols are tested (swarm-tracker.test.ts
// "rate-limits a socket that floods announces", call-room.test.ts "rate-limits a connection that floods the room"),
// and webhook replay where each provider is (payments-stripe.test.ts "rejects tampered, stale and unsigned
// webhooks", payments-coinbase.test.ts "a replayed event is acknowledged only").
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGIN_FAILURES, REFRESHES_PER_ADDRESS, SIGNUPS_PER_ADDRESS, type WindowRule } from '../../src/domain/rate-limits';
import worker from '../../src/workers/index';
import { api, BASE, signUp } from './helpers';
import { postWebhook, pricedVideo, routeProvidersToContracts, stripeContract, stripeSignature } from './payments-fixtures';

afterEach(() => {
  vi.restoreAllMocks();
});

// A request through Cloudflare's edge from `address`: the edge sets request.cf and CF-Connecting-IP, and only then
// is the header the caller's address (workers/auth/rate-limits clientAddress).
const EDGE_CF = { colo: 'AMS', country: 'NL' };
const from = (address: string) => ({ 'CF-Connecting-IP': address });
const edge = (address: string) => ({ headers: from(address), cf: EDGE_CF });
const login = (email: string, password: string, address: string) =>
  api('POST', '/api/v1/auth/login', { body: { email, password }, ...edge(address) });

/** Fills a limiter's window as earlier requests would have. */
async function prefill(key: string, rule: WindowRule, hits: number) {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
  for (let i = 0; i < hits; i++) expect((await stub.take(rule)).allowed).toBe(true);
}

describe('password change', () => {
  it('limits wrong current passwords per account: a stolen access token cannot guess the password behind it', async () => {
    const user = await signUp('viewer');
    const change = (currentPassword: string, address: string) =>
      api('POST', '/api/v1/auth/password', {
        token: user.accessToken,
        body: { currentPassword, newPassword: 'a brand new passphrase 42' },
        ...edge(address),
      });
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) expect((await change(`guess ${i}`, `203.0.113.${20 + i}`)).status).toBe(401);
    // From any address: the limit is the account's.
    const locked = await change('one more guess', '198.51.100.99');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('rate_limited');
    expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0);
    // Even the right password waits out the window, and nothing changed.
    expect((await change(user.password, '198.51.100.99')).status).toBe(429);
    expect((await login(user.email, user.password, '198.51.100.5')).status).toBe(200);
  });
});

describe('sign-in brute force', () => {
  it('refuses the sixth failure within 15 minutes with 429 and Retry-After, for that account and address only', async () => {
    const user = await signUp('viewer');
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) {
      const wrong = await login(user.email, `wrong guess ${i}`, '203.0.113.7');
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_credentials');
    }
    const locked = await login(user.email, 'yet another guess', '203.0.113.7');
    expect(locked.status).toBe(429);
    expect(locked.body.error).toMatchObject({ code: 'rate_limited', message: expect.any(String) });
    const retryAfter = Number(locked.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_FAILURES.windowMs / 1000);
    // Even the right password waits out the window from this address; the owner elsewhere is not locked out.
    expect((await login(user.email, user.password, '203.0.113.7')).status).toBe(429);
    expect((await login(user.email, user.password, '198.51.100.20')).status).toBe(200);
    // Email case does not open a fresh window.
    expect((await login(user.email.toUpperCase(), 'guess', '203.0.113.7')).status).toBe(429);
  });

  it('a successful sign-in clears the failures', async () => {
    const user = await signUp('viewer');
    for (let i = 0; i < LOGIN_FAILURES.limit - 1; i++) expect((await login(user.email, 'nope', '203.0.113.9')).status).toBe(401);
    expect((await login(user.email, user.password, '203.0.113.9')).status).toBe(200);
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) expect((await login(user.email, 'nope', '203.0.113.9')).status).toBe(401);
    expect((await login(user.email, 'nope', '203.0.113.9')).status).toBe(429);
  });

  it('guessing at an account that does not exist is limited the same way (no account probing)', async () => {
    const email = `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`;
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) expect((await login(email, 'guess', '203.0.113.10')).status).toBe(401);
    expect((await login(email, 'guess', '203.0.113.10')).status).toBe(429);
  });
});

describe('sign-up and refresh floods', () => {
  it('refuses sign-ups past the per-address limit, while loopback (local tooling) is not limited', async () => {
    await prefill('signup:198.51.100.33', SIGNUPS_PER_ADDRESS, SIGNUPS_PER_ADDRESS.limit);
    const body = {
      email: `flood-${crypto.randomUUID().slice(0, 8)}@example.com`,
      password: 'a sturdy passphrase',
      displayName: 'F',
      role: 'viewer',
    };
    const refused = await api('POST', '/api/v1/auth/signup', { body, ...edge('198.51.100.33') });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').bind(body.email).first('n')).toBe(0);
    expect((await api('POST', '/api/v1/auth/signup', { body, ...edge('198.51.100.34') })).status).toBe(201);
    await prefill('signup:127.0.0.1', SIGNUPS_PER_ADDRESS, SIGNUPS_PER_ADDRESS.limit);
    expect(
      (await api('POST', '/api/v1/auth/signup', { body: { ...body, email: `local-${body.email}` }, ...edge('127.0.0.1') })).status,
    ).toBe(201);
  });

  it('refuses token refreshes past the per-address limit', async () => {
    const user = await signUp('viewer');
    await prefill('refresh:198.51.100.40', REFRESHES_PER_ADDRESS, REFRESHES_PER_ADDRESS.limit);
    const refused = await api('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: user.refreshToken },
      ...edge('198.51.100.40'),
    });
    expect(refused.status).toBe(429);
    // The refresh token was not spent by the refused call.
    expect(
      (await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken }, ...edge('198.51.100.41') })).status,
    ).toBe(200);
  });
});

describe('security headers', () => {
  const PAGES = [
    '/',
    '/login/',
    '/signup/',
    '/dashboard/',
    '/revenue/',
    '/upload/',
    '/docs/',
    '/watch/vid_abcdefghijkmnpq',
    '/room/standup',
    '/no-such-page',
  ];
  const API_SAMPLE: [string, string, unknown?][] = [
    ['GET', '/api/v1/health'],
    ['GET', '/api/v1/openapi.json'],
    ['GET', '/api/v1/videos'],
    ['GET', '/api/v1/videos/vid_missingmissing'],
    ['POST', '/api/v1/auth/login', { email: 'x@example.com' }],
    ['GET', '/api/v1/admin/users'],
    ['GET', '/api/v1/no-such-route'],
    ['POST', '/webhooks/stripe', {}],
    ['GET', '/api/v1/docs'],
  ];

  async function raw(path: string, init: RequestInit = {}) {
    const response = await worker.fetch(
      new Request(`${BASE}${path}`, { redirect: 'manual', ...init }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      createExecutionContext(),
    );
    await response.arrayBuffer();
    return response;
  }

  it('every API answer carries a deny-all CSP, nosniff and no framing', async () => {
    for (const [method, path, body] of API_SAMPLE) {
      const response = await raw(path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      });
      const where = `${method} ${path} → ${response.status}`;
      expect(response.headers.get('Content-Security-Policy'), where).toMatch(/default-src 'none'/);
      expect(response.headers.get('Content-Security-Policy'), where).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('X-Content-Type-Options'), where).toBe('nosniff');
      expect(response.headers.get('X-Frame-Options'), where).toBe('SAMEORIGIN');
      expect(response.headers.get('Strict-Transport-Security'), where).toMatch(/max-age=\d+/);
    }
  });

  // Routing as wrangler.toml sets it up: static assets answer first, except the paths in run_worker_first.
  const WORKER_FIRST = /^\/(api|webhooks|watch|room)\//;
  async function page(path: string) {
    if (WORKER_FIRST.test(path)) return raw(path);
    const response = await env.ASSETS.fetch(new Request(`${BASE}${path}`));
    await response.arrayBuffer();
    return response;
  }

  it('every page carries a CSP that forbids framing and foreign scripts', async (context) => {
    if ((await page('/')).status !== 200) context.skip('web/dist is not built (npm run build:web)');
    for (const path of PAGES) {
      const response = await page(path);
      const csp = response.headers.get('Content-Security-Policy') ?? '';
      const where = `${path} → ${response.status}`;
      expect(csp, where).toMatch(/frame-ancestors 'none'/);
      expect(csp, where).toMatch(/script-src 'self'(;|$)/);
      expect(csp, where).toMatch(/default-src 'self'/);
      expect(response.headers.get('X-Content-Type-Options'), where).toBe('nosniff');
    }
  });
});

describe('logs', () => {
  it('never contain a password, token, API key or webhook secret', async () => {
    routeProvidersToContracts();
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      });
    // Every request logged, at the most verbose level.
    const verbose = { ...env, LOG_LEVEL: 'debug' } as typeof env;
    const call = async (
      method: string,
      path: string,
      init: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
    ) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...init.headers };
      if (init.token) headers.Authorization = `Bearer ${init.token}`;
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`${BASE}${path}`, {
          method,
          headers,
          body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
        }) as Request<unknown, IncomingRequestCfProperties>,
        verbose,
        ctx,
      );
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };

    const email = `logs-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = 'correct horse battery staple';
    const signedUp = await call('POST', '/api/v1/auth/signup', { body: { email, password, displayName: 'Logs', role: 'creator' } });
    expect(signedUp.status).toBe(201);
    await call('POST', '/api/v1/auth/login', { body: { email, password: 'a wrong password' } });
    const session = await call('POST', '/api/v1/auth/login', { body: { email, password } });
    expect(session.status).toBe(200);
    const refreshed = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
    const key = await call('POST', '/api/v1/api-keys', {
      token: refreshed.body.accessToken,
      body: { name: 'logs', scopes: ['catalog:read'] },
    });
    expect(key.status).toBe(201);
    expect((await call('GET', '/api/v1/me/videos', { headers: { 'X-API-Key': key.body.key } })).status).toBe(200);
    expect((await call('GET', '/api/v1/auth/me', { token: `${key.body.key.slice(0, -2)}xx` })).status).toBe(401);
    await call('POST', '/api/v1/auth/password', {
      token: refreshed.body.accessToken,
      body: { currentPassword: 'not it', newPassword: 'another sturdy passphrase' },
    });
    // A signed provider webhook, and one with a bad signature.
    const { videoId } = await pricedVideo();
    const checkout = await api('POST', '/api/v1/checkout', {
      token: refreshed.body.accessToken,
      headers: { 'Idempotency-Key': `logs-${crypto.randomUUID()}` },
      body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } },
    });
    const { session: paid } = stripeContract.paySession(checkout.body.providerRef, 68);
    const event = stripeContract.event('checkout.session.completed', paid);
    const signature = await stripeSignature(event.body);
    await call('POST', '/webhooks/stripe', { rawBody: event.body, headers: { 'Stripe-Signature': signature } });
    await call('POST', '/webhooks/stripe', { rawBody: event.body, headers: { 'Stripe-Signature': `${signature.slice(0, -4)}0000` } });
    await postWebhook('stripe', event.body, { 'Stripe-Signature': signature });

    expect(lines.length).toBeGreaterThan(8);
    const secrets: Record<string, string> = {
      password,
      'wrong password': 'a wrong password',
      'access token': session.body.accessToken,
      'refreshed access token': refreshed.body.accessToken,
      'refresh token': session.body.refreshToken,
      'rotated refresh token': refreshed.body.refreshToken,
      'API key': key.body.key,
      'API key secret': key.body.key.split('_').slice(2).join('_'),
      'webhook signature': signature.split('v1=')[1] ?? signature,
      'webhook secret': (env as unknown as Record<string, string>).STRIPE_WEBHOOK_SECRET as string,
      'JWT secret': (env as unknown as Record<string, string>).JWT_SECRET as string,
    };
    const leaks = Object.entries(secrets).flatMap(([what, secret]) =>
      lines.filter((line) => line.includes(secret)).map((line) => `${what}: ${line.slice(0, 200)}`),
    );
    expect(leaks).toEqual([]);
  });
});
