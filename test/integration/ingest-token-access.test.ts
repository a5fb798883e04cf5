// Ingest tokens decide which video and room a session's numbers are filed under (the operator dashboard, session
// alert filters), so they are issued only for what the caller may watch or has joined. And whatever a session
// posts, it can open only a bounded number of alerts, and so trigger only a bounded number of webhooks.
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_ALERT_OPEN_RATE } from '../../src/app/alerts/evaluate-session-alerts';
import type { StatsSample } from '../../src/domain/quality/types';
import { api, readyVideo, signUp, signUpAdmin } from './helpers';

type SignedUp = Awaited<ReturnType<typeof signUp>>;

const askToken = (user: SignedUp, body: Record<string, unknown>) => api('POST', '/api/v1/tokens/ingest', { token: user.accessToken, body });

async function createVideo(owner: SignedUp, visibility: 'public' | 'unlisted' | 'private') {
  const created = await api('POST', '/api/v1/videos', { token: owner.accessToken, body: { title: 'Mine', language: 'en', visibility } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function setReady(videoId: string) {
  await env.DB.prepare("UPDATE videos SET status = 'ready' WHERE id = ?").bind(videoId).run();
}

async function price(owner: SignedUp, videoId: string) {
  const priced = await api('PUT', `/api/v1/videos/${videoId}/prices`, {
    token: owner.accessToken,
    body: { purchase: { amount: 499, currency: 'usd' } },
  });
  expect(priced.status).toBe(200);
}

async function grantPurchase(user: SignedUp, videoId: string, creatorId: string) {
  await env.DB.prepare(
    "INSERT INTO entitlements (id, payment_id, user_id, kind, video_id, creator_id, granted_at) VALUES (?, ?, ?, 'video_purchase', ?, ?, ?)",
  )
    .bind(
      `ent_${crypto.randomUUID().slice(0, 12)}`,
      `pay_${crypto.randomUUID().slice(0, 12)}`,
      user.user.id,
      videoId,
      creatorId,
      Date.now(),
    )
    .run();
}

async function createRoom(roomId: string, host: SignedUp) {
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO rooms (id, host_id, title, access, invite_hash, created_at, updated_at) VALUES (?, ?, 'Standup', 'invite', ?, ?, ?)",
    ).bind(roomId, host.user.id, 'a'.repeat(64), now, now),
    env.DB.prepare("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, 'host', ?)").bind(roomId, host.user.id, now),
  ]);
}

let creator: SignedUp;
let viewer: SignedUp;

beforeAll(async () => {
  [creator, viewer] = await Promise.all([signUp('creator'), signUp('viewer')]);
});

describe('ingest tokens: only for a video the caller may watch', () => {
  it("refuses another creator's private video with 404, as if it did not exist", async () => {
    const privateId = await createVideo(creator, 'private');
    await setReady(privateId);
    const refused = await askToken(viewer, { videoId: privateId });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
    // The same answer as for an id nobody uses: nothing confirms that the private video exists.
    const missing = await askToken(viewer, { videoId: 'vid_doesnotexist000000' });
    expect(missing.status).toBe(404);
    expect({ ...missing.body.error, requestId: null }).toEqual({ ...refused.body.error, requestId: null });
    // Its creator and an admin still get one.
    expect((await askToken(creator, { videoId: privateId })).status).toBe(201);
    expect((await askToken(await signUpAdmin(), { videoId: privateId })).status).toBe(201);
  });

  it("refuses another creator's draft with 404", async () => {
    const draftId = await createVideo(creator, 'public');
    expect((await askToken(viewer, { videoId: draftId })).status).toBe(404);
    expect((await askToken(creator, { videoId: draftId })).status).toBe(201);
  });

  it('refuses a paid video without a purchase with 403 not_entitled, and issues one after the purchase', async () => {
    const paidId = await createVideo(creator, 'public');
    await price(creator, paidId);
    await setReady(paidId);
    const refused = await askToken(viewer, { videoId: paidId });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_entitled');

    await grantPurchase(viewer, paidId, creator.user.id);
    const issued = await askToken(viewer, { videoId: paidId });
    expect(issued.status).toBe(201);
    expect(issued.body.sessionId).toMatch(/^ses_/);
    expect((await askToken(creator, { videoId: paidId })).status).toBe(201);
  });

  it('issues tokens for free public and unlisted videos to anyone signed in', async () => {
    for (const visibility of ['public', 'unlisted'] as const) {
      const id = await createVideo(creator, visibility);
      await setReady(id);
      expect((await askToken(viewer, { videoId: id })).status, visibility).toBe(201);
    }
  });
});

describe("metric batches: filed under the token's video and room only", () => {
  it("refuses a batch that names another video than its token's, so a token for no video cannot fill a private one", async () => {
    const privateId = await createVideo(creator, 'private');
    await setReady(privateId);
    const issued = await askToken(viewer, {});
    expect(issued.status).toBe(201);
    const { token, sessionId, peerId } = issued.body;
    const sample = { ts: Date.now() - 1000, connection: { state: 'connected', currentRoundTripTime: 0.05 } };
    const post = (extra: Record<string, unknown>) =>
      api('POST', '/api/v1/analytics/samples', { token, body: { sessionId, peerId, samples: [sample], ...extra } });
    const forged = await post({ videoId: privateId });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('subject_mismatch');
    expect((await post({ roomId: 'someone-elses-room' })).status).toBe(403);
    // Without naming anything else, the batch is stored under no video.
    expect((await post({})).status).toBe(202);
    const { state } = await env.PEER_METRICS.get(env.PEER_METRICS.idFromName(sessionId)).snapshot();
    expect(state).toMatchObject({ sessionId, videoId: null, roomId: null });
  });
});

describe('ingest tokens: only for a room the caller has joined', () => {
  it('refuses a room the caller is not a member of (or was removed from) with 403 not_room_member', async () => {
    const roomId = `ingest-room-${crypto.randomUUID().slice(0, 8)}`;
    await createRoom(roomId, creator);
    const stranger = await askToken(viewer, { roomId });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('not_room_member');
    expect((await askToken(viewer, { roomId: 'no-such-room' })).status).toBe(403);

    expect((await askToken(creator, { roomId })).status).toBe(201);
    await env.DB.prepare("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)")
      .bind(roomId, viewer.user.id, Date.now())
      .run();
    expect((await askToken(viewer, { roomId })).status).toBe(201);

    await env.DB.prepare('UPDATE room_members SET removed_at = ? WHERE room_id = ? AND user_id = ?')
      .bind(Date.now(), roomId, viewer.user.id)
      .run();
    expect((await askToken(viewer, { roomId })).status).toBe(403);
  });
});

describe('session alerts: a flood from one session opens a bounded number of alerts', () => {
  const MINUTE = 60_000;
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** One minute of samples: a terrible path (600 ms, half the packets lost) or a clean one, counters continuing. */
  function minuteOfSamples(minuteStart: number, bad: boolean, counters: { received: number; lost: number }): StatsSample[] {
    return Array.from({ length: 15 }, (_, i) => {
      counters.received += 50;
      if (bad) counters.lost += 50;
      return {
        ts: minuteStart + i * 4000,
        connection: {
          remotePeerId: 'peer_floodremoteaaa',
          state: 'connected' as const,
          localCandidateType: 'host' as const,
          remoteCandidateType: 'srflx' as const,
          currentRoundTripTime: bad ? 0.6 : 0.03,
        },
        inbound: {
          bytesReceived: counters.received * 1000,
          packetsReceived: counters.received,
          packetsLost: counters.lost,
          jitter: bad ? 0.08 : 0.002,
        },
      };
    });
  }

  it('opens at most the session budget of alerts and webhook notifications, however often MOS dips below 3.1', async () => {
    // The receiver: every webhook the flood triggers lands here.
    const delivered: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      delivered.push(String(input instanceof Request ? input.url : input));
      return new Response('ok');
    });
    const admin = await signUpAdmin();
    const { id: videoId } = await readyVideo();
    const HOOK = 'http://127.0.0.1:9/flood-hook';
    const rule = await api('POST', '/api/v1/alerts/rules', {
      token: admin.accessToken,
      body: {
        name: 'MOS below 3.1, paged',
        metric: 'mos',
        comparator: 'lt',
        threshold: 3.1,
        hysteresis: 0.1,
        minSamples: 10,
        scope: 'session',
        filter: { videoId },
        notifyUrl: HOOK,
      },
    });
    expect(rule.status).toBe(201);

    const issued = await askToken(viewer, { videoId });
    expect(issued.status).toBe(201);
    const { token, sessionId, peerId } = issued.body;
    // 12 bad minutes, each followed by a clean one: without a budget, every rule would open (and page) 12 times.
    const start = Math.floor((Date.now() - 3 * 60 * MINUTE) / MINUTE) * MINUTE;
    const counters = { received: 0, lost: 0 };
    const CYCLES = 12;
    let lowestMos = Number.POSITIVE_INFINITY;
    for (let minute = 0; minute < CYCLES * 2; minute++) {
      const response = await api('POST', '/api/v1/analytics/samples', {
        token,
        body: { sessionId, peerId, samples: minuteOfSamples(start + minute * MINUTE, minute % 2 === 0, counters) },
      });
      expect(response.status).toBe(202);
      if (response.body.mos !== null) lowestMos = Math.min(lowestMos, response.body.mos);
    }
    expect(lowestMos).toBeLessThan(3.1);

    const { results: alerts } = await env.DB.prepare('SELECT id, rule_id, state FROM alerts WHERE scope_key = ?').bind(sessionId).all<{
      id: string;
      rule_id: string;
      state: string;
    }>();
    // Every session rule this session breaks shares one budget: the default MOS rule and the paged one.
    expect(alerts.length).toBe(SESSION_ALERT_OPEN_RATE.capacity);
    const paged = alerts.filter((alert) => alert.rule_id === rule.body.id);
    expect(paged.length).toBeGreaterThan(0);
    expect(paged.length).toBeLessThan(CYCLES);

    // Webhooks: one per opened and one per resolved alert of the paged rule, and no more.
    const expected = paged.length + paged.filter((alert) => alert.state === 'resolved').length;
    const countNotifications = async () =>
      (
        await env.DB.prepare(`SELECT COUNT(*) AS n FROM alert_notifications WHERE alert_id IN (${paged.map(() => '?').join(',')})`)
          .bind(...paged.map((alert) => alert.id))
          .first<{ n: number }>()
      )?.n ?? 0;
    const deadline = Date.now() + 8000;
    while ((await countNotifications()) < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await countNotifications()).toBe(expected);
    expect(delivered.filter((url) => url === HOOK)).toHaveLength(expected);
    expect(expected).toBeLessThanOrEqual(2 * SESSION_ALERT_OPEN_RATE.capacity);
  });
});
