// PayPal inside workerd: the official @paypal/paypal-server-sdk runs in the Worker (its axios calls go through
// our fetch adapter, rewritten to PAYPAL_API_URL) against the PayPal contract server. Create order → buyer
// approval → the return URL captures → entitlement; webhooks verified offline with the test certificate.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, countRows, signUp, signUpAdmin } from './helpers';
import {
  dbAll,
  deliverStored,
  ledgerInvariants,
  paypalContract,
  postWebhook,
  pricedVideo,
  routeProvidersToContracts,
} from './payments-fixtures';

beforeEach(() => {
  routeProvidersToContracts();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function captureOf(orderId: string): Record<string, any> {
  const found = [...paypalContract.captures.values()].find((entry) => entry.orderId === orderId);
  if (!found) throw new Error(`order ${orderId} has no capture`);
  return found.capture;
}

interface OrderBody {
  purchase_units: { custom_id: string }[];
  payment_source: { paypal: { experience_context: { return_url: string } } };
}

const state = async (id: string) => (await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', id))[0]?.state;

async function startOrder() {
  const buyer = await signUp('viewer');
  const { creator, videoId } = await pricedVideo();
  const started = await api('POST', '/api/v1/checkout', {
    token: buyer.accessToken,
    body: { provider: 'paypal', item: { kind: 'video_purchase', videoId } },
  });
  expect(started.status).toBe(201);
  return { buyer, creator, videoId, payment: started.body as { id: string; providerRef: string; checkoutUrl: string } };
}

describe('PayPal Orders v2 through the SDK in workerd', () => {
  it('creates an order, captures it on return after approval, and only the completed capture grants', async () => {
    const { buyer, videoId, payment } = await startOrder();
    expect(payment.checkoutUrl).toBe(`https://www.sandbox.paypal.com/checkoutnow?token=${payment.providerRef}`);
    const create = paypalContract.calls.find(
      (call) => call.path === '/v2/checkout/orders' && (call.body as OrderBody).purchase_units[0]?.custom_id === payment.id,
    );
    if (!create) throw new Error('no create-order call recorded');
    expect(create.headers['paypal-request-id']).toBe(`checkout_${payment.id}`);
    expect(create.headers.authorization).toMatch(/^Bearer A21AA/);
    expect((create.body as OrderBody).payment_source.paypal.experience_context.return_url).toContain('/api/v1/checkout/paypal/return');

    // Back before approving: PayPal refuses the capture; nothing is granted.
    const early = await api('GET', `/api/v1/checkout/paypal/return?token=${payment.providerRef}&payment=${payment.id}`);
    expect(early.status).toBe(502);
    expect(await state(payment.id)).toBe('pending');
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);

    paypalContract.approve(payment.providerRef);
    const back = await api('GET', `/api/v1/checkout/paypal/return?token=${payment.providerRef}&PayerID=PAYER1`);
    expect(back.status).toBe(200);
    expect(back.body.state).toBe('captured');
    const browser = await api('GET', `/api/v1/checkout/paypal/return?token=${payment.providerRef}`, { headers: { Accept: 'text/html' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('Location')).toBe(`/watch/${videoId}?payment=${payment.id}`);
    const fee = await dbAll<{ amount: number }>(
      "SELECT amount FROM ledger_entries WHERE payment_id = ? AND account = 'provider_fees:paypal'",
      payment.id,
    );
    expect(fee[0]?.amount).toBe(59);
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(200);

    // PayPal's own PAYMENT.CAPTURE.COMPLETED webhook then arrives: verified, stored, and changes nothing.
    const capture = captureOf(payment.providerRef);
    const webhook = await paypalContract.webhook('PAYMENT.CAPTURE.COMPLETED', capture);
    expect((await postWebhook('paypal', webhook.body, webhook.headers)).status).toBe(200);
    await vi.waitFor(
      async () => {
        const [row] = await dbAll<{ outcome: string | null }>('SELECT outcome FROM payment_events WHERE provider_event_id = ?', webhook.id);
        expect(row?.outcome).toMatch(/^ignored/);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', payment.id)).toHaveLength(1);
  });

  it('posts a provider-side refund from its webhook and revokes the entitlement; admin refunds go through the SDK', async () => {
    const admin = await signUpAdmin();
    const { buyer, videoId, payment } = await startOrder();
    paypalContract.approve(payment.providerRef);
    await api('GET', `/api/v1/checkout/paypal/return?token=${payment.providerRef}`);
    const refund = await api('POST', `/api/v1/admin/payments/${payment.id}/refund`, { token: admin.accessToken, body: { amount: 299 } });
    expect(refund.status).toBe(200);
    expect(paypalContract.calls.at(-1)).toMatchObject({ method: 'POST', body: { amount: { value: '2.99', currency_code: 'USD' } } });
    // The rest is refunded at PayPal (its dashboard) and announced by webhook with the cumulative total.
    const capture = captureOf(payment.providerRef);
    const webhook = await paypalContract.webhook('PAYMENT.CAPTURE.REFUNDED', {
      id: 'REFUND2',
      status: 'COMPLETED',
      amount: { currency_code: 'USD', value: '10.00' },
      custom_id: payment.id,
      seller_payable_breakdown: { total_refunded_amount: { currency_code: 'USD', value: '12.99' } },
      links: [{ rel: 'up', href: `https://paypal.contract.test/v2/payments/captures/${capture.id}`, method: 'GET' }],
    });
    expect((await postWebhook('paypal', webhook.body, webhook.headers)).status).toBe(200);
    await vi.waitFor(
      async () =>
        expect((await dbAll<{ r: number }>('SELECT refunded_total AS r FROM payments WHERE id = ?', payment.id))[0]?.r).toBe(1299),
      { timeout: 10_000, interval: 100 },
    );
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);
    const refunds = await dbAll<{ id: string }>(
      "SELECT id FROM ledger_transactions WHERE payment_id = ? AND kind = 'refund' ORDER BY id",
      payment.id,
    );
    expect(refunds.map((r) => r.id)).toEqual([`${payment.id}:refund:1299`, `${payment.id}:refund:299`]);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a dispute resolved in the seller’s favour reinstates the ledger and the entitlement; one the buyer wins stays reversed', async () => {
    const sendPaypal = async (type: string, resource: Record<string, unknown>) => {
      const event = await paypalContract.webhook(type, resource);
      expect((await postWebhook('paypal', event.body, event.headers)).status).toBe(200);
      await deliverStored('paypal', event.id);
    };
    const disputeOf = (payment: { id: string }, captureId: string, outcome?: string) => ({
      dispute_id: `PP-D-${captureId}`,
      status: outcome ? 'RESOLVED' : 'WAITING_FOR_SELLER_RESPONSE',
      dispute_amount: { currency_code: 'USD', value: '12.99' },
      disputed_transactions: [{ seller_transaction_id: captureId, custom: payment.id }],
      ...(outcome ? { dispute_outcome: { outcome_code: outcome } } : {}),
    });
    const outcomes: Record<string, { state: string; dispute_status: string; playable: number }> = {};
    for (const outcome of ['RESOLVED_SELLER_FAVOUR', 'RESOLVED_BUYER_FAVOUR']) {
      const { buyer, videoId, payment } = await startOrder();
      paypalContract.approve(payment.providerRef);
      await api('GET', `/api/v1/checkout/paypal/return?token=${payment.providerRef}`);
      const capture = captureOf(payment.providerRef);
      await sendPaypal('CUSTOMER.DISPUTE.CREATED', disputeOf(payment, capture.id));
      expect(await state(payment.id)).toBe('disputed');
      await sendPaypal('CUSTOMER.DISPUTE.RESOLVED', disputeOf(payment, capture.id, outcome));
      const [row] = await dbAll<{ state: string; dispute_status: string }>(
        'SELECT state, dispute_status FROM payments WHERE id = ?',
        payment.id,
      );
      const playable = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status;
      outcomes[outcome] = { ...(row as { state: string; dispute_status: string }), playable };
      const clearing = await dbAll<{ s: number }>(
        "SELECT SUM(amount) AS s FROM ledger_entries WHERE payment_id = ? AND account = 'provider_clearing:paypal'",
        payment.id,
      );
      const fee = Number(capture.seller_receivable_breakdown.paypal_fee.value.replace('.', ''));
      expect(clearing[0]?.s).toBe(outcome === 'RESOLVED_SELLER_FAVOUR' ? 1299 - fee : -fee);
    }
    expect(outcomes).toEqual({
      RESOLVED_SELLER_FAVOUR: { state: 'captured', dispute_status: 'won', playable: 200 },
      RESOLVED_BUYER_FAVOUR: { state: 'disputed', dispute_status: 'lost', playable: 402 },
    });
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('rejects tampered, stale, and foreign-certificate webhooks and writes nothing', async () => {
    const before = await countRows('payment_events');
    const good = await paypalContract.webhook('PAYMENT.CAPTURE.COMPLETED', { id: 'CAPX', custom_id: 'pay_nothing' });
    expect((await postWebhook('paypal', good.body.replace('CAPX', 'CAPY'), good.headers)).body.error.code).toBe('invalid_signature');
    const stale = await paypalContract.sign(good.body, { transmissionTime: new Date(Date.now() - 6 * 60_000) });
    expect((await postWebhook('paypal', good.body, stale)).body.error.code).toBe('stale_webhook');
    const foreign = await paypalContract.sign(good.body, { certUrl: 'https://certs.attacker.example/cert.pem' });
    expect((await postWebhook('paypal', good.body, foreign)).status).toBe(400);
    const otherId = { ...good.headers, 'PAYPAL-TRANSMISSION-ID': crypto.randomUUID() };
    expect((await postWebhook('paypal', good.body, otherId)).status).toBe(400);
    expect(await countRows('payment_events')).toBe(before);
    expect(env.PAYPAL_WEBHOOK_ID).toBe('WH-WORKERS-CONTRACT');
  });
});
