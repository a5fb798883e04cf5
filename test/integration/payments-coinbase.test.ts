// Coinbase Commerce inside workerd: a charge over fetch (X-CC-Api-Key, X-CC-Version), HMAC-signed webhooks
// (pending → confirmed), against the Coinbase contract server.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, countRows, signUp, signUpAdmin } from './helpers';
import { coinbaseContract, dbAll, ledgerInvariants, postWebhook, pricedVideo, routeProvidersToContracts } from './payments-fixtures';

beforeEach(() => {
  routeProvidersToContracts();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const state = async (id: string) => (await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', id))[0]?.state;

describe('Coinbase Commerce charges', () => {
  it('charge → pending → confirmed grants, posts a zero-fee capture, and a replayed event is acknowledged only', async () => {
    const buyer = await signUp('viewer');
    const { videoId } = await pricedVideo();
    const started = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'coinbase', item: { kind: 'video_rental', videoId } },
    });
    expect(started.status).toBe(201);
    expect(started.body.checkoutUrl).toBe(`https://commerce.coinbase.com/charges/${started.body.providerRef}`);
    expect(coinbaseContract.calls.at(-1)?.headers['x-cc-version']).toBe('2018-03-22');
    expect(coinbaseContract.calls.at(-1)?.body).toMatchObject({
      local_price: { amount: '3.99', currency: 'USD' },
      metadata: { paymentId: started.body.id },
    });

    const confirmedCharge = coinbaseContract.confirm(started.body.providerRef);
    const confirmed = await coinbaseContract.webhook('charge:confirmed', confirmedCharge);
    // Delivered before the pending event: the later pending changes nothing.
    expect((await postWebhook('coinbase', confirmed.body, confirmed.headers)).status).toBe(200);
    await vi.waitFor(async () => expect(await state(started.body.id)).toBe('captured'), { timeout: 10_000 });
    const pending = await coinbaseContract.webhook('charge:pending', {
      ...confirmedCharge,
      timeline: confirmedCharge.timeline.slice(0, 2),
    });
    await postWebhook('coinbase', pending.body, pending.headers);
    const replay = await postWebhook('coinbase', confirmed.body, confirmed.headers);
    expect(replay.body).toEqual({ received: true, duplicate: true });
    await vi.waitFor(
      async () => {
        const [row] = await dbAll<{ outcome: string | null }>('SELECT outcome FROM payment_events WHERE provider_event_id = ?', pending.id);
        expect(row?.outcome).toMatch(/^ignored/);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(await state(started.body.id)).toBe('captured');
    const lines = await dbAll<{ account: string; amount: number }>(
      'SELECT account, amount FROM ledger_entries WHERE payment_id = ? ORDER BY id',
      started.body.id,
    );
    expect(lines.find((l) => l.account === 'provider_clearing:coinbase')?.amount).toBe(399);
    expect(lines.some((l) => l.account === 'provider_fees:coinbase')).toBe(false);
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(200);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });

    const admin = await signUpAdmin();
    const refund = await api('POST', `/api/v1/admin/payments/${started.body.id}/refund`, { token: admin.accessToken, body: {} });
    expect(refund.status).toBe(409);
    expect(refund.body.error.code).toBe('refund_not_supported');
  });

  it('rejects a tampered or unsigned webhook and writes nothing', async () => {
    const before = await countRows('payment_events');
    const event = await coinbaseContract.webhook('charge:confirmed', {
      code: 'NOPE1234',
      pricing: { local: { amount: '1.00', currency: 'USD' } },
      metadata: {},
    });
    expect((await postWebhook('coinbase', event.body.replace('1.00', '0.01'), event.headers)).status).toBe(400);
    expect((await postWebhook('coinbase', event.body, { 'X-CC-Webhook-Signature': 'zz' })).status).toBe(400);
    expect((await postWebhook('coinbase', event.body, {})).status).toBe(400);
    expect(await countRows('payment_events')).toBe(before);
  });
});
