// GET /api/v1/me/videos/stats: the studio's views, earnings and prices per video, from real purchases through the
// Stripe contract server, a refund, and views recorded through POST /interactions and the queue.
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { creatorShareOf } from '../../src/domain/payments/ledger';
import { api, markVideoReady, signUp, signUpAdmin } from './helpers';
import { dbAll, postWebhook, pricedVideo, routeProvidersToContracts, stripeContract, stripeSignature } from './payments-fixtures';

async function buy(buyerToken: string, videoId: string): Promise<string> {
  const started = await api('POST', '/api/v1/checkout', {
    token: buyerToken,
    body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } },
  });
  expect(started.status).toBe(201);
  const { session } = stripeContract.paySession(started.body.providerRef, 68);
  const event = stripeContract.event('checkout.session.completed', session);
  await postWebhook('stripe', event.body, { 'Stripe-Signature': await stripeSignature(event.body) });
  await vi.waitFor(
    async () =>
      expect((await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', started.body.id))[0]?.state).toBe('captured'),
    { timeout: 10_000, interval: 100 },
  );
  return started.body.id as string;
}

async function view(token: string, videoId: string) {
  const response = await api('POST', '/api/v1/interactions', { token, body: { videoId, kind: 'view', watchFraction: 0.5 } });
  expect(response.status).toBe(202);
}

type Stats = { videoId: string; views: number; revenue: { currency: string; revenueCents: number }[]; prices: unknown };

async function statsOf(token: string, ids: string[], extra = '') {
  return api<{ items: Stats[] }>('GET', `/api/v1/me/videos/stats?ids=${ids.join(',')}${extra}`, { token });
}

let creator: Awaited<ReturnType<typeof signUp>>;
let other: Awaited<ReturnType<typeof signUp>>;
let admin: Awaited<ReturnType<typeof signUpAdmin>>;
let paidVideo: string;
let freeVideo: string;
let otherVideo: string;

beforeAll(async () => {
  routeProvidersToContracts();
  admin = await signUpAdmin();
  const seller = await pricedVideo({ purchase: 1299, rental: 399 });
  creator = seller.creator;
  paidVideo = seller.videoId;
  const free = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Free one', language: 'en', visibility: 'public' },
  });
  freeVideo = free.body.id;
  await markVideoReady(freeVideo);
  const otherSeller = await pricedVideo({ purchase: 500 });
  other = otherSeller.creator;
  otherVideo = otherSeller.videoId;

  // Two sales of the paid video, one refunded in full; one sale of the other creator's video.
  const firstBuyer = await signUp('viewer');
  const secondBuyer = await signUp('viewer');
  await buy(firstBuyer.accessToken, paidVideo);
  const refunded = await buy(secondBuyer.accessToken, paidVideo);
  expect((await api('POST', `/api/v1/admin/payments/${refunded}/refund`, { token: admin.accessToken, body: {} })).status).toBe(200);
  await buy(firstBuyer.accessToken, otherVideo);

  // Three recorded views of the paid video (one a repeat), one of the free video, and one from the seeded history.
  await view(firstBuyer.accessToken, paidVideo);
  await view(firstBuyer.accessToken, paidVideo);
  await view(secondBuyer.accessToken, paidVideo);
  await view(secondBuyer.accessToken, freeVideo);
  await env.DB.prepare("INSERT INTO interactions (user_id, video_id, kind, value, created_at) VALUES (?, ?, 'view', 30, ?)")
    .bind(secondBuyer.user.id, freeVideo, Date.now())
    .run();
  await vi.waitFor(
    async () => {
      const [row] = await dbAll<{ views: number }>(
        'SELECT SUM(views) AS views FROM rec_signals WHERE video_id IN (?, ?)',
        paidVideo,
        freeVideo,
      );
      expect(row?.views).toBe(4);
    },
    { timeout: 10_000, interval: 100 },
  );
}, 60_000);

afterAll(() => {
  vi.restoreAllMocks();
});

describe('studio video stats', () => {
  it("gives a creator each video's views, earnings net of refunds and fees, and prices, in the order asked", async () => {
    const response = await statsOf(creator.accessToken, [freeVideo, paidVideo]);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      { videoId: freeVideo, views: 2, revenue: [], prices: { purchase: null, rental: null } },
      {
        videoId: paidVideo,
        views: 3,
        // Two sales of 12.99, one refunded: the creator keeps their share of one sale; Stripe's fee is the platform's.
        revenue: [{ currency: 'USD', revenueCents: creatorShareOf(1299, 'video_purchase') }],
        prices: { purchase: { amount: 1299, currency: 'USD' }, rental: { amount: 399, currency: 'USD', rentalHours: 48 } },
      },
    ]);
  });

  it('agrees with the revenue report grouped by video', async () => {
    const report = await api('GET', `/api/v1/reports/revenue?groupBy=video&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`, {
      token: creator.accessToken,
    });
    const row = (report.body.rows as { key: string; creatorEarnings: number }[]).find((r) => r.key === paidVideo);
    const stats = await statsOf(creator.accessToken, [paidVideo]);
    expect(stats.body.items[0]?.revenue[0]?.revenueCents).toBe(row?.creatorEarnings);
  });

  it("leaves out other creators' videos and unknown ids, whatever creatorId a creator sends", async () => {
    const asOther = await statsOf(other.accessToken, [paidVideo, freeVideo, otherVideo, 'vid_doesnotexist1']);
    expect(asOther.status).toBe(200);
    expect(asOther.body.items.map((item) => item.videoId)).toEqual([otherVideo]);
    const snooping = await statsOf(other.accessToken, [paidVideo], `&creatorId=${creator.user.id}`);
    expect(snooping.body.items).toEqual([]);
  });

  it("lets an admin read any creator's figures, or one creator's with creatorId", async () => {
    const all = await statsOf(admin.accessToken, [paidVideo, otherVideo]);
    expect(all.body.items.map((item) => [item.videoId, item.revenue])).toEqual([
      [paidVideo, [{ currency: 'USD', revenueCents: creatorShareOf(1299, 'video_purchase') }]],
      [otherVideo, [{ currency: 'USD', revenueCents: creatorShareOf(500, 'video_purchase') }]],
    ]);
    const one = await statsOf(admin.accessToken, [paidVideo, otherVideo], `&creatorId=${other.user.id}`);
    expect(one.body.items.map((item) => item.videoId)).toEqual([otherVideo]);
  });

  it('refuses viewers, a missing id list and more than 100 ids', async () => {
    const viewer = await signUp('viewer');
    expect((await statsOf(viewer.accessToken, [paidVideo])).status).toBe(403);
    expect((await api('GET', '/api/v1/me/videos/stats', { token: creator.accessToken })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, i) => `vid_${String(i).padStart(8, '0')}`);
    const response = await statsOf(creator.accessToken, tooMany);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
  });
});
