// The payment provider adapters against local contract servers over real HTTP: the official stripe SDK and
// @paypal/paypal-server-sdk run for real (fetch clients), Coinbase over fetch. The servers check the documented
// request shapes (Stripe form encoding, Bearer auth, Stripe-Version, Idempotency-Key; PayPal OAuth client
// credentials and Orders v2 JSON, PayPal-Request-Id; Coinbase X-CC-Api-Key / X-CC-Version) and answer the
// documented payloads. Webhooks are signed by the SDK helper (Stripe), a test RSA certificate (PayPal) or HMAC.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinbaseProvider } from '../../src/adapters/payments/coinbase';
import { PaypalProvider } from '../../src/adapters/payments/paypal';
import { ProviderError, WebhookRejected } from '../../src/adapters/payments/provider';
import { StripeProvider } from '../../src/adapters/payments/stripe';
import type { PricedItem } from '../../src/domain/payments/types';
import { startCoinbaseServer } from '../contract/coinbase-server';
import type { RecordedCall } from '../contract/fetch-server';
import { startPaypalServer } from '../contract/paypal-server';
import { startStripeServer } from '../contract/stripe-server';

const item: PricedItem = {
  kind: 'video_purchase',
  creatorId: 'usr_creator',
  videoId: 'vid_abcdef',
  amount: 1299,
  currency: 'USD',
  rentalHours: null,
  description: 'Purchase: A film',
};
function lastCall(calls: RecordedCall[]): RecordedCall {
  const call = calls.at(-1);
  if (!call) throw new Error('the contract server recorded no call');
  return call;
}

const checkout = (paymentId: string, extra: Partial<PricedItem> = {}) => ({
  paymentId,
  idempotencyKey: `checkout_${paymentId}`,
  item: { ...item, ...extra },
  successUrl: 'http://127.0.0.1:8787/watch/vid_abcdef?payment=x',
  cancelUrl: 'http://127.0.0.1:8787/watch/vid_abcdef?cancelled=1',
});

describe('Stripe adapter (stripe SDK over fetch, contract server)', () => {
  const SECRET = 'sk_test_contract_0123456789';
  const WHSEC = 'whsec_contract_secret';
  let server: Awaited<ReturnType<typeof startStripeServer>>;
  let stripe: StripeProvider;
  beforeAll(async () => {
    server = await startStripeServer({ secretKey: SECRET, apiVersion: Stripe.API_VERSION });
    stripe = new StripeProvider({ secretKey: SECRET, webhookSecret: WHSEC, apiUrl: server.baseUrl });
  });
  afterAll(() => server?.close());

  it('creates a Checkout Session with form encoding, Bearer auth, Stripe-Version and an Idempotency-Key', async () => {
    const session = await stripe.createCheckout(checkout('pay_s1'));
    expect(session.providerRef).toMatch(/^cs_test_/);
    expect(session.checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${session.providerRef}`);
    const call = lastCall(server.contract.calls);
    expect(call.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(call.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(call.headers['stripe-version']).toBe(Stripe.API_VERSION);
    expect(call.headers['idempotency-key']).toBe('checkout_pay_s1');
    expect(call.body).toMatchObject({
      mode: 'payment',
      client_reference_id: 'pay_s1',
      metadata: { paymentId: 'pay_s1' },
      line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '1299', product_data: { name: 'Purchase: A film' } } }],
      payment_intent_data: { metadata: { paymentId: 'pay_s1' } },
    });
  });

  it('replays the first answer for a repeated Idempotency-Key (no second session)', async () => {
    const before = server.contract.sessions.size;
    const first = await stripe.createCheckout(checkout('pay_s2'));
    const again = await stripe.createCheckout(checkout('pay_s2'));
    expect(again.providerRef).toBe(first.providerRef);
    expect(server.contract.sessions.size).toBe(before + 1);
  });

  it('creates monthly subscriptions through Stripe Billing (recurring price, subscription mode)', async () => {
    await stripe.createCheckout(checkout('pay_s3', { kind: 'subscription', videoId: null }));
    expect(server.contract.calls.at(-1)?.body).toMatchObject({
      mode: 'subscription',
      line_items: [{ price_data: { recurring: { interval: 'month' } } }],
      subscription_data: { metadata: { paymentId: 'pay_s3' } },
    });
  });

  it('Stripe Billing: the first invoice pays the subscription checkout; renewals and cancellation are re-queried', async () => {
    const session = await stripe.createCheckout(checkout('pay_s6', { kind: 'subscription', videoId: null, amount: 500 }));
    const paid = server.contract.paySession(session.providerRef, 45);
    const firstEnd = paid.invoice?.lines.data[0].period.end * 1000;
    const lookup = { id: 'pay_s6', providerRef: session.providerRef, captureRef: null, currency: 'USD' };
    expect(await stripe.fetchPayment(lookup)).toMatchObject({
      target: 'captured',
      amount: 500,
      fee: 45,
      captureRef: paid.intent.id,
      subscriptionRef: paid.subscription?.id,
      periodEnd: firstEnd,
    });
    // `payments` is requested with expand[] (includable), the fee through the intent's charge.
    const invoiceCall = server.contract.calls.find((call) => call.path === `/v1/invoices/${paid.invoice?.id}`);
    expect(invoiceCall?.body).toMatchObject({ expand: ['payments'] });

    const renewal = server.contract.renewSubscription(paid.subscription?.id, { fee: 46 });
    const event = server.contract.event('invoice.paid', renewal);
    expect(stripe.billing.toBillingSignal(event.body)).toEqual({
      kind: 'invoice',
      invoiceId: renewal.id,
      subscriptionRef: paid.subscription?.id,
      paymentId: 'pay_s6',
      occurredAt: expect.any(Number),
    });
    expect(await stripe.billing.fetchInvoice(renewal.id)).toMatchObject({
      paid: true,
      billingReason: 'subscription_cycle',
      amount: 500,
      fee: 46,
      currency: 'USD',
      captureRef: expect.stringMatching(/^pi_/),
      periodEnd: renewal.lines.data[0].period.end * 1000,
    });
    expect(renewal.lines.data[0].period.start * 1000).toBe(firstEnd);
    const failed = server.contract.renewSubscription(paid.subscription?.id, 'payment_failed');
    expect(await stripe.billing.fetchInvoice(failed.id)).toMatchObject({ paid: false, amount: 0, fee: 0, captureRef: null });
    const canceled = server.contract.cancelSubscription(paid.subscription?.id);
    expect(await stripe.billing.fetchSubscription(canceled.id)).toEqual({
      id: canceled.id,
      status: 'canceled',
      endedAt: canceled.ended_at * 1000,
    });
    expect(stripe.billing.toBillingSignal(server.contract.event('customer.subscription.deleted', canceled).body)).toMatchObject({
      kind: 'subscription_ended',
      subscriptionRef: canceled.id,
      endedAt: canceled.ended_at * 1000,
    });
    expect(stripe.billing.toBillingSignal(server.contract.event('charge.refunded', {}).body)).toBeNull();
  });

  it('re-queries a paid session with its fee from the balance transaction, and refunds with an idempotency key', async () => {
    const session = await stripe.createCheckout(checkout('pay_s4'));
    const { intent } = server.contract.paySession(session.providerRef, 68);
    const lookup = { id: 'pay_s4', providerRef: session.providerRef, captureRef: null, currency: 'USD' };
    expect(await stripe.fetchPayment(lookup)).toMatchObject({
      target: 'captured',
      amount: 1299,
      fee: 68,
      captureRef: intent.id,
      currency: 'USD',
    });
    const refund = await stripe.refund({ ...lookup, captureRef: intent.id }, 300, 'refund_pay_s4_300');
    expect(refund.refundId).toMatch(/^re_/);
    expect(server.contract.calls.at(-1)?.headers['idempotency-key']).toBe('refund_pay_s4_300');
    expect(await stripe.fetchPayment(lookup)).toMatchObject({ target: 'refunded', refundedTotal: 300 });
    expect(
      await stripe.resolvePaymentId({
        provider: 'stripe',
        paymentId: null,
        providerRef: null,
        target: 'refunded',
        occurredAt: 0,
        captureRef: intent.id,
      }),
    ).toBe('pay_s4');
    const movements = await stripe.listMovements(Date.now() - 60_000, Date.now() + 60_000);
    expect(movements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'charge', reference: intent.id, amount: 1299, fee: 68 }),
        expect.objectContaining({ kind: 'refund', reference: intent.id, amount: 300 }),
      ]),
    );
  });

  it('turns a wrong key into a ProviderError with the status, not a crash', async () => {
    const wrong = new StripeProvider({ secretKey: 'sk_test_wrong', webhookSecret: WHSEC, apiUrl: server.baseUrl });
    await expect(wrong.createCheckout(checkout('pay_s5'))).rejects.toMatchObject({ name: 'ProviderError', status: 401 });
    const down = new StripeProvider({ secretKey: SECRET, webhookSecret: WHSEC, apiUrl: 'http://127.0.0.1:9' });
    await expect(down.createCheckout(checkout('pay_s6'))).rejects.toBeInstanceOf(ProviderError);
  });

  it('verifies webhooks with constructEventAsync (SubtleCrypto) and rejects tampered and stale ones', async () => {
    const { id, body } = server.contract.event('checkout.session.completed', {
      id: 'cs_test_x',
      object: 'checkout.session',
      payment_status: 'paid',
    });
    const sign = (payload: string, timestamp = Math.floor(Date.now() / 1000)) =>
      stripe.client.webhooks.generateTestHeaderStringAsync({
        payload,
        secret: WHSEC,
        timestamp,
        cryptoProvider: Stripe.createSubtleCryptoProvider(),
      });
    const headers = (signature: string) => new Headers({ 'stripe-signature': signature });
    await expect(stripe.verifyWebhook(body, headers(await sign(body)), Date.now())).resolves.toEqual({
      providerEventId: id,
      type: 'checkout.session.completed',
    });
    await expect(stripe.verifyWebhook(body.replace('paid', 'unpaid'), headers(await sign(body)), Date.now())).rejects.toMatchObject({
      reason: 'bad_signature',
    });
    const old = await sign(body, Math.floor(Date.now() / 1000) - 301);
    await expect(stripe.verifyWebhook(body, headers(old), Date.now())).rejects.toMatchObject({ reason: 'stale' });
    await expect(stripe.verifyWebhook(body, new Headers(), Date.now())).rejects.toBeInstanceOf(WebhookRejected);
  });
});

describe('PayPal adapter (@paypal/paypal-server-sdk with a fetch axios adapter, contract server)', () => {
  const creds = { clientId: 'client-id-contract', clientSecret: 'client-secret-contract', webhookId: 'WH-ID-CONTRACT' };
  let server: Awaited<ReturnType<typeof startPaypalServer>>;
  let paypal: PaypalProvider;
  beforeAll(async () => {
    server = await startPaypalServer(creds);
    paypal = new PaypalProvider({ ...creds, apiUrl: server.baseUrl, certHosts: [new URL(server.baseUrl).host] });
  });
  afterAll(() => server?.close());

  it('gets an OAuth token by client credentials, then creates an Orders v2 order with PayPal-Request-Id', async () => {
    const session = await paypal.createCheckout(checkout('pay_p1'));
    expect(session.checkoutUrl).toBe(`https://www.sandbox.paypal.com/checkoutnow?token=${session.providerRef}`);
    const token = lastCall(server.contract.calls.filter((call) => call.path === '/v1/oauth2/token'));
    expect(token.headers.authorization).toBe(`Basic ${btoa(`${creds.clientId}:${creds.clientSecret}`)}`);
    expect(token.body).toBe('grant_type=client_credentials');
    const create = lastCall(server.contract.calls);
    expect(create.path).toBe('/v2/checkout/orders');
    expect(create.headers.authorization).toBe(`Bearer ${server.contract.tokensIssued[0]}`);
    expect(create.headers['paypal-request-id']).toBe('checkout_pay_p1');
    expect(create.body).toMatchObject({
      intent: 'CAPTURE',
      purchase_units: [{ custom_id: 'pay_p1', amount: { currency_code: 'USD', value: '12.99' } }],
      payment_source: { paypal: { experience_context: { return_url: expect.any(String), cancel_url: expect.any(String) } } },
    });
  });

  it('captures only an approved order, and the capture carries amount, fee and capture id', async () => {
    const session = await paypal.createCheckout(checkout('pay_p2'));
    await expect(paypal.captureOrder(session.providerRef, 'capture_pay_p2')).rejects.toMatchObject({
      status: 422,
      code: 'ORDER_NOT_APPROVED',
    });
    server.contract.approve(session.providerRef);
    const signal = await paypal.captureOrder(session.providerRef, 'capture_pay_p2b');
    expect(signal).toMatchObject({ target: 'captured', paymentId: 'pay_p2', amount: 1299, fee: 59, currency: 'USD' });
    const lookup = { id: 'pay_p2', providerRef: session.providerRef, captureRef: signal.captureRef as string, currency: 'USD' };
    await paypal.refund(lookup, 1299, 'refund_pay_p2_1299');
    expect(await paypal.fetchPayment(lookup)).toMatchObject({ target: 'refunded', refundedTotal: 1299 });
    const movements = await paypal.listMovements(Date.now() - 60_000, Date.now() + 60_000);
    expect(movements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'charge', reference: signal.captureRef, amount: 1299, fee: 59 }),
        expect.objectContaining({ kind: 'refund', reference: signal.captureRef, amount: 1299 }),
      ]),
    );
  });

  it('verifies webhook signatures offline with the certificate, cached, and rejects tampering, age and foreign hosts', async () => {
    const { id, body, headers } = await server.contract.webhook('PAYMENT.CAPTURE.COMPLETED', { id: 'CAP1', custom_id: 'pay_x' });
    const certFetchesBefore = server.contract.calls.filter((call) => call.path === '/certs/webhook.pem').length;
    await expect(paypal.verifyWebhook(body, new Headers(headers), Date.now())).resolves.toEqual({
      providerEventId: id,
      type: 'PAYMENT.CAPTURE.COMPLETED',
    });
    await expect(paypal.verifyWebhook(body, new Headers(headers), Date.now())).resolves.toBeTruthy();
    expect(server.contract.calls.filter((call) => call.path === '/certs/webhook.pem').length - certFetchesBefore).toBeLessThanOrEqual(1);
    await expect(paypal.verifyWebhook(body.replace('pay_x', 'pay_y'), new Headers(headers), Date.now())).rejects.toMatchObject({
      reason: 'bad_signature',
    });
    const stale = await server.contract.sign(body, { transmissionTime: new Date(Date.now() - 10 * 60_000) });
    await expect(paypal.verifyWebhook(body, new Headers(stale), Date.now())).rejects.toMatchObject({ reason: 'stale' });
    const foreign = await server.contract.sign(body, { certUrl: 'https://evil.example.com/cert.pem' });
    await expect(paypal.verifyWebhook(body, new Headers(foreign), Date.now())).rejects.toMatchObject({ reason: 'bad_certificate' });
  });
});

describe('Coinbase Commerce adapter (fetch, contract server)', () => {
  const options = { apiKey: 'cc-api-key-contract', webhookSecret: 'cc-webhook-secret' };
  let server: Awaited<ReturnType<typeof startCoinbaseServer>>;
  let coinbase: CoinbaseProvider;
  beforeAll(async () => {
    server = await startCoinbaseServer(options);
    coinbase = new CoinbaseProvider({ ...options, apiUrl: server.baseUrl });
  });
  afterAll(() => server?.close());

  it('creates a fixed-price charge with X-CC-Api-Key and X-CC-Version 2018-03-22', async () => {
    const session = await coinbase.createCheckout(checkout('pay_c1'));
    expect(session.checkoutUrl).toBe(`https://commerce.coinbase.com/charges/${session.providerRef}`);
    const call = lastCall(server.contract.calls);
    expect(call.headers['x-cc-api-key']).toBe(options.apiKey);
    expect(call.headers['x-cc-version']).toBe('2018-03-22');
    expect(call.body).toMatchObject({
      pricing_type: 'fixed_price',
      local_price: { amount: '12.99', currency: 'USD' },
      metadata: { paymentId: 'pay_c1' },
    });
  });

  it('re-queries a confirmed charge, lists it for reconciliation, and has no refund API', async () => {
    const session = await coinbase.createCheckout(checkout('pay_c2'));
    server.contract.confirm(session.providerRef);
    const lookup = { id: 'pay_c2', providerRef: session.providerRef, captureRef: null, currency: 'USD' };
    expect(await coinbase.fetchPayment(lookup)).toMatchObject({
      target: 'captured',
      amount: 1299,
      fee: 0,
      captureRef: session.providerRef,
    });
    expect(await coinbase.listMovements(Date.now() - 60_000, Date.now() + 60_000)).toEqual([
      expect.objectContaining({ kind: 'charge', reference: session.providerRef, amount: 1299 }),
    ]);
    await expect(coinbase.refund()).rejects.toMatchObject({ status: 409, code: 'refund_not_supported' });
    await expect(new CoinbaseProvider({ ...options, apiKey: 'nope', apiUrl: server.baseUrl }).fetchPayment(lookup)).rejects.toMatchObject({
      status: 401,
    });
  });

  it('verifies X-CC-Webhook-Signature over the raw body and rejects a tampered body', async () => {
    const charge = server.contract.charges[0] as Record<string, unknown>;
    const { id, body, headers } = await server.contract.webhook('charge:confirmed', charge);
    await expect(coinbase.verifyWebhook(body, new Headers(headers))).resolves.toEqual({ providerEventId: id, type: 'charge:confirmed' });
    await expect(coinbase.verifyWebhook(`${body} `, new Headers(headers))).rejects.toMatchObject({ reason: 'bad_signature' });
    await expect(coinbase.verifyWebhook(body, new Headers())).rejects.toMatchObject({ reason: 'missing_signature' });
  });
});
