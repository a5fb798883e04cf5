// The local payment sandbox: Stripe, PayPal and Coinbase Commerce stand-ins on one local port, for `npm run dev`
// and the browser tests. It is the contract servers the payments tests use (test/contract: each provider's
// documented API, checked as strictly as the provider checks it) plus what a buyer needs on top:
//
//   - a hosted page per provider, where the buyer pays or cancels: /pay/stripe/{session} (a card form taking the
//     Stripe test cards), /pay/paypal/{order} (Approve / Cancel), /pay/coinbase/{code} (Pay / Cancel);
//   - webhooks to the running Worker (/webhooks/stripe|paypal|coinbase), signed the way each provider signs them
//     (Stripe's v1 HMAC through the SDK's test helper, PayPal's SHA256withRSA with a certificate this server
//     serves, Coinbase's hex HMAC), sent before the buyer is redirected to the checkout's success or cancel URL,
//     and after the captures and refunds the Worker makes through the API, as the providers send them.
//
// One port serves all three APIs: their paths do not overlap (Coinbase /charges…, PayPal /v2/…, /v1/oauth2/…,
// /v1/reporting/…, Stripe every other /v1/…), and the SDKs take only an origin, no path prefix.
// Fees follow each provider's published standard rate, so reports show sales net of fees.
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { errorMessage } from '../../src/domain/errors';
import { CoinbaseContract } from '../../test/contract/coinbase-server';
import { serveFetchHandler } from '../../test/contract/fetch-server';
import { PaypalContract } from '../../test/contract/paypal-server';
import { StripeContract } from '../../test/contract/stripe-server';
import {
  type CheckoutItemView,
  closedCheckoutPage,
  coinbaseChargePage,
  paypalApprovalPage,
  stripeCheckoutPage,
  type TestCard,
} from './pages';

type ProviderName = 'stripe' | 'paypal' | 'coinbase';
type Obj = Record<string, any>;

/** Stripe's documented test cards that the sandbox knows (docs.stripe.com/testing). */
export const STRIPE_TEST_CARDS: readonly TestCard[] = [
  { number: '4242 4242 4242 4242', outcome: 'succeeds', message: 'Payment succeeded.' },
  { number: '4000 0000 0000 0002', outcome: 'declined', message: 'Your card was declined.' },
  { number: '4000 0000 0000 9995', outcome: 'declined', message: 'Your card has insufficient funds.' },
];

const MERCHANT = 'VibeStream';
const PAYPAL_BUYER_EMAIL = 'sb-buyer@personal.example.com';
const WEBHOOK_ATTEMPTS = 5;

// Published standard rates: Stripe 2.9% + 30¢ per domestic card charge (stripe.com/pricing); PayPal Checkout
// 3.49% + 49¢ (paypal.com/us/business/paypal-business-fees). Coinbase Commerce charges report no fee (the
// adapter posts 0), so none is set for them.
export const stripeFee = (amount: number) => Math.round(amount * 0.029) + 30;
export const paypalFee = (amount: number) => Math.round(amount * 0.0349) + 49;

/** The sandbox's credentials: random for each start, so nothing here works anywhere else. */
export interface SandboxSecrets {
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  PAYPAL_CLIENT_ID: string;
  PAYPAL_CLIENT_SECRET: string;
  PAYPAL_WEBHOOK_ID: string;
  COINBASE_API_KEY: string;
  COINBASE_WEBHOOK_SECRET: string;
}

export interface PaymentSandboxOptions {
  /** Origin of the Worker that receives the webhooks; a function when it is known only later (tests). */
  workerUrl: string | (() => string);
  log?: (line: string) => void;
}

export interface PaymentSandbox {
  /** e.g. http://127.0.0.1:43121 — the API root of all three providers, and their hosted pages. */
  url: string;
  secrets: SandboxSecrets;
  /** The Worker bindings that point its three payment providers at this sandbox. */
  workerVars(): Record<string, string>;
  stripe: StripeContract;
  paypal: PaypalContract;
  coinbase: CoinbaseContract;
  close(): Promise<void>;
}

const random = (bytes = 18) => randomBytes(bytes).toString('base64url');

function newSecrets(): SandboxSecrets {
  return {
    STRIPE_SECRET_KEY: `sk_test_sandbox_${random()}`,
    STRIPE_WEBHOOK_SECRET: `whsec_sandbox_${random()}`,
    PAYPAL_CLIENT_ID: `sandbox-client-${random(9)}`,
    PAYPAL_CLIENT_SECRET: `sandbox-secret-${random()}`,
    PAYPAL_WEBHOOK_ID: `WH-SANDBOX-${random(9).toUpperCase()}`,
    COINBASE_API_KEY: `sandbox-key-${random()}`,
    COINBASE_WEBHOOK_SECRET: `sandbox-whsec-${random()}`,
  };
}

/** Which provider an API path belongs to (see the header: the three never overlap). */
function apiOf(path: string): ProviderName {
  if (path === '/charges' || path.startsWith('/charges/')) return 'coinbase';
  if (path.startsWith('/v2/') || path.startsWith('/v1/oauth2/') || path.startsWith('/v1/reporting/') || path.startsWith('/certs/'))
    return 'paypal';
  return 'stripe';
}

const cardDigits = (text: string) => text.replace(/[\s-]/g, '');
const decimalToCents = (value: string) => Math.round(Number(value) * 100);

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location } });
}

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
}

/** `url` with extra query parameters (PayPal appends its token to return and cancel URLs). */
function withParams(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.toString();
}

export async function startPaymentSandbox(options: PaymentSandboxOptions): Promise<PaymentSandbox> {
  const log = options.log ?? (() => {});
  const workerUrl = () => (typeof options.workerUrl === 'function' ? options.workerUrl() : options.workerUrl).replace(/\/+$/, '');
  const secrets = newSecrets();
  const stripeSigner = new Stripe(secrets.STRIPE_SECRET_KEY);
  let contracts: { stripe: StripeContract; paypal: PaypalContract; coinbase: CoinbaseContract } | undefined;
  // Provider objects a webhook was already sent for: an idempotent replay of a capture or refund sends none.
  const notified = new Set<string>();

  async function deliver(provider: ProviderName, type: string, body: string, headers: Record<string, string>): Promise<number> {
    const target = `${workerUrl()}/webhooks/${provider}`;
    let outcome = 'no answer';
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt += 1) {
      try {
        const response = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        await response.body?.cancel();
        outcome = String(response.status);
        // Providers retry what the endpoint did not accept; 4xx other than 408/429 will not change on a retry.
        if (response.ok || (response.status < 500 && response.status !== 408 && response.status !== 429)) {
          log(`${provider} webhook ${type} → ${response.status}`);
          return response.status;
        }
      } catch (error) {
        outcome = errorMessage(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
    }
    log(`${provider} webhook ${type} not delivered to ${target} (${outcome})`);
    return 0;
  }

  async function stripeWebhook(type: string, object: Obj): Promise<number> {
    const event = (contracts as NonNullable<typeof contracts>).stripe.event(type, object);
    const signature = await stripeSigner.webhooks.generateTestHeaderStringAsync({
      payload: event.body,
      secret: secrets.STRIPE_WEBHOOK_SECRET,
    });
    return deliver('stripe', type, event.body, { 'Content-Type': 'application/json', 'Stripe-Signature': signature });
  }

  async function paypalWebhook(type: string, resource: Obj): Promise<number> {
    const event = await (contracts as NonNullable<typeof contracts>).paypal.webhook(type, resource);
    return deliver('paypal', type, event.body, event.headers);
  }

  async function coinbaseWebhook(type: string, charge: Obj): Promise<number> {
    const event = await (contracts as NonNullable<typeof contracts>).coinbase.webhook(type, charge);
    return deliver('coinbase', type, event.body, event.headers);
  }

  /** After the Worker's own API call has its answer, as a provider sends the event that call caused. */
  const afterResponse = (send: () => Promise<unknown>) => {
    setTimeout(() => void send().catch((error) => log(`webhook failed: ${String(error)}`)), 0);
  };

  // ---- the providers' APIs, with the events the Worker's captures and refunds cause ----

  async function stripeApi(request: Request): Promise<Response> {
    const { stripe } = contracts as NonNullable<typeof contracts>;
    const response = await stripe.handle(request);
    if (request.method === 'POST' && new URL(request.url).pathname === '/v1/refunds' && response.ok) {
      const refund = (await response.clone().json()) as Obj;
      if (!notified.has(refund.id)) {
        notified.add(refund.id);
        const charge = stripe.charges.get(refund.charge);
        if (charge) afterResponse(() => stripeWebhook('charge.refunded', { ...charge }));
      }
    }
    return response;
  }

  async function paypalApi(request: Request): Promise<Response> {
    const { paypal } = contracts as NonNullable<typeof contracts>;
    const path = new URL(request.url).pathname;
    const capture = request.method === 'POST' ? /^\/v2\/checkout\/orders\/([A-Z0-9]+)\/capture$/.exec(path) : null;
    const order = capture ? paypal.orders.get(capture[1] as string) : undefined;
    if (order) paypal.captureFee = paypalFee(decimalToCents(order.purchase_units[0].amount.value));
    const response = await paypal.handle(request);
    if (order && response.status === 201) {
      const captured = order.purchase_units[0].payments?.captures?.[0] as Obj | undefined;
      if (captured && !notified.has(captured.id)) {
        notified.add(captured.id);
        afterResponse(() => paypalWebhook('PAYMENT.CAPTURE.COMPLETED', captured));
      }
    }
    if (request.method === 'POST' && /^\/v2\/payments\/captures\/[A-Z0-9]+\/refund$/.test(path) && response.status === 201) {
      const refund = (await response.clone().json()) as Obj;
      if (!notified.has(refund.id)) {
        notified.add(refund.id);
        afterResponse(() => paypalWebhook('PAYMENT.CAPTURE.REFUNDED', refund));
      }
    }
    return response;
  }

  // ---- the hosted pages, where the buyer decides ----

  async function stripePage(request: Request, sessionId: string): Promise<Response> {
    const { stripe } = contracts as NonNullable<typeof contracts>;
    const session = stripe.sessions.get(sessionId);
    if (!session) return html(closedCheckoutPage('Checkout not found', 'This checkout session does not exist.'), 404);
    if (session.status !== 'open') {
      return html(closedCheckoutPage('This checkout is complete', 'It has already been paid.', session.success_url), 410);
    }
    const item: CheckoutItemView = {
      description: session._productName,
      amount: session.amount_total,
      currency: session.currency,
      merchant: MERCHANT,
    };
    const render = (extra: { error?: string; card?: string; email?: string } = {}, status = 200) =>
      html(stripeCheckoutPage({ sessionId, item, cancelUrl: session.cancel_url, cards: STRIPE_TEST_CARDS, ...extra }), status);
    if (request.method !== 'POST') return render();
    const form = new URLSearchParams(await request.text());
    const entered = form.get('cardNumber') ?? '';
    const email = form.get('email') ?? '';
    const card = STRIPE_TEST_CARDS.find((known) => cardDigits(known.number) === cardDigits(entered));
    if (!card) {
      const error = `Your card was declined. This sandbox takes only the test cards listed below.`;
      log(`stripe checkout ${sessionId}: unknown card refused`);
      return render({ error, card: entered, email }, 402);
    }
    if (card.outcome === 'declined') {
      // As in Stripe Checkout: the decline is shown on the page and the session stays open; nothing is charged.
      log(`stripe checkout ${sessionId}: card ${card.number} declined`);
      return render({ error: `${card.message} Nothing was charged; try another card.`, card: entered, email }, 402);
    }
    const paid = stripe.paySession(sessionId, stripeFee(session.amount_total));
    log(`stripe checkout ${sessionId}: paid ${session.amount_total} ${session.currency}`);
    await stripeWebhook('checkout.session.completed', paid.session);
    return redirect(String(session.success_url).replace('{CHECKOUT_SESSION_ID}', sessionId));
  }

  async function paypalPage(request: Request, orderId: string): Promise<Response> {
    const { paypal } = contracts as NonNullable<typeof contracts>;
    const order = paypal.orders.get(orderId);
    const experience = paypal.experience.get(orderId);
    if (!order || !experience) return html(closedCheckoutPage('Order not found', 'This PayPal order does not exist.'), 404);
    if (order.status !== 'PAYER_ACTION_REQUIRED') {
      return html(closedCheckoutPage('This order is already approved', 'Return to the merchant to finish.', experience.returnUrl), 410);
    }
    const unit = order.purchase_units[0];
    const item: CheckoutItemView = {
      description: unit.description ?? 'Order',
      amount: decimalToCents(unit.amount.value),
      currency: unit.amount.currency_code,
      merchant: MERCHANT,
    };
    if (request.method !== 'POST') return html(paypalApprovalPage({ orderId, item, buyerEmail: PAYPAL_BUYER_EMAIL }));
    const action = new URLSearchParams(await request.text()).get('action');
    if (action === 'cancel') {
      log(`paypal order ${orderId}: cancelled by the buyer`);
      return redirect(withParams(experience.cancelUrl, { token: orderId }));
    }
    paypal.approve(orderId);
    log(`paypal order ${orderId}: approved`);
    await paypalWebhook('CHECKOUT.ORDER.APPROVED', { ...order });
    // The merchant captures on its return URL (the Worker's /checkout/paypal/return); PayPal then sends the capture event.
    return redirect(withParams(experience.returnUrl, { token: orderId, PayerID: 'SANDBOXBUYER1' }));
  }

  async function coinbasePage(request: Request, code: string): Promise<Response> {
    const { coinbase } = contracts as NonNullable<typeof contracts>;
    const charge = coinbase.charges.find((candidate) => candidate.code === code);
    if (!charge) return html(closedCheckoutPage('Charge not found', 'This Coinbase Commerce charge does not exist.'), 404);
    const last = charge.timeline.at(-1)?.status;
    if (last !== 'NEW')
      return html(
        closedCheckoutPage(`This charge is ${String(last).toLowerCase()}`, 'It can no longer be paid.', charge.redirect_url),
        410,
      );
    const local = charge.pricing.local as { amount: string; currency: string };
    const item: CheckoutItemView = {
      description: charge.description,
      amount: decimalToCents(local.amount),
      currency: local.currency,
      merchant: MERCHANT,
    };
    if (request.method !== 'POST') {
      // At a notional 3,000 USD per ETH: only there to make the page read like a crypto checkout.
      return html(coinbaseChargePage({ code, item, cryptoAmount: (Number(local.amount) / 3000).toFixed(6) }));
    }
    const action = new URLSearchParams(await request.text()).get('action');
    if (action === 'cancel') {
      // Coinbase fails a charge that is cancelled (or expires) unpaid: charge:failed.
      charge.timeline.push({ status: 'CANCELED', time: new Date().toISOString() });
      log(`coinbase charge ${code}: cancelled by the buyer`);
      await coinbaseWebhook('charge:failed', charge);
      return redirect(charge.cancel_url);
    }
    const confirmed = coinbase.confirm(code);
    log(`coinbase charge ${code}: paid`);
    await coinbaseWebhook('charge:pending', { ...confirmed, timeline: confirmed.timeline.slice(0, -1) });
    await coinbaseWebhook('charge:confirmed', confirmed);
    return redirect(charge.redirect_url);
  }

  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const hosted = /^\/pay\/(stripe|paypal|coinbase)\/([^/]+)$/.exec(path);
    if (hosted) {
      const ref = decodeURIComponent(hosted[2] as string);
      if (hosted[1] === 'stripe') return stripePage(request, ref);
      if (hosted[1] === 'paypal') return paypalPage(request, ref);
      return coinbasePage(request, ref);
    }
    // Browsers ask every origin for an icon; without this the checkout pages log the provider API's 401.
    if (path === '/favicon.ico') return new Response(null, { status: 204 });
    if (path === '/' || path === '') {
      return Response.json({
        sandbox: 'VibeStream payment sandbox',
        apis: ['stripe', 'paypal', 'coinbase'],
        testCards: STRIPE_TEST_CARDS,
      });
    }
    const provider = apiOf(path);
    const { coinbase } = contracts as NonNullable<typeof contracts>;
    if (provider === 'stripe') return stripeApi(request);
    if (provider === 'paypal') return paypalApi(request);
    return coinbase.handle(request);
  };

  const served = await serveFetchHandler(handle);
  const url = served.baseUrl;
  contracts = {
    stripe: new StripeContract({
      secretKey: secrets.STRIPE_SECRET_KEY,
      apiVersion: Stripe.API_VERSION,
      checkoutPageUrl: (id) => `${url}/pay/stripe/${id}`,
    }),
    paypal: new PaypalContract({
      clientId: secrets.PAYPAL_CLIENT_ID,
      clientSecret: secrets.PAYPAL_CLIENT_SECRET,
      webhookId: secrets.PAYPAL_WEBHOOK_ID,
      origin: url,
      approvalPageUrl: (id) => `${url}/pay/paypal/${id}`,
    }),
    coinbase: new CoinbaseContract({
      apiKey: secrets.COINBASE_API_KEY,
      webhookSecret: secrets.COINBASE_WEBHOOK_SECRET,
      hostedPageUrl: (code) => `${url}/pay/coinbase/${code}`,
    }),
  };
  return {
    url,
    secrets,
    ...contracts,
    workerVars: () => ({
      ...secrets,
      STRIPE_API_URL: url,
      PAYPAL_API_URL: url,
      COINBASE_API_URL: url,
      // The sandbox serves PayPal's webhook certificate itself; the Worker fetches certificates only from listed hosts.
      PAYPAL_CERT_HOSTS: new URL(url).host,
    }),
    close: served.close,
  };
}
