import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeRollupRows, rollupMetrics, rollupSamples } from '../../src/domain/quality/rollup';
import type { StatsSample } from '../../src/domain/quality/types';
import { api, readyVideo, signUp, signUpAdmin } from './helpers';

// Three sessions on two videos, 90 s of samples each with different network quality.
const NOW = Date.now();
const START = Math.floor((NOW - 10 * 60_000) / 60_000) * 60_000;
function sessionSamples(rttS: number, lossEvery: number, offload: number): StatsSample[] {
  return Array.from({ length: 90 }, (_, i) => ({
    ts: START + i * 1000,
    connection: {
      remotePeerId: 'peer_remotebbbbbbbb',
      state: 'connected' as const,
      localCandidateType: 'host' as const,
      remoteCandidateType: rttS > 0.2 ? ('relay' as const) : ('srflx' as const),
      currentRoundTripTime: rttS + (i % 5) * 0.001,
    },
    inbound: { bytesReceived: 50_000 * (i + 1), packetsReceived: 50 * (i + 1), packetsLost: Math.floor(i / lossEvery), jitter: 0.004 },
    p2p: { bytesFromPeers: Math.round(50_000 * offload) * (i + 1), bytesFromHttp: Math.round(50_000 * (1 - offload)) * (i + 1) },
  }));
}
const SESSIONS = [
  { video: 'vid_queryvideoone', samples: sessionSamples(0.05, 50, 0.8) },
  { video: 'vid_queryvideoone', samples: sessionSamples(0.12, 10, 0.5) },
  { video: 'vid_queryvideotwo', samples: sessionSamples(0.4, 3, 0.2) },
];

let adminToken: string;
const ids: string[] = [];

beforeAll(async () => {
  adminToken = (await signUpAdmin()).accessToken;
  await Promise.all(['vid_queryvideoone', 'vid_queryvideotwo', 'vid_hourlyvideo'].map((id) => readyVideo(id)));
  const viewer = await signUp('viewer');
  for (const session of SESSIONS) {
    const issued = await api('POST', '/api/v1/tokens/ingest', { token: viewer.accessToken, body: { videoId: session.video } });
    const { token, sessionId, peerId } = issued.body;
    ids.push(sessionId);
    for (let i = 0; i < session.samples.length; i += 45) {
      const events =
        i === 0
          ? [
              { ts: START - 900, remotePeerId: 'peer_remotebbbbbbbb', type: 'attempted' },
              { ts: START - 400, remotePeerId: 'peer_remotebbbbbbbb', type: 'connected', setupMs: 500 },
              { ts: START - 300, remotePeerId: 'peer_failedcccccccc', type: 'attempted' },
              { ts: START - 100, remotePeerId: 'peer_failedcccccccc', type: 'failed' },
            ]
          : [];
      const response = await api('POST', '/api/v1/analytics/samples', {
        token,
        body: { sessionId, peerId, samples: session.samples.slice(i, i + 45), events },
      });
      expect(response.status).toBe(202);
    }
    await runDurableObjectAlarm(env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId)));
  }
});

const range = `from=${START - 60_000}&to=${NOW + 60_000}`;

describe('analytics queries', () => {
  it('the summary equals a direct computation over the same raw samples', async () => {
    const response = await api('GET', `/api/v1/analytics/summary?${range}`, { token: adminToken });
    expect(response.status).toBe(200);
    // Direct: roll every session's samples with the domain code and merge all rows into one.
    const rows = SESSIONS.flatMap((session) => rollupSamples(session.samples).rows);
    const total = mergeRollupRows(rows.map((row) => ({ ...row, minute: 0 })))[0];
    if (!total) throw new Error('no rows');
    const direct = rollupMetrics(total);
    const body = response.body;
    expect(body.samples).toBe(270);
    expect(body.sessions).toBe(3);
    expect(body.rttMs.avg).toBeCloseTo(direct.rttMeanMs as number, 1);
    // Mean RTT by hand: (50 + 120 + 400) / 3 + mean of the 0–4 ms wobble (2 ms) = 192 ms.
    expect(body.rttMs.avg).toBeCloseTo(192, 0);
    expect(body.lossRate).toBeCloseTo(direct.lossFraction as number, 4);
    expect(body.mos.avg).toBeCloseTo(direct.mosMean as number, 2);
    expect(body.p2p.offloadRatio).toBeCloseTo(direct.offloadRatio as number, 3);
    expect(body.p2p.bytesFromPeers).toBe(total.bytesFromPeers);
    expect(body.connections).toMatchObject({ attempted: 6, connected: 3, failed: 3, successRate: 0.5, setupMsAvg: 500 });
    expect(body.candidateTypes.relay).toBe(90);
    const distribution = Object.values(body.mos.distribution as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(distribution).toBe(270);
    expect(body.rttMs.p95).toBeGreaterThan(300);
  });

  it('filters by video and by candidate type', async () => {
    const one = await api('GET', `/api/v1/analytics/summary?${range}&videoId=vid_queryvideoone`, { token: adminToken });
    expect(one.body.samples).toBe(180);
    expect(one.body.sessions).toBe(2);
    const relay = await api('GET', `/api/v1/analytics/summary?${range}&candidateType=relay`, { token: adminToken });
    expect(relay.body.samples).toBe(90);
    expect(relay.body.rttMs.avg).toBeGreaterThan(390);
  });

  it('serves repeated aggregate queries from the edge cache for 30 s', async () => {
    const url = `/api/v1/analytics/summary?${range}&videoId=vid_queryvideotwo`;
    const first = await api('GET', url, { token: adminToken });
    // The cache is filled after the response (waitUntil); give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await api('GET', url, { token: adminToken });
    expect(first.headers.get('Cache-Control')).toBe('private, max-age=30');
    expect(second.headers.get('X-Cache')).toBe('HIT');
    expect(second.body).toEqual(first.body);
  });

  it('returns a time series per bucket and active peers', async () => {
    const rtt = await api('GET', `/api/v1/analytics/timeseries?metric=rtt&bucket=1m&${range}`, { token: adminToken });
    expect(rtt.status).toBe(200);
    // The minute before START holds only the connection events (no RTT); START and START+1 min hold samples.
    const measured = rtt.body.points.filter((p: { value: number | null }) => p.value !== null);
    expect(measured.map((p: { t: string }) => p.t)).toEqual([new Date(START).toISOString(), new Date(START + 60_000).toISOString()]);
    const peers = await api('GET', `/api/v1/analytics/timeseries?metric=activePeers&bucket=1m&${range}`, { token: adminToken });
    expect(peers.body.points.map((p: { value: number }) => p.value)).toEqual([3, 3, 3]);
    const success = await api('GET', `/api/v1/analytics/timeseries?metric=connectionSuccessRate&bucket=1h&${range}`, { token: adminToken });
    expect(success.body.points.map((p: { value: number }) => p.value)).toContain(0.5);
    // Hour buckets group the minutes of one hour into one point at the hour (an integer division in SQL).
    const hourly = await api('GET', `/api/v1/analytics/timeseries?metric=rtt&bucket=1h&${range}`, { token: adminToken });
    const hourlyMeasured = hourly.body.points.filter((p: { value: number | null }) => p.value !== null);
    expect(hourlyMeasured.map((p: { t: string }) => p.t)).toEqual([new Date(Math.floor(START / 3_600_000) * 3_600_000).toISOString()]);
  });

  it('breaks down by video', async () => {
    const response = await api('GET', `/api/v1/analytics/breakdown?by=video&${range}`, { token: adminToken });
    expect(response.status).toBe(200);
    const byKey = Object.fromEntries(response.body.rows.map((row: { key: string }) => [row.key, row]));
    expect(byKey.vid_queryvideoone.samples).toBe(180);
    expect(byKey.vid_queryvideotwo.samples).toBe(90);
    expect(byKey.vid_queryvideotwo.rttAvgMs).toBeGreaterThan(byKey.vid_queryvideoone.rttAvgMs);
  });

  it('lists the worst session first and drills into it', async () => {
    const list = await api('GET', `/api/v1/analytics/sessions?sort=problem&limit=2&${range}`, { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.body.items[0].sessionId).toBe(ids[2]);
    expect(list.body.items[0].relayOnly).toBe(true);
    expect(list.body.nextCursor).not.toBeNull();
    const next = await api('GET', `/api/v1/analytics/sessions?sort=problem&limit=2&${range}&cursor=${list.body.nextCursor}`, {
      token: adminToken,
    });
    expect(next.body.items).toHaveLength(1);

    const detail = await api('GET', `/api/v1/analytics/sessions/${ids[2]}`, { token: adminToken });
    expect(detail.status).toBe(200);
    expect(detail.body.minutes).toHaveLength(3);
    expect(detail.body.minutes.reduce((sum: number, m: { samples: number }) => sum + m.samples, 0)).toBe(90);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual(['attempted', 'connected', 'attempted', 'failed']);
  });

  it('exports the same rows as CSV and JSON', async () => {
    const json = await api('GET', `/api/v1/analytics/export?report=breakdown&by=video&format=json&${range}`, { token: adminToken });
    const csv = await api('GET', `/api/v1/analytics/export?report=breakdown&by=video&format=csv&${range}`, { token: adminToken });
    expect(csv.headers.get('Content-Type')).toContain('text/csv');
    expect(csv.headers.get('Content-Disposition')).toMatch(/attachment; filename="vibestream-breakdown-.*\.csv"/);
    const [header, ...lines] = (csv.body as string).trim().split('\r\n');
    expect(header?.split(',')).toEqual(Object.keys(json.body.rows[0]));
    expect(lines.map((line) => line.split(',')[0])).toEqual(json.body.rows.map((row: { key: string }) => row.key));
    const sessions = await api('GET', `/api/v1/analytics/export?report=sessions&format=csv&${range}`, { token: adminToken });
    expect((sessions.body as string).trim().split('\r\n')).toHaveLength(4);
  });

  it('is for admins and analytics:read keys only', async () => {
    const creator = await signUp('creator');
    expect((await api('GET', `/api/v1/analytics/summary?${range}`, { token: creator.accessToken })).status).toBe(403);
    expect((await api('GET', `/api/v1/analytics/summary?${range}`)).status).toBe(401);
    const bad = await api('GET', `/api/v1/analytics/summary?from=${NOW}&to=${NOW - 1000}`, { token: adminToken });
    expect(bad.status).toBe(400);
  });

  it('uses the indexes chosen for each query shape (EXPLAIN QUERY PLAN)', async () => {
    const plan = async (query: string, ...params: unknown[]) =>
      (
        await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`)
          .bind(...params)
          .all<{ detail: string }>()
      ).results
        .map((r) => r.detail)
        .join(' | ');
    expect(await plan('SELECT sum(samples) FROM analytics_minutes WHERE minute BETWEEN ? AND ?', 0, 1)).toMatch(
      /USING (INDEX|PRIMARY KEY|COVERING INDEX) .*minute/i,
    );
    expect(await plan('SELECT sum(samples) FROM analytics_minutes WHERE minute BETWEEN ? AND ? AND video_id = ?', 0, 1, 'v')).toMatch(
      /analytics_minutes_video/,
    );
    expect(await plan('SELECT sum(samples) FROM analytics_minutes WHERE minute BETWEEN ? AND ? AND country = ?', 0, 1, 'DE')).toMatch(
      /analytics_minutes_country/,
    );
    expect(await plan('SELECT * FROM peer_sessions WHERE last_seen_at >= ? ORDER BY problem_score DESC LIMIT 20', 0)).toMatch(
      /peer_sessions_/,
    );
    expect(await plan('SELECT * FROM session_minutes WHERE session_id = ? ORDER BY minute', 's')).toMatch(
      /PRIMARY KEY|sqlite_autoindex_session_minutes/,
    );
  });
});

describe('hourly rollups', () => {
  it('a multi-hour summary read from hourly rows equals the sum of the minute rows', async () => {
    const viewer = await signUp('viewer');
    const issued = await api('POST', '/api/v1/tokens/ingest', { token: viewer.accessToken, body: { videoId: 'vid_hourlyvideo' } });
    const { token, sessionId, peerId } = issued.body;
    // 5 hours of samples, one every 50 s, starting at an odd minute so the range has partial hours at both ends.
    const begin = Date.now() - 5 * 3600_000 - 7 * 60_000;
    const all = Array.from({ length: 360 }, (_, i) => ({
      ts: begin + i * 50_000,
      connection: {
        remotePeerId: 'peer_hourlyddddddd',
        state: 'connected' as const,
        localCandidateType: 'host' as const,
        remoteCandidateType: 'host' as const,
        currentRoundTripTime: 0.03 + (i % 10) * 0.01,
      },
      inbound: { bytesReceived: 10_000 * (i + 1), packetsReceived: 20 * (i + 1), packetsLost: Math.floor(i / 9), jitter: 0.002 },
      p2p: { bytesFromPeers: 7_000 * (i + 1), bytesFromHttp: 3_000 * (i + 1) },
    }));
    for (let i = 0; i < all.length; i += 200) {
      expect(
        (await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: all.slice(i, i + 200) } })).status,
      ).toBe(202);
    }
    await runDurableObjectAlarm(env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId)));
    const from = begin - 13 * 60_000;
    const to = Date.now();
    const summary = await api('GET', `/api/v1/analytics/summary?from=${from}&to=${to}&videoId=vid_hourlyvideo`, { token: adminToken });
    const direct = await env.DB.prepare(
      'SELECT sum(samples) AS samples, sum(rtt_sum_ms) / sum(rtt_count) AS rtt, sum(bytes_from_peers) AS peers FROM analytics_minutes WHERE video_id = ? AND minute BETWEEN ? AND ?',
    )
      .bind('vid_hourlyvideo', from, to)
      .first<{ samples: number; rtt: number; peers: number }>();
    const hourRows = await env.DB.prepare("SELECT count(*) AS n FROM analytics_hours WHERE video_id = 'vid_hourlyvideo'").first('n');
    expect(hourRows).toBeGreaterThanOrEqual(5);
    expect(summary.body.samples).toBe(360);
    expect(summary.body.samples).toBe(direct?.samples);
    expect(summary.body.rttMs.avg).toBeCloseTo(direct?.rtt as number, 1);
    expect(summary.body.p2p.bytesFromPeers).toBe(direct?.peers);
    const hourly = await api(
      'GET',
      `/api/v1/analytics/timeseries?metric=bytesFromPeers&bucket=1h&from=${from}&to=${to}&videoId=vid_hourlyvideo`,
      { token: adminToken },
    );
    const total = hourly.body.points.reduce((sum: number, p: { value: number }) => sum + p.value, 0);
    expect(total).toBe(direct?.peers);
  });
});
