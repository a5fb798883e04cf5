// The local payment sandbox `npm run dev` starts (dev/payment-sandbox): the Worker's own provider adapters create
// checkouts on it, a buyer pays or is declined on its hosted pages, and every webhook it sends passes the
// Worker's real verification (the adapters' verifyWebhook: Stripe's SDK over the v1 HMAC, PayPal's
// SHA256withRSA with the certificate the sandbox serves, Coinbase's HMAC) and reads as the state change it reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentSandbox, paypalFee, STRIPE_TEST_CARDS, startPaymentSandbox, stripeFee } from '../../dev/payment-sandbox/sandbox';
import { CoinbaseProvider } from '../../src/adapters/payments/coinbase';
import { PaypalProvider } from '../../src/adapters/payments/paypal';
import type { PaymentProvider } from '../../src/adapters/payments/provider';
import { StripeProvider } from '../../src/adapters/payments/stripe';
import type { PricedItem } from '../../src/domain/payments/types';
import { type ServedHandler, serveFetchHandler } from '../contract/fetch-server';

interface ReceivedWebhook {
  provider: string;
  body: string;
  headers: Headers;
}

const WORKER = 'http://127.0.0.1:8787';
const item: PricedItem = {
  kind: 'video_purchase',
  creatorId: 'usr_creator',
  videoId: 'vid_sandbox',
  amount: 499,
  currency: 'USD',
  rentalHours: null,
  description: 'Purchase: Knife Skills',
};

let sandbox: PaymentSandbox;
let receiver: ServedHandler;
const received: ReceivedWebhook[] = [];
let stripe: StripeProvider;
let paypal: PaypalProvider;
let coinbase: CoinbaseProvider;

beforeAll(async () => {
  receiver = await serveFetchHandler(async (request) => {
    const provider = new URL(request.url).pathname.split('/').pop() ?? '';
    received.push({ provider, body: await request.text(), headers: request.headers });
    return Response.json({ received: true });
  });
  sandbox = await startPaymentSandbox({ workerUrl: receiver.baseUrl });
  const vars = sandbox.workerVars();
  stripe = new StripeProvider({
    secretKey: vars.STRIPE_SECRET_KEY ?? '',
    webhookSecret: vars.STRIPE_WEBHOOK_SECRET ?? '',
    apiUrl: vars.STRIPE_API_URL,
  });
  paypal = new PaypalProvider({
    clientId: vars.PAYPAL_CLIENT_ID ?? '',
    clientSecret: vars.PAYPAL_CLIENT_SECRET ?? '',
    webhookId: vars.PAYPAL_WEBHOOK_ID ?? '',
    apiUrl: vars.PAYPAL_API_URL,
    certHosts: [vars.PAYPAL_CERT_HOSTS ?? ''],
  });
  coinbase = new CoinbaseProvider({
    apiKey: vars.COINBASE_API_KEY ?? '',
    webhookSecret: vars.COINBASE_WEBHOOK_SECRET ?? '',
    apiUrl: vars.COINBASE_API_URL,
  });
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

const checkout = (paymentId: string) => ({
  paymentId,
  idempotencyKey: `checkout_${paymentId}`,
  item,
  successUrl: `${WORKER}/watch/vid_sandbox?payment=${paymentId}`,
  cancelUrl: `${WORKER}/watch/vid_sandbox?payment=${paymentId}&cancelled=1`,
});

/** A buyer's form post on a hosted page; redirects are not followed, so the answer says where the buyer goes. */
function submit(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

async function webhooksOf(provider: string, count: number): Promise<ReceivedWebhook[]> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const mine = received.filter((hook) => hook.provider === provider);
    if (mine.length >= count) return mine;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`expected ${count} ${provider} webhooks, got ${received.filter((hook) => hook.provider === provider).length}`);
}

/** Verified by the Worker's own code, then read as the signal the payments queue would apply. */
async function verifiedSignal(provider: PaymentProvider, hook: ReceivedWebhook) {
  const verified = await provider.verifyWebhook(hook.body, hook.headers, Date.now());
  return { type: verified.type, signal: provider.toSignal(hook.body) };
}

describe('payment sandbox', () => {
  it('serves a Stripe hosted checkout that declines 4000 0000 0000 0002 without charging, and pays with 4242 4242 4242 4242', async () => {
    const session = await stripe.createCheckout(checkout('pay_sandbox_stripe'));
    expect(session.checkoutUrl).toBe(`${sandbox.url}/pay/stripe/${session.providerRef}`);
    const page = await fetch(session.checkoutUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Purchase: Knife Skills');
    expect(html).toContain('$4.99');
    for (const card of STRIPE_TEST_CARDS) expect(html).toContain(card.number);

    const declined = await submit(session.checkoutUrl, { action: 'pay', cardNumber: '4000 0000 0000 0002' });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    expect(sandbox.stripe.sessions.get(session.providerRef)?.payment_status).toBe('unpaid');
    expect(sandbox.stripe.intents.size).toBe(0);

    const paid = await submit(session.checkoutUrl, { action: 'pay', cardNumber: '4242424242424242' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(checkout('pay_sandbox_stripe').successUrl);
    // The webhook is delivered before the buyer is sent back.
    const [hook] = received.filter((candidate) => candidate.provider === 'stripe');
    expect(hook).toBeDefined();
    const { type, signal } = await verifiedSignal(stripe, hook as ReceivedWebhook);
    expect(type).toBe('checkout.session.completed');
    expect(signal).toMatchObject({ paymentId: 'pay_sandbox_stripe', providerRef: session.providerRef, target: 'captured' });
    // Re-queried as the Worker does: the balance transaction carries Stripe's standard fee.
    const fetched = await stripe.fetchPayment({
      id: 'pay_sandbox_stripe',
      providerRef: session.providerRef,
      captureRef: null,
      currency: 'USD',
    });
    expect(fetched).toMatchObject({ target: 'captured', amount: 499, fee: stripeFee(499) });

    const refund = await stripe.refund(
      { id: 'pay_sandbox_stripe', providerRef: session.providerRef, captureRef: fetched.captureRef ?? null, currency: 'USD' },
      499,
      'refund_1',
    );
    expect(refund.refundId).toMatch(/^re_/);
    const refunded = (await webhooksOf('stripe', 2))[1] as ReceivedWebhook;
    expect(await verifiedSignal(stripe, refunded)).toMatchObject({
      type: 'charge.refunded',
      signal: { target: 'refunded', refundedTotal: 499 },
    });
  });

  it('serves a PayPal approval page; approval, the capture and its event are signed with the certificate it serves', async () => {
    const order = await paypal.createCheckout(checkout('pay_sandbox_paypal'));
    expect(order.checkoutUrl).toBe(`${sandbox.url}/pay/paypal/${order.providerRef}`);
    const page = await (await fetch(order.checkoutUrl)).text();
    expect(page).toContain('Approve');
    expect(page).toContain('$4.99');

    const approved = await submit(order.checkoutUrl, { action: 'approve' });
    expect(approved.status).toBe(303);
    const back = new URL(approved.headers.get('location') ?? '');
    expect(back.searchParams.get('token')).toBe(order.providerRef);
    expect(back.searchParams.get('payment')).toBe('pay_sandbox_paypal');
    const [approval] = await webhooksOf('paypal', 1);
    expect(await verifiedSignal(paypal, approval as ReceivedWebhook)).toMatchObject({
      type: 'CHECKOUT.ORDER.APPROVED',
      signal: { paymentId: 'pay_sandbox_paypal', target: 'authorized' },
    });

    // The Worker captures on its return URL; PayPal's standard fee is kept and the capture event follows.
    const captured = await paypal.captureOrder(order.providerRef, 'capture_pay_sandbox_paypal');
    expect(captured).toMatchObject({ target: 'captured', amount: 499, fee: paypalFee(499) });
    const completed = (await webhooksOf('paypal', 2))[1] as ReceivedWebhook;
    expect(await verifiedSignal(paypal, completed)).toMatchObject({
      type: 'PAYMENT.CAPTURE.COMPLETED',
      signal: { paymentId: 'pay_sandbox_paypal', target: 'captured', amount: 499, fee: paypalFee(499) },
    });
  });

  it('serves a Coinbase charge page: Pay sends charge:pending and charge:confirmed, Cancel sends charge:failed', async () => {
    const charge = await coinbase.createCheckout(checkout('pay_sandbox_coinbase'));
    expect(charge.checkoutUrl).toBe(`${sandbox.url}/pay/coinbase/${charge.providerRef}`);
    expect(await (await fetch(charge.checkoutUrl)).text()).toContain('Coinbase Commerce');
    const paid = await submit(charge.checkoutUrl, { action: 'pay' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(checkout('pay_sandbox_coinbase').successUrl);
    const [pending, confirmed] = await webhooksOf('coinbase', 2);
    expect(await verifiedSignal(coinbase, pending as ReceivedWebhook)).toMatchObject({
      type: 'charge:pending',
      signal: { target: 'pending' },
    });
    expect(await verifiedSignal(coinbase, confirmed as ReceivedWebhook)).toMatchObject({
      type: 'charge:confirmed',
      signal: { paymentId: 'pay_sandbox_coinbase', target: 'captured', amount: 499 },
    });

    const other = await coinbase.createCheckout(checkout('pay_sandbox_coinbase_2'));
    const cancelled = await submit(other.checkoutUrl, { action: 'cancel' });
    expect(cancelled.headers.get('location')).toBe(checkout('pay_sandbox_coinbase_2').cancelUrl);
    const failed = (await webhooksOf('coinbase', 3))[2] as ReceivedWebhook;
    expect(await verifiedSignal(coinbase, failed)).toMatchObject({ type: 'charge:failed', signal: { target: 'failed' } });
  });

  it('signs for its own secrets only: a changed body fails the Worker’s verification', async () => {
    const hook = received.find((candidate) => candidate.provider === 'stripe') as ReceivedWebhook;
    await expect(stripe.verifyWebhook(hook.body.replace('"paid"', '"unpaid"'), hook.headers, Date.now())).rejects.toThrow();
    const paypalHook = received.find((candidate) => candidate.provider === 'paypal') as ReceivedWebhook;
    await expect(paypal.verifyWebhook(`${paypalHook.body} `, paypalHook.headers, Date.now())).rejects.toThrow();
  });
});
