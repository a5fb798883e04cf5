// Provider webhooks: POST /webhooks/stripe, /webhooks/paypal, /webhooks/coinbase (outside /api/v1: no bearer
// authentication, no JSON parsing before the signature is checked). Each request is
//   1. read raw (bounded), 2. verified on those exact bytes (signature and age), 3. stored by the provider's
//   event id together with an outbox row for the payments queue, in one D1 batch, 4. answered 200.
// Why the outbox rather than a direct send: the 200 tells the provider to stop retrying, so the event must not
// be able to exist in D1 without its queue message (or the reverse); the batch makes both or neither, and the
// relay (right after the response, else the */5 cron) sends it. A redelivered event finds its row and is
// acknowledged without writing anything. A rejected webhook writes nothing at all.
import { Hono } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import { findPaymentEvent, insertPaymentEventStatement } from '../../adapters/db/payments-repo';
import { WebhookRejected } from '../../adapters/payments/provider';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { createEvent } from '../../domain/events';
import { sha256Hex } from '../../domain/hash';
import { PROVIDERS, type ProviderName } from '../../domain/payments/types';
import type { AppEnv } from '../env';
import { ApiError, notFound } from '../errors';
import { requireProvider } from '../payments/providers';

export const webhookRoutes = new Hono<AppEnv>();

// Provider events are a few KiB; Stripe documents no size, PayPal and Coinbase stay far below this.
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/** Deterministic ids: concurrent deliveries of one provider event collapse into one row and one queue event. */
export async function paymentEventIds(provider: ProviderName, providerEventId: string) {
  const digest = (await sha256Hex(`${provider}:${providerEventId}`)).slice(0, 32);
  return { paymentEventId: `pev_${digest}`, domainEventId: `evt_pay_${digest}` };
}

webhookRoutes.post('/webhooks/:provider', async (c) => {
  const name = c.req.param('provider') as ProviderName;
  if (!PROVIDERS.includes(name)) throw notFound('Webhook endpoint');
  const provider = requireProvider(c.env, name);

  const declared = Number(c.req.header('Content-Length') ?? '0');
  if (declared > MAX_WEBHOOK_BYTES) throw new ApiError(413, 'payload_too_large', `Webhook bodies are at most ${MAX_WEBHOOK_BYTES} bytes`);
  const rawBody = await c.req.text();
  if (new TextEncoder().encode(rawBody).byteLength > MAX_WEBHOOK_BYTES) {
    throw new ApiError(413, 'payload_too_large', `Webhook bodies are at most ${MAX_WEBHOOK_BYTES} bytes`);
  }

  const now = Date.now();
  let verified: Awaited<ReturnType<typeof provider.verifyWebhook>>;
  try {
    verified = await provider.verifyWebhook(rawBody, c.req.raw.headers, now);
  } catch (error) {
    if (error instanceof WebhookRejected) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'webhook rejected', provider: name, reason: error.reason }));
      throw new ApiError(400, error.reason === 'stale' ? 'stale_webhook' : 'invalid_signature', error.message);
    }
    throw error;
  }

  const db = openDatabase(c.env.DB);
  if (await findPaymentEvent(db, name, verified.providerEventId)) {
    return c.json({ received: true, duplicate: true }, 200);
  }
  const ids = await paymentEventIds(name, verified.providerEventId);
  const event = {
    ...createEvent('payment.event_received', { provider: name, paymentEventId: ids.paymentEventId }, null, now),
    id: ids.domainEventId,
  };
  await db.batch([
    insertPaymentEventStatement(db, {
      id: ids.paymentEventId,
      provider: name,
      providerEventId: verified.providerEventId,
      type: verified.type,
      rawBody,
      receivedAt: now,
    }),
    ...outboxStatements(db, [event]),
  ]);
  c.executionCtx.waitUntil(
    relay(db, queuesOf(c.env), [event]).catch((error) =>
      console.error(JSON.stringify({ level: 'error', msg: 'payment event relay failed; the cron will resend', error: String(error) })),
    ),
  );
  return c.json({ received: true, duplicate: false }, 200);
});
