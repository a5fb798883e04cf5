// GET /api/v1/analytics/raw/session/{sessionId}: access, validation, 503 when the Analytics Engine secrets are
// absent, and the query it sends when they are set (the SQL API itself exists only in production; its contract
// is checked in test/tooling/analytics-engine-sql.test.ts).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/workers/app';
import { api, signUp, signUpAdmin } from './helpers';

let admin: Awaited<ReturnType<typeof signUpAdmin>>;
beforeAll(async () => {
  admin = await signUpAdmin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ACCOUNT_ID = 'fedcba9876543210fedcba9876543210';

describe('raw session points', () => {
  it('is for admins (and analytics:read keys) only', async () => {
    expect((await api('GET', '/api/v1/analytics/raw/session/ses_abcdef12')).status).toBe(401);
    const viewer = await signUp('viewer');
    expect((await api('GET', '/api/v1/analytics/raw/session/ses_abcdef12', { token: viewer.accessToken })).status).toBe(403);
  });

  it('validates the session id, the range, the limit and refuses unknown parameters', async () => {
    for (const path of [
      "/api/v1/analytics/raw/session/ses_abc'%20OR%201=1",
      '/api/v1/analytics/raw/session/ses_abcdef12?limit=0',
      '/api/v1/analytics/raw/session/ses_abcdef12?limit=5000',
      '/api/v1/analytics/raw/session/ses_abcdef12?from=2026-11-28T12:00:00Z&to=2026-11-28T11:00:00Z',
      '/api/v1/analytics/raw/session/ses_abcdef12?sql=SELECT%201',
    ]) {
      const response = await api('GET', path, { token: admin.accessToken });
      expect(response.status, path).toBe(400);
    }
  });

  it('answers 503 not_configured without AE_ACCOUNT_ID and AE_API_TOKEN', async () => {
    const response = await api('GET', '/api/v1/analytics/raw/session/ses_abcdef12', { token: admin.accessToken });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('not_configured');
  });

  it('queries the dataset for that session only and maps the rows', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () =>
      Response.json({
        meta: [{ name: 'timestamp', type: 'DateTime' }],
        data: [
          {
            timestamp: '2026-11-28 10:00:10',
            sessionId: 'ses_abcdef12',
            peerId: 'peer-1',
            videoId: 'vid_x',
            roomId: '',
            country: 'DE',
            colo: 'FRA',
            pathType: 'p2p-host',
            connectionState: 'connected',
            sampleTs: 1,
            rttMs: 38,
            jitterMs: -1,
            packetsLost: 0,
            packetsReceived: 10,
            bytesReceived: 100,
            framesPerSecond: 30,
            bytesFromPeers: 50,
            bytesFromHttp: -1,
            sampleInterval: '1',
          },
        ],
        rows: 1,
        rows_before_limit_at_least: 1,
      }),
    );
    const configured = { ...env, AE_ACCOUNT_ID: ACCOUNT_ID, AE_API_TOKEN: 'token-123', AE_SQL_API_URL: 'https://ae.example/client/v4' };
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request('http://x/api/v1/analytics/raw/session/ses_abcdef12?from=2026-11-28T10:00:00Z&to=2026-11-28T11:00:00Z&limit=5', {
        headers: { Authorization: `Bearer ${admin.accessToken}` },
      }),
      configured,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rows: Record<string, unknown>[]; rowsBeforeLimitAtLeast: number };
    expect(body.rows[0]).toMatchObject({ peerId: 'peer-1', roomId: null, jitterMs: null, rttMs: 38, sampleInterval: 1 });

    const aeCall = fetchSpy.mock.calls.find(([url]) => String(url).startsWith('https://ae.example/'));
    expect(aeCall).toBeDefined();
    const [url, init] = aeCall as [string, RequestInit];
    expect(url).toBe(`https://ae.example/client/v4/accounts/${ACCOUNT_ID}/analytics_engine/sql`);
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer token-123');
    const sql = String(init.body);
    expect(sql).toContain("WHERE index1 = 'ses_abcdef12'");
    expect(sql).toContain("timestamp >= toDateTime('2026-11-28 10:00:00') AND timestamp < toDateTime('2026-11-28 11:00:00')");
    expect(sql).toContain('FROM vibestream_peer_stats');
    expect(sql).toMatch(/LIMIT 5\nFORMAT JSON$/);
  });

  it('answers 502 when the SQL API fails, without echoing its body', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('Error: secret detail', { status: 500 }));
    const configured = { ...env, AE_ACCOUNT_ID: ACCOUNT_ID, AE_API_TOKEN: 'token-123', AE_SQL_API_URL: 'https://ae.example/client/v4' };
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request('http://x/api/v1/analytics/raw/session/ses_abcdef12', { headers: { Authorization: `Bearer ${admin.accessToken}` } }),
      configured,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).toContain('upstream_error');
    expect(text).not.toContain('secret detail');
  });
});
