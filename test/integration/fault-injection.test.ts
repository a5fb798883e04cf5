// Faults injected into the real local runtime: Durable Objects restarted in the middle of a metric stream and
// under connected signaling clients, a queue consumer failing in the middle of a batch, an IPFS node that is
// down, and D1 failing underneath the API.
import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/adapters/db/client';
import { createEvent } from '../../src/domain/events';
import type { StatsSample } from '../../src/domain/quality/types';
import { consumeBatch } from '../../src/workers/events/consumer';
import type { EventHandler } from '../../src/workers/events/handlers';
import worker from '../../src/workers/index';
import { api, BASE, markVideoReady, readyVideo, signUp } from './helpers';

type Frame = Record<string, any>;
const sockets: WebSocket[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const socket of sockets.splice(0)) {
    try {
      socket.close(1000, 'test over');
    } catch {
      // already closed
    }
  }
});

async function fetchWith(request: Request, bindings: Cloudflare.Env = env) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, bindings, ctx);
  const text = response.webSocket ? '' : await response.text();
  await waitOnExecutionContext(ctx);
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body, text, webSocket: response.webSocket };
}

/** A WebSocket client with an inbox: `next` waits for the first frame matching a predicate. */
function client(socket: WebSocket) {
  socket.accept();
  sockets.push(socket);
  const inbox: Frame[] = [];
  let wake: (() => void) | null = null;
  const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
  socket.addEventListener('message', (event) => {
    inbox.push(JSON.parse(event.data as string));
    wake?.();
  });
  return {
    closed,
    send: (frame: unknown) => socket.send(JSON.stringify(frame)),
    async next(predicate: (frame: Frame) => boolean = () => true, timeoutMs = 3_000): Promise<Frame> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex(predicate);
        if (index >= 0) return inbox.splice(index, 1)[0] as Frame;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching frame; inbox: ${JSON.stringify(inbox)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, remaining);
        });
      }
    },
  };
}

function samples(n: number, start: number): StatsSample[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * 1000,
    connection: {
      remotePeerId: 'peer_remoteaaaaaaaa',
      state: 'connected' as const,
      localCandidateType: 'host' as const,
      remoteCandidateType: 'srflx' as const,
      protocol: 'udp' as const,
      currentRoundTripTime: 0.05,
    },
    inbound: { bytesReceived: 50_000 * (i + 1), packetsReceived: 50 * (i + 1), packetsLost: 0, jitter: 0.01, framesPerSecond: 30 },
    p2p: { bytesFromPeers: 30_000 * (i + 1), bytesFromHttp: 20_000 * (i + 1), peersConnected: 2 },
  }));
}

describe('a Durable Object restarted mid-stream', () => {
  it('loses no acknowledged metric: batches get 202 and land in D1, or a retryable 503 and are resent', async () => {
    const viewer = await signUp('viewer');
    await readyVideo('vid_faultvideo01');
    const issued = await api('POST', '/api/v1/tokens/ingest', { token: viewer.accessToken, body: { videoId: 'vid_faultvideo01' } });
    const { token, sessionId, peerId } = issued.body as { token: string; sessionId: string; peerId: string };
    const stub = env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId));
    // 12 batches of 5 samples, one per second, oldest first.
    const start = Date.now() - 60 * 1000;
    const batches = Array.from({ length: 12 }, (_, b) =>
      samples(5, start + b * 5000).map((s, i) => ({ ...s, ts: start + (b * 5 + i) * 1000 })),
    );
    const post = (batch: StatsSample[]) => api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: batch } });
    const statuses: number[] = [];
    // What the API acknowledged: a 202 says how many samples it took.
    let acknowledged = 0;
    let pending = [...batches];
    // The client sends in order and resends a refused batch before moving on, as the web client does; the object is
    // restarted while a group of batches is in flight.
    for (let round = 0; pending.length > 0 && round < 20; round++) {
      const restart = runInDurableObject(stub, (_instance, state) => state.abort('restarted by the test')).catch(() => {});
      while (pending.length > 0) {
        const response = await post(pending[0] as StatsSample[]);
        statuses.push(response.status);
        if (response.status !== 202) {
          // The only acceptable failure: the documented retryable answer.
          expect(response.status).toBe(503);
          expect(response.body.error.code).toBe('unavailable');
          expect(response.headers.get('Retry-After')).toMatch(/^\d+$/);
          break;
        }
        acknowledged += response.body.acceptedSamples;
        pending = pending.slice(1);
        if (statuses.length % 3 === 0) break;
      }
      await restart;
    }
    expect(pending).toEqual([]);
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    console.info(
      `metric stream under restarts: ${statuses.filter((s) => s === 202).length} × 202, ${statuses.filter((s) => s === 503).length} × 503 resent`,
    );
    await abortAllDurableObjects();
    await runDurableObjectAlarm(env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId)));
    const stored = await env.DB.prepare('SELECT SUM(samples) AS n FROM session_minutes WHERE session_id = ?').bind(sessionId).first('n');
    expect(acknowledged).toBe(60);
    expect(stored).toBe(acknowledged);
  });

  it('tracker clients reconnect after the swarm object restarts and find each other again', async () => {
    const creator = await signUp('creator');
    const video = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: 'Restart', language: 'en', visibility: 'public' },
    });
    await markVideoReady(video.body.id);
    const INFO_HASH = 'fault-info-hash-0001';
    const connect = async () => {
      const response = await fetchWith(new Request(`${BASE}/api/v1/tracker/${video.body.id}`, { headers: { Upgrade: 'websocket' } }));
      expect(response.status).toBe(101);
      return client(response.webSocket as WebSocket);
    };
    const announce = (peer: string, extra: Frame = {}) => ({
      action: 'announce',
      info_hash: INFO_HASH,
      peer_id: `-WW0208-${peer}`.padEnd(20, '0'),
      numwant: 0,
      uploaded: 0,
      downloaded: 0,
      left: 1000,
      event: 'started',
      offers: [],
      ...extra,
    });
    const isReply = (frame: Frame) => frame.action === 'announce' && 'interval' in frame;
    const alice = await connect();
    const bob = await connect();
    alice.send(announce('alice'));
    await alice.next(isReply);
    bob.send(announce('bob'));
    expect(await bob.next(isReply)).toMatchObject({ incomplete: 2 });

    await abortAllDurableObjects();
    // The runtime drops the sockets of the restarted object; clients see them close and reconnect.
    await Promise.race([Promise.all([alice.closed, bob.closed]), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    const alice2 = await connect();
    const bob2 = await connect();
    alice2.send(announce('alice'));
    await alice2.next(isReply);
    bob2.send(announce('bob', { numwant: 1, offers: [{ offer_id: 'offer-after-restart', offer: { type: 'offer', sdp: 'v=0\r\n' } }] }));
    expect(await bob2.next(isReply)).toMatchObject({ incomplete: 2 });
    expect(await alice2.next((frame) => 'offer' in frame)).toMatchObject({ offer_id: 'offer-after-restart' });
  });

  it('call room peers rejoin after the room object restarts and signal each other again', async () => {
    // Two people (one seat per user): the host and a member invited by link.
    const host = await signUp();
    const guest = await signUp();
    const created = await api('POST', '/api/v1/rooms', { token: host.accessToken, body: {} });
    const roomId = created.body.room.id as string;
    await api('POST', `/api/v1/rooms/${roomId}/join`, { token: guest.accessToken, body: { inviteToken: created.body.inviteToken } });
    const tokens: { token: string; peerId: string }[] = [];
    for (const user of [host, guest])
      tokens.push((await api('POST', '/api/v1/tokens/room', { token: user.accessToken, body: { roomId } })).body);
    const join = async (token: string) => {
      const response = await fetchWith(
        new Request(`${BASE}/api/v1/rooms/${roomId}/ws?token=${encodeURIComponent(token)}`, { headers: { Upgrade: 'websocket' } }),
      );
      expect(response.status).toBe(101);
      const c = client(response.webSocket as WebSocket);
      c.send({ type: 'join' });
      return { c, welcome: await c.next((frame) => frame.type === 'welcome') };
    };
    const [ada, bob] = tokens as [{ token: string; peerId: string }, { token: string; peerId: string }];
    const a = await join(ada.token);
    await join(bob.token);
    await a.c.next((frame) => frame.type === 'peer-joined');

    await abortAllDurableObjects();
    await Promise.race([a.c.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    const a2 = await join(ada.token);
    const b2 = await join(bob.token);
    expect(a2.welcome.peerId).toBe(ada.peerId);
    expect(b2.welcome.peers.map((p: { peerId: string }) => p.peerId)).toContain(ada.peerId);
    a2.c.send({ type: 'signal', to: bob.peerId, data: { candidate: null } });
    expect(await b2.c.next((frame) => frame.type === 'signal')).toMatchObject({ from: ada.peerId });
  });
});

describe('a queue consumer failing mid-batch', () => {
  it('retries only the failed message, and a redelivered batch has no duplicate effect', async () => {
    const auditRows = (ids: string[]) =>
      env.DB.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE subject_id IN (${ids.map(() => '?').join(',')})`)
        .bind(...ids)
        .first<number>('n');
    let failNext = true;
    // A real effect (an audit row written with the processed marker) from a handler that fails once on one event.
    const auditing: EventHandler = {
      name: 'fault-audit',
      handles: ['video.created'],
      handle: async (event) => {
        const data = event.data as { videoId: string };
        if (data.videoId === 'vid_faultmiddle' && failNext) {
          failNext = false;
          throw new Error('downstream went away');
        }
        const db = openDatabase(env.DB);
        const { auditLog } = await import('../../src/adapters/db/schema');
        return [
          db.insert(auditLog).values({
            id: `fault_${event.id}`,
            action: 'fault.test',
            actorId: null,
            subjectType: 'video',
            subjectId: data.videoId,
            data: {},
            occurredAt: Date.now(),
          }),
        ];
      },
    };
    const ids = ['vid_faultfirst', 'vid_faultmiddle', 'vid_faultlast'];
    const events = ids.map((videoId) => createEvent('video.created', { videoId, creatorId: 'usr_fault', visibility: 'public' }));
    const messages = (attempts: number) =>
      events.map((body, i) => ({ id: `fault-${i}-${attempts}`, timestamp: new Date(), attempts, body }));

    const first = createMessageBatch('vibestream-domain-events', messages(1));
    await consumeBatch(first, env, [auditing]);
    const result = await getQueueResult(first, createExecutionContext());
    expect(result.explicitAcks.sort()).toEqual(['fault-0-1', 'fault-2-1']);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['fault-1-1']);
    expect(await auditRows(ids)).toBe(2);

    // The whole batch comes again (as after a consumer crash before its acks reached the queue).
    const again = createMessageBatch('vibestream-domain-events', messages(2));
    await consumeBatch(again, env, [auditing]);
    const result2 = await getQueueResult(again, createExecutionContext());
    expect(result2.explicitAcks).toHaveLength(3);
    expect(await auditRows(ids)).toBe(3);
  });
});

describe('an IPFS node that is down', () => {
  it('retries the store job with backoff and records why, until the queue dead-letters it', async () => {
    const creator = await signUp('creator');
    const video = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: 'Down', language: 'en', visibility: 'public' },
    });
    const event = createEvent('ipfs.video_uploaded', { videoId: video.body.id, creatorId: creator.user.id }, creator.user.id);
    const downNode = { ...env, IPFS_API_URLS: 'alpha=http://127.0.0.1:9', IPFS_TIMEOUT_MS: '500' } as Cloudflare.Env;
    for (const attempts of [1, 2]) {
      const batch = createMessageBatch('vibestream-ipfs-jobs', [
        { id: `ipfs-down-${attempts}`, timestamp: new Date(), attempts, body: event },
      ]);
      const retry = vi.spyOn(batch.messages[0] as Message<unknown>, 'retry');
      await consumeBatch(batch, downNode);
      const result = await getQueueResult(batch, createExecutionContext());
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toHaveLength(1);
      expect(retry.mock.calls[0]?.[0]?.delaySeconds).toBeGreaterThanOrEqual(1);
    }
    const job = await env.DB.prepare('SELECT state, attempts, last_error FROM ipfs_jobs WHERE video_id = ?')
      .bind(video.body.id)
      .first<{ state: string; attempts: number; last_error: string }>();
    expect(job?.state).not.toBe('done');
    expect(job?.last_error).toBeTruthy();
    expect((await env.DB.prepare('SELECT status FROM videos WHERE id = ?').bind(video.body.id).first('status')) as string).not.toBe(
      'ready',
    );
    // After max_retries the queue hands it to the dead-letter consumer, which records it for operators; the
    // alert that follows is covered in ipfs-storage.test.ts ("dead-lettered store jobs").
    const dead = createMessageBatch('vibestream-ipfs-jobs-dlq', [
      { id: `ipfs-dead-${video.body.id}`, timestamp: new Date(), attempts: 1, body: event },
    ]);
    await consumeBatch(dead, env);
    expect(await env.DB.prepare('SELECT queue FROM dead_letters WHERE id = ?').bind(`ipfs-dead-${video.body.id}`).first('queue')).toBe(
      'vibestream-ipfs-jobs-dlq',
    );
  });
});

describe('D1 failing underneath the API', () => {
  /** A D1 binding whose every query fails with `error`. */
  function failingD1(error: () => Error): D1Database {
    const fail = () => Promise.reject(error());
    const statement = { bind: () => statement, first: fail, all: fail, run: fail, raw: fail };
    const db = { prepare: () => statement, batch: fail, exec: fail, dump: fail, withSession: () => db };
    return db as unknown as D1Database;
  }
  const withError =
    (message: string, flags: Record<string, unknown> = {}) =>
    () =>
      Object.assign(new Error(message), flags);

  const TRANSIENT: [string, () => Error][] = [
    ['network lost', withError('D1_ERROR: Network connection lost.')],
    ['object reset', withError('D1_ERROR: Durable Object storage operation exceeded timeout which caused object to be reset.')],
    ['code updated', withError('D1_ERROR: Durable Object reset because its code was updated.')],
    ['locked', withError('D1_ERROR: database is locked: SQLITE_BUSY')],
    ['overloaded', withError('D1_ERROR: D1 DB is overloaded. Too many requests queued.')],
    ['other D1_ error', withError('D1_EXEC_ERROR: Error in line 1: internal error')],
    ['retryable flag', withError('internal error', { retryable: true })],
    ['wrapped by drizzle', () => new Error('Failed query: select 1', { cause: new Error('D1_ERROR: Network connection lost.') })],
  ];

  it('answers 503 unavailable with Retry-After and no internals, on public, authenticated and key routes', async () => {
    const creator = await signUp('creator');
    const key = await api('POST', '/api/v1/api-keys', { token: creator.accessToken, body: { name: 'd1', scopes: ['catalog:read'] } });
    const requests: [string, () => Request][] = [
      ['GET /videos', () => new Request(`${BASE}/api/v1/videos`)],
      [
        'GET /me/videos (access token)',
        () => new Request(`${BASE}/api/v1/me/videos`, { headers: { Authorization: `Bearer ${creator.accessToken}` } }),
      ],
      ['GET /auth/me (API key)', () => new Request(`${BASE}/api/v1/auth/me`, { headers: { 'X-API-Key': key.body.key } })],
      [
        'POST /videos',
        () =>
          new Request(`${BASE}/api/v1/videos`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${creator.accessToken}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ title: 'During an outage', language: 'en', visibility: 'public' }),
          }),
      ],
    ];
    vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const [label, error] of TRANSIENT) {
      const broken = { ...env, DB: failingD1(error) } as Cloudflare.Env;
      for (const [what, request] of requests) {
        const response = await fetchWith(request(), broken);
        const where = `${what} with ${label}`;
        expect(response.status, where).toBe(503);
        expect(response.body.error, where).toMatchObject({ code: 'unavailable', message: expect.any(String) });
        expect(Number(response.headers.get('Retry-After')), where).toBeGreaterThan(0);
        expect(response.text, where).not.toMatch(/D1_|SQLITE|at [\w.]+ \(|\.ts:\d+/);
      }
    }
    const overloaded = await fetchWith(new Request(`${BASE}/api/v1/videos`), {
      ...env,
      DB: failingD1(withError('D1_ERROR: D1 DB is overloaded.')),
    } as Cloudflare.Env);
    expect(overloaded.headers.get('Retry-After')).toBe('10');
  });

  it('keeps a bug a 500 (no retry can fix it), still without internals', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = { ...env, DB: failingD1(withError('D1_ERROR: no such table: videos: SQLITE_ERROR')) } as Cloudflare.Env;
    const response = await fetchWith(new Request(`${BASE}/api/v1/videos`), broken);
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('internal_error');
    expect(response.text).not.toMatch(/D1_|SQLITE|no such table|\.ts:\d+/);
  });

  it('a Durable Object failing with a retryable error is a 503 too (sign-in limiter unreachable)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const unreachable = {
      idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
      get: () => ({
        check: () => Promise.reject(Object.assign(new Error('Network connection lost.'), { retryable: true })),
      }),
    };
    const broken = { ...env, RATE_LIMITER: unreachable } as unknown as Cloudflare.Env;
    const response = await fetchWith(
      new Request(`${BASE}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'someone@example.com', password: 'whatever it is' }),
      }),
      broken,
    );
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('unavailable');
  });
});
