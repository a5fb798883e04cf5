// Shared by the payments integration tests: the provider contract servers (test/contract) answering the Worker's
// outbound fetches in-process, and shortcuts to a priced, ready video with a playable file in R2.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import Stripe from 'stripe';
import { vi } from 'vitest';
import { consumeBatch } from '../../src/workers/events/consumer';
import { paymentEventIds } from '../../src/workers/routes/webhooks';
import { CoinbaseContract } from '../contract/coinbase-server';
import { PaypalContract } from '../contract/paypal-server';
import { StripeContract } from '../contract/stripe-server';
import { api, markVideoReady, signUp } from './helpers';

const bindings = env as unknown as Record<string, string>;

export const stripeContract = new StripeContract({ secretKey: bindings.STRIPE_SECRET_KEY as string, apiVersion: Stripe.API_VERSION });
export const paypalContract = new PaypalContract({
  clientId: bindings.PAYPAL_CLIENT_ID as string,
  clientSecret: bindings.PAYPAL_CLIENT_SECRET as string,
  webhookId: bindings.PAYPAL_WEBHOOK_ID as string,
  origin: bindings.PAYPAL_API_URL as string,
});
export const coinbaseContract = new CoinbaseContract({
  apiKey: bindings.COINBASE_API_KEY as string,
  webhookSecret: bindings.COINBASE_WEBHOOK_SECRET as string,
});

const byHost: Record<string, (request: Request) => Promise<Response>> = {
  [new URL(bindings.STRIPE_API_URL as string).host]: stripeContract.handle,
  [new URL(bindings.PAYPAL_API_URL as string).host]: paypalContract.handle,
  [new URL(bindings.COINBASE_API_URL as string).host]: coinbaseContract.handle,
};

/** Sends the Worker's calls to the provider hosts to the contract servers; anything else fails loudly. */
export function routeProvidersToContracts() {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const handler = byHost[new URL(request.url).host];
    if (!handler) throw new TypeError(`unexpected fetch to ${request.url}`);
    return handler(request);
  });
}

/** Stripe signature header as the SDK's test helper builds it (the same HMAC Stripe computes). */
export async function stripeSignature(payload: string, timestamp = Math.floor(Date.now() / 1000)) {
  const stripe = new Stripe('sk_test_unused', { httpClient: Stripe.createFetchHttpClient() });
  return stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: bindings.STRIPE_WEBHOOK_SECRET as string,
    timestamp,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

export async function postWebhook(provider: string, body: string, headers: Record<string, string>) {
  return api('POST', `/webhooks/${provider}`, { rawBody: body, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** A creator with a ready public video priced for purchase and rental, and one playable playlist in R2. */
export async function pricedVideo(prices: { purchase?: number; rental?: number } = { purchase: 1299, rental: 399 }) {
  const creator = await signUp('creator');
  const created = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'A paid film', language: 'en', visibility: 'public' },
  });
  if (created.status !== 201) throw new Error(`video create failed: ${JSON.stringify(created.body)}`);
  const videoId = created.body.id as string;
  await env.UPLOADS.put(
    `videos/${videoId}/360p/index.m3u8`,
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n',
  );
  await env.UPLOADS.put(`videos/${videoId}/360p/seg_00000.m4s`, new Uint8Array([1, 2, 3, 4]));
  const priced = await api('PUT', `/api/v1/videos/${videoId}/prices`, {
    token: creator.accessToken,
    body: {
      ...(prices.purchase ? { purchase: { amount: prices.purchase, currency: 'usd' } } : {}),
      ...(prices.rental ? { rental: { amount: prices.rental, currency: 'usd', rentalHours: 48 } } : {}),
    },
  });
  if (priced.status !== 200) throw new Error(`pricing failed: ${JSON.stringify(priced.body)}`);
  // Priced while a draft, as a paid video must be: a video published in the clear cannot be given a price.
  await markVideoReady(videoId);
  return { creator, videoId };
}

export async function dbAll<T>(query: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(query)
      .bind(...params)
      .all<T>()
  ).results;
}

/** Ledger invariants that must hold after anything: every transaction sums to zero; stored balances = sums of entries. */
export async function ledgerInvariants() {
  const unbalanced = await dbAll<{ transaction_id: string; s: number }>(
    'SELECT transaction_id, SUM(amount) AS s FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount) != 0',
  );
  const drift = await dbAll<{ account: string }>(
    `SELECT b.account FROM ledger_balances b
       LEFT JOIN (SELECT account, currency, SUM(amount) AS s FROM ledger_entries GROUP BY account, currency) e
         ON e.account = b.account AND e.currency = b.currency
      WHERE b.balance != COALESCE(e.s, 0)`,
  );
  const missing = await dbAll<{ account: string }>(
    `SELECT e.account FROM ledger_entries e LEFT JOIN ledger_balances b ON b.account = e.account AND b.currency = e.currency
      WHERE b.account IS NULL`,
  );
  return { unbalanced, drift, missing };
}

/** A Stripe event in its envelope, signed as Stripe signs it. */
export async function signedStripeEvent(type: string, object: Record<string, unknown>, timestamp?: number) {
  const event = stripeContract.event(type, object);
  return { ...event, signature: await stripeSignature(event.body, timestamp) };
}

/** Delivers a stored provider event to the consumer as the payments queue would (attempt n). */
export async function deliverStored(provider: 'stripe' | 'paypal' | 'coinbase', providerEventId: string, attempts = 1) {
  const ids = await paymentEventIds(provider, providerEventId);
  const batch = createMessageBatch('vibestream-payment-events', [
    {
      id: `msg-${ids.domainEventId}-${attempts}`,
      timestamp: new Date(),
      attempts,
      body: {
        id: ids.domainEventId,
        type: 'payment.event_received',
        occurredAt: Date.now(),
        actorId: null,
        data: { provider, paymentEventId: ids.paymentEventId },
      },
    },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env);
  return getQueueResult(batch, ctx);
}

/** Posts a Stripe event to the webhook and runs it through the consumer; returns the stored outcome. */
export async function sendStripe(type: string, object: Record<string, unknown>) {
  const event = await signedStripeEvent(type, object);
  const received = await postWebhook('stripe', event.body, { 'Stripe-Signature': event.signature });
  if (received.status !== 200) throw new Error(`webhook refused: ${JSON.stringify(received.body)}`);
  await deliverStored('stripe', event.id);
  const [row] = await dbAll<{ outcome: string | null }>('SELECT outcome FROM payment_events WHERE provider_event_id = ?', event.id);
  return { ...event, outcome: row?.outcome ?? null };
}
