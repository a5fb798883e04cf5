// Prices (creators price their own videos and subscription; admins any), playback tokens for paid videos,
// the buyer's payments and entitlements, and admin refunds through the provider's API (or, for Coinbase, whose
// Commerce API cannot refund, recorded as made by hand).
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import {
  activeEntitlement,
  entitlementsOf,
  findPayment,
  manualRefundRecorded,
  type PaymentRow,
  refundAuditStatement,
  setSubscriptionPrice,
  subscriptionPriceOf,
  videoPricesOf,
} from '../../adapters/db/payments-repo';
import { findUserById } from '../../adapters/db/users-repo';
import { findVideo } from '../../adapters/db/videos-repo';
import { setVideoPrices } from '../../app/payments/set-video-prices';
import { canEdit, canView } from '../../domain/catalog';
import { CLEAR_CONTENT_MESSAGE } from '../../domain/content-encryption';
import { issuePlaybackToken, PLAYBACK_TOKEN_TTL_SECONDS } from '../../domain/payments/playback-token';
import { DEFAULT_RENTAL_HOURS } from '../../domain/payments/types';
import { roleAtLeast } from '../../domain/roles';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { principalOf, requireAuth, viewerOf } from '../middleware/auth';
import { bearerOrKeySecurity, bearerSecurity, createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { signalStatements } from '../payments/apply-signal';
import { PaymentSchema, toPaymentView, upstreamError } from '../payments/payment-view';
import { requireProvider } from '../payments/providers';
import { VideoIdParam } from '../schemas';

export const paymentRoutes = createRouter();

const Currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'ISO 4217 currency code')
  .transform((code) => code.toUpperCase());
const Amount = z.number().int().min(50).max(1_000_000).openapi({ description: 'Minor units of the currency (199 = 1.99)' });
const PriceInput = z.strictObject({ amount: Amount, currency: Currency });
const RentalInput = z.strictObject({
  amount: Amount,
  currency: Currency,
  rentalHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90),
});

const VideoPricesSchema = z
  .object({
    videoId: z.string(),
    purchase: z.object({ amount: z.number().int(), currency: z.string() }).nullable(),
    rental: z.object({ amount: z.number().int(), currency: z.string(), rentalHours: z.number().int() }).nullable(),
  })
  .openapi('VideoPrices');

async function pricesView(db: ReturnType<typeof openDatabase>, videoId: string) {
  const rows = await videoPricesOf(db, videoId);
  const purchase = rows.find((row) => row.kind === 'purchase');
  const rental = rows.find((row) => row.kind === 'rental');
  return {
    videoId,
    purchase: purchase ? { amount: purchase.amount, currency: purchase.currency } : null,
    rental: rental ? { amount: rental.amount, currency: rental.currency, rentalHours: rental.rentalHours ?? DEFAULT_RENTAL_HOURS } : null,
  };
}

paymentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos/{id}/prices',
    tags: ['Payments'],
    summary: "A video's prices (no price: the video is free)",
    request: { params: VideoIdParam },
    responses: { 200: jsonResponse(VideoPricesSchema, 'Prices'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const video = await findVideo(db, c.req.valid('param').id);
    if (!video || !canView(video, viewerOf(c))) throw notFound('Video');
    return c.json(await pricesView(db, video.id), 200);
  },
);

paymentRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/videos/{id}/prices',
    tags: ['Payments'],
    summary: 'Set or remove the purchase and rental prices of a video (its creator or an admin)',
    description:
      "A field left out is unchanged; `null` removes that price. A video without any price is free to play. The video's " +
      '`priceCents` and `currency` (its catalog card) follow: the purchase price, else the rental price, else 0.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: {
      params: VideoIdParam,
      body: jsonBody(
        z
          .strictObject({ purchase: PriceInput.nullable().optional(), rental: RentalInput.nullable().optional() })
          .refine((body) => body.purchase !== undefined || body.rental !== undefined, 'Send purchase and/or rental')
          .openapi('VideoPricesUpdate'),
      ),
    },
    responses: {
      200: jsonResponse(VideoPricesSchema, 'The prices now'),
      ...errorResponses(400, 401, 403, 404),
      409: {
        description: 'published_in_clear: the video was published unencrypted and cannot be made paid; upload it again',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const principal = principalOf(c);
    const video = await findVideo(db, c.req.valid('param').id);
    if (!video || !canView(video, principal)) throw notFound('Video');
    if (!canEdit(video, principal)) throw forbidden('Only the creator of this video or an admin can price it');
    // The catalog card's price (videos.price_cents) follows in the same batch.
    const priced = await setVideoPrices({ db, now: Date.now() }, video, c.req.valid('json'));
    if (!priced.ok) throw conflict('published_in_clear', CLEAR_CONTENT_MESSAGE);
    return c.json(await pricesView(db, video.id), 200);
  },
);

const SubscriptionPriceSchema = z
  .object({ creatorId: z.string(), price: z.object({ amount: z.number().int(), currency: z.string() }).nullable() })
  .openapi('SubscriptionPrice');
const CreatorParam = z.object({
  id: z
    .string()
    .regex(/^usr_[a-z0-9]{6,40}$/, 'Not a user id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

paymentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/creators/{id}/subscription-price',
    tags: ['Payments'],
    summary: "A creator's monthly subscription price (null: no subscription offered)",
    request: { params: CreatorParam },
    responses: { 200: jsonResponse(SubscriptionPriceSchema, 'Price'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const creator = await findUserById(db, c.req.valid('param').id);
    if (!creator || creator.role === 'viewer') throw notFound('Creator');
    const price = await subscriptionPriceOf(db, creator.id);
    return c.json({ creatorId: creator.id, price: price ? { amount: price.amount, currency: price.currency } : null }, 200);
  },
);

paymentRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/creators/{id}/subscription-price',
    tags: ['Payments'],
    summary: 'Set or remove a creator monthly subscription price (the creator or an admin)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { params: CreatorParam, body: jsonBody(z.strictObject({ price: PriceInput.nullable() }).openapi('SubscriptionPriceUpdate')) },
    responses: { 200: jsonResponse(SubscriptionPriceSchema, 'The price now'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const principal = principalOf(c);
    const creatorId = c.req.valid('param').id;
    if (principal.userId !== creatorId && !roleAtLeast(principal.role, 'admin'))
      throw forbidden('Only the creator or an admin can set this price');
    const creator = await findUserById(db, creatorId);
    if (!creator || creator.role === 'viewer') throw notFound('Creator');
    const { price } = c.req.valid('json');
    await setSubscriptionPrice(db, creatorId, price, Date.now());
    return c.json({ creatorId, price }, 200);
  },
);

const PlaybackTokenSchema = z
  .object({
    token: z.string().nullable().openapi({ description: 'null for free videos: their files need no token' }),
    expiresAt: z.number().int().nullable().openapi({ description: 'Epoch seconds' }),
    required: z.boolean(),
    query: z.string().nullable().openapi({ description: 'The same token as a query string to append to playlist and segment URLs' }),
  })
  .openapi('PlaybackToken');

paymentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos/{id}/playback-token',
    tags: ['Payments'],
    summary:
      'A 10-minute token to play a paid video (needs an entitlement: purchase, live rental or subscription), or a private one (its creator or an admin)',
    description:
      'Send it as `Authorization: Bearer <token>` or `?pt=<token>` on `GET /videos/{id}/hls/{path}`. 402 `entitlement_required` without an entitlement.',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: 'catalog:read' })] as const,
    request: { params: VideoIdParam },
    responses: {
      200: jsonResponse(PlaybackTokenSchema, 'Token'),
      ...errorResponses(400, 401, 404),
      402: jsonResponse(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'No entitlement'),
    },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const principal = principalOf(c);
    const video = await findVideo(db, c.req.valid('param').id);
    if (!video || !canView(video, principal)) throw notFound('Video');
    const prices = await videoPricesOf(db, video.id);
    const privileged = canEdit(video, principal);
    // Private and unpublished videos are played by their creator and admins with an editor token too: the media
    // element cannot send their credentials with each request (playback-access.ts).
    const restricted = video.visibility === 'private' || video.status !== 'ready';
    if (prices.length === 0 && !(restricted && privileged)) {
      return c.json({ token: null, expiresAt: null, required: false, query: null }, 200);
    }
    const now = Date.now();
    if (!privileged && !(await activeEntitlement(db, principal.userId, video, now))) {
      throw new ApiError(402, 'entitlement_required', 'Buy, rent or subscribe to play this video', {
        prices: (await pricesView(db, video.id)) as unknown,
      });
    }
    const issued = await issuePlaybackToken(
      { userId: principal.userId, videoId: video.id, editor: privileged },
      c.get('config').jwtSecret,
      PLAYBACK_TOKEN_TTL_SECONDS,
      now,
    );
    return c.json({ token: issued.token, expiresAt: issued.expiresAt, required: true, query: `pt=${issued.token}` }, 200);
  },
);

const EntitlementSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    videoId: z.string().nullable(),
    creatorId: z.string(),
    paymentId: z.string(),
    grantedAt: z.string(),
    expiresAt: z.string().nullable(),
    active: z.boolean(),
  })
  .openapi('Entitlement');

paymentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me/entitlements',
    tags: ['Payments'],
    summary: 'What you may play: purchases, rentals and subscriptions (revoked ones marked inactive)',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    responses: { 200: jsonResponse(z.object({ items: z.array(EntitlementSchema) }), 'Entitlements'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const now = Date.now();
    const rows = await entitlementsOf(openDatabase(c.env.DB), principalOf(c).userId);
    return c.json(
      {
        items: rows.map((row) => ({
          id: row.id,
          kind: row.kind,
          videoId: row.videoId,
          creatorId: row.creatorId,
          paymentId: row.paymentId,
          grantedAt: new Date(row.grantedAt).toISOString(),
          expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
          active: row.revokedAt === null && (row.expiresAt === null || row.expiresAt >= now),
        })),
      },
      200,
    );
  },
);

const PaymentIdParam = z.object({
  id: z
    .string()
    .regex(/^pay_[a-z0-9]{6,40}$/, 'Not a payment id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

paymentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/payments/{id}',
    tags: ['Payments'],
    summary: 'One payment (its buyer or an admin)',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: 'payments:read' })] as const,
    request: { params: PaymentIdParam },
    responses: { 200: jsonResponse(PaymentSchema, 'Payment'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const principal = principalOf(c);
    const payment = await findPayment(openDatabase(c.env.DB), c.req.valid('param').id);
    if (!payment || (payment.buyerId !== principal.userId && !roleAtLeast(principal.role, 'admin'))) throw notFound('Payment');
    return c.json(toPaymentView(payment), 200);
  },
);

const RefundBody = z
  .strictObject({
    amount: z.number().int().min(1).optional().openapi({ description: 'Minor units; default: everything not yet refunded' }),
    manual: z.literal(true).optional().openapi({
      description:
        'The money was sent back outside the provider (required for Coinbase, whose Commerce API has no refunds): only the ledger and the entitlement change',
    }),
    reference: z
      .string()
      .trim()
      .min(3)
      .max(200)
      .optional()
      .openapi({ description: 'With manual: where the money went back (transaction hash, ticket); kept in the audit log' }),
  })
  .refine((body) => !body.manual || body.reference !== undefined, { message: 'A manual refund needs its reference', path: ['reference'] })
  .refine((body) => body.manual || body.reference === undefined, { message: 'reference goes with manual: true', path: ['reference'] })
  .openapi('RefundRequest');

paymentRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/payments/{id}/refund',
    tags: ['Payments'],
    summary: 'Refund a captured payment through its provider, or record a manual refund (admins); the ledger posts the reversal',
    description:
      'Refunds `amount` (default: everything not yet refunded). The provider is called with an idempotency key derived from the ' +
      'payment and the new refunded total, so repeating the same request does not refund twice. Coinbase Commerce has no refund ' +
      'API: send the crypto back from the Coinbase dashboard or a wallet, then record it with `{ "manual": true, "reference": ' +
      '"<transaction hash>" }` (without `manual`: 409 `refund_not_supported`). Either way the entitlement ends and the audit log ' +
      'records who refunded what.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'admin', scope: 'admin' })] as const,
    request: {
      params: PaymentIdParam,
      body: { required: false, content: { 'application/json': { schema: RefundBody } } },
    },
    responses: {
      200: jsonResponse(PaymentSchema.extend({ refundId: z.string(), manual: z.boolean() }), 'Refunded'),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const payment = await findPayment(db, c.req.valid('param').id);
    if (!payment) throw notFound('Payment');
    const body = (c.req.header('Content-Type') ?? '').includes('json') ? c.req.valid('json') : {};
    const manual = body?.manual === true;
    if (payment.state !== 'captured' && payment.state !== 'refunded')
      throw conflict('not_refundable', `A ${payment.state} payment cannot be refunded`);
    const provider = requireProvider(c.env, payment.provider);
    if (!provider.refundsThroughApi && !manual) {
      throw conflict(
        'refund_not_supported',
        `${payment.provider} has no refund API: send the money back from the ${payment.provider} dashboard or a wallet, then record it here with {"manual": true, "reference": "<transaction hash>"}`,
      );
    }
    if (manual && provider.refundsThroughApi) {
      throw badRequest(`${payment.provider} refunds go through its API (leave out "manual"), so that its records and the ledger agree`);
    }
    if (manual && (await manualRefundRecorded(db, payment.id, body?.reference as string))) {
      throw conflict('refund_already_recorded', 'A manual refund with this reference is already recorded for this payment');
    }
    const remaining = payment.capturedAmount - payment.refundedTotal;
    const amount = body?.amount ?? remaining;
    if (amount <= 0 || amount > remaining) throw conflict('not_refundable', `At most ${remaining} can be refunded`);
    const total = payment.refundedTotal + amount;
    const lookup = { id: payment.id, providerRef: payment.providerRef, captureRef: payment.captureRef, currency: payment.currency };
    let refundId = `manual:${body?.reference}`;
    if (!manual) {
      try {
        ({ refundId } = await provider.refund(lookup, amount, `refund_${payment.id}_${total}`));
      } catch (error) {
        throw upstreamError(error);
      }
    }
    // Post now from what the provider accepted (or the admin recorded); a refund webhook carries the same
    // cumulative total and is then a no-op.
    const now = Date.now();
    const result = await signalStatements(
      db,
      provider,
      {
        provider: payment.provider,
        paymentId: payment.id,
        providerRef: payment.providerRef,
        target: 'refunded',
        occurredAt: now,
        refundedTotal: total,
      },
      now,
    );
    const audit = refundAuditStatement(db, {
      paymentId: payment.id,
      actorId: principalOf(c).userId,
      provider: payment.provider,
      amount,
      refundedTotal: total,
      manual,
      reference: manual ? (body?.reference as string) : refundId,
      now,
    });
    await db.batch([audit, ...result.statements]);
    const row = (await findPayment(db, payment.id)) as PaymentRow;
    return c.json({ ...toPaymentView(row), refundId, manual }, 200);
  },
);
