// A video's prices and its catalog card: PUT /videos/{id}/prices writes what checkout charges (video_prices) and,
// in the same batch, the card price the catalog shows (priceCents, currency), so the two never disagree.
import { describe, expect, it } from 'vitest';
import { api, markVideoReady, signUp } from './helpers';

async function pricedVideoOf() {
  const creator = await signUp('creator');
  const created = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Card price', language: 'en', visibility: 'public' },
  });
  await markVideoReady(created.body.id);
  // Published encrypted, so it may take prices (a video published in the clear may not: content-keys.test.ts).
  const { env } = await import('cloudflare:workers');
  await env.DB.prepare("UPDATE videos SET content_encryption = 'aes-128' WHERE id = ?").bind(created.body.id).run();
  const setPrices = (body: unknown) => api('PUT', `/api/v1/videos/${created.body.id}/prices`, { token: creator.accessToken, body });
  const card = async () => {
    const video = await api('GET', `/api/v1/videos/${created.body.id}`);
    return { priceCents: video.body.priceCents, currency: video.body.currency };
  };
  return { setPrices, card };
}

describe('video prices and the catalog card', () => {
  it('shows the purchase price on the card, the rental price when only renting is offered, and free without prices', async () => {
    const { setPrices, card } = await pricedVideoOf();
    expect(
      (await setPrices({ purchase: { amount: 499, currency: 'eur' }, rental: { amount: 199, currency: 'eur', rentalHours: 48 } })).status,
    ).toBe(200);
    expect(await card()).toEqual({ priceCents: 499, currency: 'EUR' });
    // Only the rental changes: the purchase price left out stays, and so does the card.
    await setPrices({ rental: { amount: 149, currency: 'eur', rentalHours: 24 } });
    expect(await card()).toEqual({ priceCents: 499, currency: 'EUR' });
    await setPrices({ purchase: null });
    expect(await card()).toEqual({ priceCents: 149, currency: 'EUR' });
    await setPrices({ rental: null });
    expect(await card()).toEqual({ priceCents: 0, currency: 'EUR' });
  });

  it('leaves the card alone when the prices are refused', async () => {
    const { setPrices, card } = await pricedVideoOf();
    await setPrices({ purchase: { amount: 999, currency: 'usd' } });
    expect((await setPrices({ purchase: { amount: 10, currency: 'usd' } })).status).toBe(400);
    expect(await card()).toEqual({ priceCents: 999, currency: 'USD' });
  });
});
