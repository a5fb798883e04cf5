// The Analytics Engine SQL adapter against a local server that holds to Cloudflare's documented contract
// (test/contract/analytics-engine-sql-server.ts). The adapter uses plain fetch, so it runs here in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyticsEngineSqlClient,
  AnalyticsEngineSqlError,
  analyticsEngineSqlFromEnv,
  PEER_STATS_DATASET,
  sessionPointsQuery,
  sqlDateTime,
  sqlString,
  toSessionPoint,
} from '../../src/adapters/analytics-engine-sql';
import { type ContractServer, type FixturePoint, startAnalyticsEngineSqlServer } from '../contract/analytics-engine-sql-server';

const ACCOUNT_ID = '0123456789abcdef0123456789abcdef';
const TOKEN = 'contract-test-token';
const SESSION = 'ses_contract01';

// Blob and double order as PeerMetricsAggregator.writeDataPoints writes them.
function point(timestamp: string, index1: string, rttMs: number, bytesFromPeers: number): FixturePoint {
  return {
    timestamp,
    index1,
    blobs: ['peer-1', 'vid_abc', '', 'DE', 'FRA', 'p2p-host', 'connected'],
    doubles: [Date.parse(`${timestamp.replace(' ', 'T')}Z`), rttMs, -1, 0, 1200, 900_000, 30, bytesFromPeers, -1],
  };
}

const fixtures: FixturePoint[] = [
  point('2026-11-28 10:00:00', SESSION, 42, 1000),
  point('2026-11-28 10:00:05', SESSION, 40, 2000),
  point('2026-11-28 10:00:10', SESSION, 38, 3000),
  point('2026-11-28 11:30:00', SESSION, 99, 4000), // outside the queried hour
  point('2026-11-28 10:00:07', 'ses_someoneelse', 10, 5),
];

let server: ContractServer;

beforeAll(async () => {
  server = await startAnalyticsEngineSqlServer({ accountId: ACCOUNT_ID, apiToken: TOKEN, datasets: { [PEER_STATS_DATASET]: fixtures } });
});
afterAll(async () => {
  await server?.close();
});

const hour = { fromMs: Date.parse('2026-11-28T10:00:00Z'), toMs: Date.parse('2026-11-28T11:00:00Z') };

describe('Analytics Engine SQL adapter (contract server)', () => {
  it('sends the documented request: POST to the account path, bearer token, SQL text as the body', async () => {
    const client = new AnalyticsEngineSqlClient({ accountId: ACCOUNT_ID, apiToken: TOKEN, baseUrl: server.baseUrl });
    const sql = sessionPointsQuery({ sessionId: SESSION, ...hour, limit: 10 });
    await client.query(sql);
    const sent = server.requests.at(-1);
    expect(sent).toMatchObject({
      method: 'POST',
      path: `/client/v4/accounts/${ACCOUNT_ID}/analytics_engine/sql`,
      authorization: `Bearer ${TOKEN}`,
      body: sql,
    });
    expect(sent?.contentType).toMatch(/^text\/plain/);
    expect(sql).toMatch(/FORMAT JSON$/);
  });

  it("returns one session's points in the range, newest first, with the JSON meta", async () => {
    const client = new AnalyticsEngineSqlClient({ accountId: ACCOUNT_ID, apiToken: TOKEN, baseUrl: server.baseUrl });
    const result = await client.query<Record<string, unknown>>(sessionPointsQuery({ sessionId: SESSION, ...hour, limit: 10 }));
    expect(result.rows).toBe(3);
    expect(result.meta.map((m) => m.name)).toContain('rttMs');
    const points = result.data.map(toSessionPoint);
    expect(points.map((p) => p.timestamp)).toEqual(['2026-11-28 10:00:10', '2026-11-28 10:00:05', '2026-11-28 10:00:00']);
    expect(points[0]).toMatchObject({
      sessionId: SESSION,
      peerId: 'peer-1',
      videoId: 'vid_abc',
      roomId: null,
      country: 'DE',
      colo: 'FRA',
      pathType: 'p2p-host',
      connectionState: 'connected',
      rttMs: 38,
      // −1 in storage means "the sample had no value".
      jitterMs: null,
      bytesFromHttp: null,
      bytesFromPeers: 3000,
      sampleInterval: 1,
    });
  });

  it('honours the limit and reports how many rows matched before it', async () => {
    const client = new AnalyticsEngineSqlClient({ accountId: ACCOUNT_ID, apiToken: TOKEN, baseUrl: server.baseUrl });
    const result = await client.query(sessionPointsQuery({ sessionId: SESSION, ...hour, limit: 2 }));
    expect(result.data).toHaveLength(2);
    expect(result.rowsBeforeLimitAtLeast).toBe(3);
  });

  it('turns a rejected token into an AnalyticsEngineSqlError carrying the status', async () => {
    const client = new AnalyticsEngineSqlClient({ accountId: ACCOUNT_ID, apiToken: 'wrong', baseUrl: server.baseUrl });
    const failure = await client.query(sessionPointsQuery({ sessionId: SESSION, ...hour, limit: 1 })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AnalyticsEngineSqlError);
    expect((failure as AnalyticsEngineSqlError).status).toBe(401);
  });

  it('surfaces a failed query (400) as an error, not as empty rows', async () => {
    const client = new AnalyticsEngineSqlClient({ accountId: ACCOUNT_ID, apiToken: TOKEN, baseUrl: server.baseUrl });
    await expect(client.query('SELECT nonsense')).rejects.toMatchObject({ status: 400 });
  });

  it('is configured only by both secrets and a well-formed account id', () => {
    expect(analyticsEngineSqlFromEnv({})).toBeNull();
    expect(analyticsEngineSqlFromEnv({ AE_ACCOUNT_ID: ACCOUNT_ID })).toBeNull();
    expect(analyticsEngineSqlFromEnv({ AE_ACCOUNT_ID: 'not-an-account', AE_API_TOKEN: TOKEN })).toBeNull();
    const client = analyticsEngineSqlFromEnv({ AE_ACCOUNT_ID: ACCOUNT_ID, AE_API_TOKEN: TOKEN });
    expect(client?.endpoint).toBe(`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT_ID}/analytics_engine/sql`);
    const local = analyticsEngineSqlFromEnv({ AE_ACCOUNT_ID: ACCOUNT_ID, AE_API_TOKEN: TOKEN, AE_SQL_API_URL: `${server.baseUrl}/` });
    expect(local?.endpoint).toBe(`${server.baseUrl}/accounts/${ACCOUNT_ID}/analytics_engine/sql`);
  });
});

describe('query building without bind parameters', () => {
  it('refuses any session id outside the whitelist, quotes included', () => {
    for (const bad of ["ses_abc' OR 1=1 --", 'ses_ABCDEF', "ses_abcdef'", 'ses_abc\\def', '', 'vid_abcdef']) {
      expect(() => sessionPointsQuery({ sessionId: bad, ...hour, limit: 1 }), bad).toThrow(RangeError);
    }
  });

  it('escapes quotes and backslashes even inside an allowed literal', () => {
    expect(sqlString("it's \\ fine", /.*/)).toBe("'it\\'s \\\\ fine'");
  });

  it('formats times itself and refuses limits and ranges out of bounds', () => {
    expect(sqlDateTime(Date.parse('2026-11-28T10:00:00.999Z'))).toBe("toDateTime('2026-11-28 10:00:00')");
    expect(() => sqlDateTime(Number.NaN)).toThrow(RangeError);
    for (const limit of [0, 1001, 1.5, Number.NaN]) {
      expect(() => sessionPointsQuery({ sessionId: SESSION, ...hour, limit })).toThrow(RangeError);
    }
    expect(() => sessionPointsQuery({ sessionId: SESSION, fromMs: hour.toMs, toMs: hour.fromMs, limit: 1 })).toThrow(RangeError);
  });
});
