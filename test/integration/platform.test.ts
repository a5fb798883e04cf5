import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/workers/app';
import { api } from './helpers';

describe('health', () => {
  it('reports D1, every Durable Object namespace and every queue as answering', async () => {
    const response = await api('GET', '/api/v1/health');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(Object.keys(response.body.checks).sort()).toEqual(
      ['callRoom', 'd1', 'domainEventsQueue', 'ipfsJobsQueue', 'paymentEventsQueue', 'peerMetrics', 'swarmTracker'].sort(),
    );
    for (const check of Object.values(response.body.checks) as { ok: boolean }[]) expect(check.ok).toBe(true);
  });

  it('reports degraded with 503 when a dependency fails', async () => {
    const brokenDb = { prepare: () => ({ first: () => Promise.reject(new Error('D1 unreachable')) }) };
    const ctx = createExecutionContext();
    const response = await createApp().fetch(new Request('http://x/api/v1/health'), { ...env, DB: brokenDb }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.status).toBe('degraded');
    expect(body.checks.d1).toMatchObject({ ok: false, error: 'D1 unreachable' });
    expect(body.checks.swarmTracker?.ok).toBe(true);
  });
});

describe('configuration', () => {
  it('answers 503 misconfigured, naming the setting but not its value, when JWT_SECRET is weak', async () => {
    const ctx = createExecutionContext();
    const response = await createApp().fetch(new Request('http://x/api/v1/videos'), { ...env, JWT_SECRET: 'short' }, ctx);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; details: { fields: string[] } } };
    expect(body.error.code).toBe('misconfigured');
    expect(body.error.details.fields).toEqual(['JWT_SECRET']);
    expect(JSON.stringify(body)).not.toContain('short');
  });
});

describe('API conventions', () => {
  it('publishes an OpenAPI 3.1 document listing every route with its security', async () => {
    const response = await api('GET', '/api/v1/openapi.json');
    expect(response.status).toBe(200);
    const doc = response.body;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const expected of [
      'GET /api/v1/health',
      'POST /api/v1/auth/signup',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/refresh',
      'POST /api/v1/auth/logout',
      'GET /api/v1/auth/me',
      'POST /api/v1/api-keys',
      'POST /api/v1/tokens/room',
      'POST /api/v1/tokens/ingest',
      'GET /api/v1/videos',
      'POST /api/v1/videos',
      'PATCH /api/v1/videos/{id}',
      'GET /api/v1/admin/dead-letters',
    ]) {
      expect(operations).toContain(expected);
    }
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    expect(doc.paths['/api/v1/auth/me'].get.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(doc.components.schemas).toHaveProperty('Error');
  });

  it('gives every response a request id, security headers and a strict CSP', async () => {
    const response = await api('GET', '/api/v1/videos');
    expect(response.headers.get('X-Request-Id')).toMatch(/.+/);
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Strict-Transport-Security')).toContain('max-age=');
  });

  it('echoes a caller-supplied request id into errors', async () => {
    const response = await api('GET', '/api/v1/videos/not-an-id', { headers: { 'X-Request-Id': 'trace-abc-123' } });
    expect(response.status).toBe(400);
    expect(response.body.error.requestId).toBe('trace-abc-123');
    expect(response.headers.get('X-Request-Id')).toBe('trace-abc-123');
  });

  it('allows configured origins by CORS and no others', async () => {
    const allowed = await api('OPTIONS', '/api/v1/videos', {
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
    const denied = await api('GET', '/api/v1/videos', { headers: { Origin: 'https://evil.example' } });
    expect(denied.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers unknown API paths with the JSON error shape', async () => {
    const response = await api('GET', '/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('redirects /api/v1/docs to the human docs page', async () => {
    const response = await api('GET', '/api/v1/docs');
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/docs/');
  });
});
