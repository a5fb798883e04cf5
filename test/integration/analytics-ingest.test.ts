import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatsSample } from '../../src/domain/quality/types';
import { api, countRows, readyVideo, signUp } from './helpers';

beforeAll(async () => {
  await readyVideo('vid_ingestvideo01');
});

async function ingestToken(videoId = 'vid_ingestvideo01') {
  const viewer = await signUp('viewer');
  const issued = await api('POST', '/api/v1/tokens/ingest', { token: viewer.accessToken, body: { videoId } });
  expect(issued.status).toBe(201);
  return { viewer, token: issued.body.token as string, sessionId: issued.body.sessionId as string, peerId: issued.body.peerId as string };
}

/** n samples one second apart ending now, cumulative counters as getStats gives them. */
function samples(n: number, start = Date.now() - n * 1000, base = { rtt: 0.08, jitter: 0.01 }): StatsSample[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * 1000,
    connection: {
      remotePeerId: 'peer_remoteaaaaaaaa',
      state: 'connected' as const,
      localCandidateType: 'host' as const,
      remoteCandidateType: 'srflx' as const,
      protocol: 'udp' as const,
      currentRoundTripTime: base.rtt,
    },
    inbound: { bytesReceived: 100_000 * (i + 1), packetsReceived: 100 * (i + 1), packetsLost: i, jitter: base.jitter, framesPerSecond: 30 },
    p2p: { bytesFromPeers: 70_000 * (i + 1), bytesFromHttp: 30_000 * (i + 1), peersConnected: 3 },
  }));
}

function stubFor(sessionId: string) {
  return env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId));
}

describe('metric ingest', () => {
  it('accepts a batch with the session token, stores it in the aggregator and flushes rollups to D1', async () => {
    const { token, sessionId, peerId } = await ingestToken();
    const batch = samples(30);
    const firstTs = batch[0]?.ts ?? Date.now();
    const response = await api('POST', '/api/v1/analytics/samples', {
      token,
      body: {
        sessionId,
        peerId,
        samples: batch,
        events: [
          { ts: firstTs - 500, remotePeerId: 'peer_remoteaaaaaaaa', type: 'attempted' },
          {
            ts: firstTs - 200,
            remotePeerId: 'peer_remoteaaaaaaaa',
            type: 'connected',
            localCandidateType: 'host',
            remoteCandidateType: 'srflx',
            setupMs: 300,
          },
        ],
      },
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ sessionId, acceptedSamples: 30, acceptedEvents: 2, duplicateSamples: 0 });
    expect(response.body.score).toBeGreaterThan(50);
    expect(response.body.mos).toBeGreaterThan(4);

    // Stored before the 202: visible in the object's storage, not yet in D1.
    const stub = stubFor(sessionId);
    const snapshot = await stub.snapshot();
    expect(snapshot.state?.samples).toBe(30);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM peer_sessions WHERE session_id = ?').bind(sessionId).first('n')).toBe(0);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const session = await env.DB.prepare('SELECT * FROM peer_sessions WHERE session_id = ?')
      .bind(sessionId)
      .first<Record<string, unknown>>();
    expect(session).toMatchObject({
      peer_id: peerId,
      video_id: 'vid_ingestvideo01',
      samples: 30,
      conn_attempted: 1,
      conn_connected: 1,
      conn_failed: 0,
    });
    expect(session?.offload_ratio).toBeCloseTo(0.7, 5);
    const minutes = await env.DB.prepare(
      'SELECT SUM(samples) AS samples, SUM(conn_connected) AS connected FROM session_minutes WHERE session_id = ?',
    )
      .bind(sessionId)
      .first<{ samples: number; connected: number }>();
    expect(minutes).toEqual({ samples: 30, connected: 1 });
    const fleet = await env.DB.prepare("SELECT SUM(samples) AS samples FROM analytics_minutes WHERE video_id = 'vid_ingestvideo01'").first(
      'samples',
    );
    expect(fleet).toBe(30);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM connection_events WHERE session_id = ?').bind(sessionId).first('n')).toBe(2);
  });

  it('ignores samples sent twice (client retries) and counts them as duplicates', async () => {
    const { token, sessionId, peerId } = await ingestToken();
    const batch = samples(10);
    await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: batch } });
    const again = await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: batch } });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ acceptedSamples: 0, duplicateSamples: 10 });
    await runDurableObjectAlarm(stubFor(sessionId));
    expect(await env.DB.prepare('SELECT samples FROM peer_sessions WHERE session_id = ?').bind(sessionId).first('samples')).toBe(10);
  });

  it('loses nothing acknowledged when the object is evicted before its flush', async () => {
    const { token, sessionId, peerId } = await ingestToken();
    const batch = samples(20);
    expect(
      (await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: batch.slice(0, 10) } })).status,
    ).toBe(202);
    // Evict: drop the in-memory instance; storage is all that survives.
    const stub = stubFor(sessionId);
    await expect(runInDurableObject(stub, (_instance, state) => state.abort?.('evicted for the test'))).rejects.toThrow('evicted');
    expect((await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: batch.slice(10) } })).status).toBe(
      202,
    );
    await runDurableObjectAlarm(stubFor(sessionId));
    expect(await env.DB.prepare('SELECT SUM(samples) AS n FROM session_minutes WHERE session_id = ?').bind(sessionId).first('n')).toBe(20);
  });

  it('does not count a flush twice when D1 already has it (exactly-once)', async () => {
    const { token, sessionId, peerId } = await ingestToken();
    await api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: samples(5) } });
    const stub = stubFor(sessionId);
    // Simulate a flush whose D1 write succeeded but whose acknowledgement was lost: run it, then restore the
    // in-flight generation and flush again.
    const pending = await runInDurableObject(stub, async (_i, state) => state.storage.get('pending'));
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, async (_i, state) => {
      await state.storage.put('inflight', pending);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runDurableObjectAlarm(stub);
    expect(await env.DB.prepare('SELECT SUM(samples) AS n FROM session_minutes WHERE session_id = ?').bind(sessionId).first('n')).toBe(5);
    expect(await runInDurableObject(stub, async (_i, state) => state.storage.get('inflight'))).toBeUndefined();
  });

  it("refuses another session's token, future or ancient timestamps, oversized and malformed batches, writing nothing", async () => {
    const a = await ingestToken();
    const b = await ingestToken();
    const before = await countRows('session_minutes');
    const objectsBefore = (await listDurableObjectIds(env.PEER_METRICS)).length;
    const cases: [string, Record<string, unknown>, number][] = [
      ['other session', { sessionId: b.sessionId, peerId: b.peerId, samples: samples(2) }, 403],
      ['future', { sessionId: a.sessionId, peerId: a.peerId, samples: samples(2, Date.now() + 3_600_000) }, 400],
      ['ancient', { sessionId: a.sessionId, peerId: a.peerId, samples: samples(2, Date.now() - 3 * 86_400_000) }, 400],
      ['too many', { sessionId: a.sessionId, peerId: a.peerId, samples: samples(201) }, 400],
      ['wrong type', { sessionId: a.sessionId, peerId: a.peerId, samples: [{ ts: 'now' }] }, 400],
      ['unknown field', { sessionId: a.sessionId, peerId: a.peerId, samples: [{ ts: Date.now(), rtt: 5 }] }, 400],
      ['empty', { sessionId: a.sessionId, peerId: a.peerId, samples: [] }, 400],
    ];
    for (const [label, body, status] of cases) {
      const response = await api('POST', '/api/v1/analytics/samples', { token: a.token, body });
      expect(response.status, label).toBe(status);
      expect(typeof response.body.error.code, label).toBe('string');
    }
    const oversized = await api('POST', '/api/v1/analytics/samples', {
      token: a.token,
      rawBody: JSON.stringify({ sessionId: a.sessionId, peerId: a.peerId, samples: [], pad: 'x'.repeat(300_000) }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(oversized.status).toBe(413);
    expect(
      (await api('POST', '/api/v1/analytics/samples', { body: { sessionId: a.sessionId, peerId: a.peerId, samples: samples(1) } })).status,
    ).toBe(401);
    const viewer = await signUp('viewer');
    expect(
      (
        await api('POST', '/api/v1/analytics/samples', {
          token: viewer.accessToken,
          body: { sessionId: a.sessionId, peerId: a.peerId, samples: samples(1) },
        })
      ).status,
    ).toBe(403);
    expect(await countRows('session_minutes')).toBe(before);
    expect((await listDurableObjectIds(env.PEER_METRICS)).length).toBe(objectsBefore);
  });

  it('lets an API key with analytics:ingest post for any session, bound to the first peer that used it', async () => {
    const viewer = await signUp('viewer');
    const key = await api('POST', '/api/v1/api-keys', { token: viewer.accessToken, body: { name: 'probe', scopes: ['analytics:ingest'] } });
    const sessionId = 'ses_probeprobeprobeprobeprob';
    const first = await api('POST', '/api/v1/analytics/samples', {
      token: key.body.key,
      body: { sessionId, peerId: 'peer_probeaaaaaaaa', samples: samples(3) },
    });
    expect(first.status).toBe(202);
    const hijack = await api('POST', '/api/v1/analytics/samples', {
      token: key.body.key,
      body: { sessionId, peerId: 'peer_otherbbbbbbbb', samples: samples(3) },
    });
    expect(hijack.status).toBe(403);
    expect(hijack.body.error.code).toBe('session_taken');
  });
});
