// Buying: POST /checkout starts a payment with one provider and answers where to send the buyer. Prices come from
// our own tables (video_prices, subscription_prices), never from the request, except a tip's amount. The
// payment row is written before the provider is called, so a crash in between leaves a "created" row that
// reconciliation can explain; every provider create carries an idempotency key derived from our payment id.
// PayPal needs a second step: the buyer approves on PayPal, comes back to /checkout/paypal/return, and only a
// completed capture of the whole amount grants anything.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import {
  findPayment,
  findPaymentByIdempotencyKey,
  findPaymentByReference,
  insertPayment,
  markCheckoutFailed,
  type PaymentRow,
  recordCheckout,
  subscriptionPriceOf,
  videoPricesOf,
} from '../../adapters/db/payments-repo';
import { findUserById } from '../../adapters/db/users-repo';
import { findVideo } from '../../adapters/db/videos-repo';
import type { PaypalProvider } from '../../adapters/payments/paypal';
import { canView } from '../../domain/catalog';
import { randomToken } from '../../domain/ids';
import { type CheckoutItem, DEFAULT_RENTAL_HOURS, PROVIDERS, type PricedItem, type ProviderName } from '../../domain/payments/types';
import type { AppEnv } from '../env';
import { ApiError, conflict, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { signalStatements } from '../payments/apply-signal';
import { PaymentSchema, toPaymentView, upstreamError } from '../payments/payment-view';
import { requireProvider } from '../payments/providers';
import { VideoIdString } from '../schemas';

export const checkoutRoutes = createRouter();

const Currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'ISO 4217 currency code')
  .transform((code) => code.toUpperCase())
  .openapi({ example: 'USD' });
const UserId = z.string().regex(/^usr_[a-z0-9]{6,40}$/, 'Not a user id');

export const CheckoutItemSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('video_purchase'), videoId: VideoIdString }),
    z.strictObject({ kind: z.literal('video_rental'), videoId: VideoIdString }),
    z.strictObject({ kind: z.literal('subscription'), creatorId: UserId }),
    z.strictObject({
      kind: z.literal('tip'),
      creatorId: UserId,
      videoId: VideoIdString.optional(),
      amount: z.number().int().min(100).max(100_000).openapi({ description: 'Minor units (100 = 1.00)' }),
      currency: Currency,
    }),
  ])
  .openapi('CheckoutItem');

const CheckoutBody = z.strictObject({ provider: z.enum(PROVIDERS), item: CheckoutItemSchema }).openapi('CheckoutRequest');

async function priceItem(c: Context<AppEnv>, buyerId: string, provider: ProviderName, item: CheckoutItem): Promise<PricedItem> {
  const db = openDatabase(c.env.DB);
  if (item.kind === 'video_purchase' || item.kind === 'video_rental') {
    const video = await findVideo(db, item.videoId);
    const principal = principalOf(c);
    if (!video) throw notFound('Video');
    if (video.status !== 'ready' || !canView(video, principal)) throw notFound('Video');
    if (video.creatorId === buyerId) throw conflict('own_item', 'Creators do not buy their own videos');
    const kind = item.kind === 'video_purchase' ? 'purchase' : 'rental';
    const price = (await videoPricesOf(db, video.id)).find((row) => row.kind === kind);
    if (!price) throw conflict('not_for_sale', `This video is not offered for ${kind}`);
    return {
      kind: item.kind,
      creatorId: video.creatorId,
      videoId: video.id,
      amount: price.amount,
      currency: price.currency,
      rentalHours: kind === 'rental' ? (price.rentalHours ?? DEFAULT_RENTAL_HOURS) : null,
      description: `${kind === 'rental' ? 'Rental' : 'Purchase'}: ${video.title}`,
    };
  }
  const creator = await findUserById(db, item.creatorId);
  if (!creator || creator.disabledAt !== null || creator.role === 'viewer') throw notFound('Creator');
  if (creator.id === buyerId) throw conflict('own_item', 'Creators do not pay themselves');
  if (item.kind === 'subscription') {
    // Recurring billing is Stripe Billing's; PayPal and Coinbase checkouts here are one-off payments.
    if (provider !== 'stripe') throw new ApiError(400, 'unsupported_item', 'Subscriptions are sold through Stripe only');
    const price = await subscriptionPriceOf(db, creator.id);
    if (!price) throw conflict('not_for_sale', 'This creator offers no subscription');
    return {
      kind: 'subscription',
      creatorId: creator.id,
      videoId: null,
      amount: price.amount,
      currency: price.currency,
      rentalHours: null,
      description: `Monthly subscription: ${creator.displayName}`,
    };
  }
  return {
    kind: 'tip',
    creatorId: creator.id,
    videoId: item.videoId ?? null,
    amount: item.amount,
    currency: item.currency,
    rentalHours: null,
    description: `Tip for ${creator.displayName}`,
  };
}

const sameRequest = (row: PaymentRow, provider: ProviderName, priced: PricedItem) =>
  row.provider === provider && row.itemKind === priced.kind && row.creatorId === priced.creatorId && row.videoId === priced.videoId;

checkoutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/checkout',
    tags: ['Payments'],
    summary: 'Start a checkout (video purchase or rental, creator subscription, tip) with Stripe, PayPal or Coinbase',
    description:
      'Answers the provider checkout URL to send the buyer to. Send an `Idempotency-Key` header to retry safely: the same key ' +
      'returns the same payment. Entitlements are granted only when the provider confirms the capture.',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    request: {
      body: jsonBody(CheckoutBody),
      headers: z.object({
        'idempotency-key': z
          .string()
          .min(8)
          .max(200)
          .regex(/^[\x21-\x7e]+$/)
          .optional(),
      }),
    },
    responses: {
      201: jsonResponse(PaymentSchema, 'Checkout started'),
      200: jsonResponse(PaymentSchema, 'The payment of an Idempotency-Key already used'),
      ...errorResponses(400, 401, 403, 404, 409, 503),
      502: jsonResponse(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'The provider failed'),
    },
  }),
  async (c) => {
    const { provider: providerName, item } = c.req.valid('json');
    const buyer = principalOf(c);
    const provider = requireProvider(c.env, providerName);
    const priced = await priceItem(c, buyer.userId, providerName, item);
    const db = openDatabase(c.env.DB);
    const idempotencyKey = c.req.header('Idempotency-Key') ?? `auto_${randomToken(24)}`;
    const existing = await findPaymentByIdempotencyKey(db, buyer.userId, idempotencyKey);
    if (existing) {
      if (!sameRequest(existing, providerName, priced))
        throw conflict('idempotency_conflict', 'This Idempotency-Key was used for another checkout');
      return c.json(toPaymentView(existing), 200);
    }
    const now = Date.now();
    const paymentId = `pay_${randomToken(24)}`;
    try {
      await insertPayment(db, {
        id: paymentId,
        provider: providerName,
        buyerId: buyer.userId,
        creatorId: priced.creatorId,
        videoId: priced.videoId,
        itemKind: priced.kind,
        rentalHours: priced.rentalHours,
        amount: priced.amount,
        currency: priced.currency,
        state: 'created',
        idempotencyKey,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // A concurrent request with the same key won the insert.
      const raced = await findPaymentByIdempotencyKey(db, buyer.userId, idempotencyKey);
      if (raced) return c.json(toPaymentView(raced), 200);
      throw error;
    }
    const origin = new URL(c.req.url).origin;
    const landing = priced.videoId ? `${origin}/watch/${priced.videoId}` : `${origin}/`;
    try {
      const session = await provider.createCheckout({
        paymentId,
        idempotencyKey: `checkout_${paymentId}`,
        item: priced,
        successUrl:
          providerName === 'paypal' ? `${origin}/api/v1/checkout/paypal/return?payment=${paymentId}` : `${landing}?payment=${paymentId}`,
        cancelUrl: `${landing}?payment=${paymentId}&cancelled=1`,
      });
      await recordCheckout(db, paymentId, session.providerRef, session.checkoutUrl, Date.now());
    } catch (error) {
      await markCheckoutFailed(db, paymentId, Date.now());
      throw upstreamError(error);
    }
    const row = (await findPayment(db, paymentId)) as PaymentRow;
    return c.json(toPaymentView(row), 201);
  },
);

// PayPal sends the buyer back here after approval (return_url), with ?token=<order id>. Capturing is safe without
// a session: the order must be one of ours, and PayPal captures only what the buyer approved.
checkoutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/checkout/paypal/return',
    tags: ['Payments'],
    summary: 'PayPal return URL: captures the approved order; only a completed capture grants',
    request: {
      query: z.object({
        token: z.string().min(1).max(64).openapi({ description: 'PayPal order id' }),
        payment: z.string().max(64).optional(),
        PayerID: z.string().max(64).optional(),
      }),
    },
    responses: {
      200: jsonResponse(PaymentSchema, 'The payment after the capture'),
      302: { description: 'Browsers are sent on to the watch page' },
      ...errorResponses(400, 404, 409, 503),
    },
  }),
  async (c) => {
    const { token: orderId } = c.req.valid('query');
    const db = openDatabase(c.env.DB);
    const payment = await findPaymentByReference(db, 'paypal', { providerRef: orderId });
    if (!payment) throw notFound('Payment');
    const provider = requireProvider(c.env, 'paypal') as PaypalProvider;
    if (payment.state === 'created' || payment.state === 'pending' || payment.state === 'authorized') {
      let signal: Awaited<ReturnType<PaypalProvider['captureOrder']>>;
      try {
        signal = await provider.captureOrder(orderId, `capture_${payment.id}`);
      } catch (error) {
        throw upstreamError(error);
      }
      const result = await signalStatements(db, provider, { ...signal, paymentId: payment.id });
      if (result.statements.length > 0) await db.batch(result.statements as [never, ...never[]]);
    }
    const row = (await findPayment(db, payment.id)) as PaymentRow;
    if ((c.req.header('Accept') ?? '').includes('text/html')) {
      const target = row.videoId ? `/watch/${row.videoId}?payment=${row.id}` : `/?payment=${row.id}`;
      return c.body(null, 302, { Location: target });
    }
    return c.json(toPaymentView(row), 200);
  },
);
