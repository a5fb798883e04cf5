// Stripe end to end inside workerd: checkout → signed webhook → payments queue → state machine → ledger →
// entitlement → playback token → the edge serves the paid video's files. The stripe SDK runs for real in the
// Worker; its calls are answered in-process by the Stripe contract server (test/contract/stripe-server.ts).
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/workers/app';
import { consumeBatch } from '../../src/workers/events/consumer';
import { paymentEventIds } from '../../src/workers/routes/webhooks';
import { api, countRows, signUp, signUpAdmin } from './helpers';
import {
  dbAll,
  ledgerInvariants,
  postWebhook,
  pricedVideo,
  routeProvidersToContracts,
  stripeContract,
  stripeSignature,
} from './payments-fixtures';

beforeEach(() => {
  routeProvidersToContracts();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function startPurchase(kind: 'video_purchase' | 'video_rental' = 'video_purchase') {
  const buyer = await signUp('viewer');
  const { creator, videoId } = await pricedVideo();
  const started = await api('POST', '/api/v1/checkout', {
    token: buyer.accessToken,
    headers: { 'Idempotency-Key': `key-${crypto.randomUUID()}` },
    body: { provider: 'stripe', item: { kind, videoId } },
  });
  expect(started.status).toBe(201);
  return { buyer, creator, videoId, payment: started.body as { id: string; providerRef: string; checkoutUrl: string } };
}

async function signedStripeEvent(type: string, object: Record<string, unknown>, timestamp?: number) {
  const event = stripeContract.event(type, object);
  return { ...event, signature: await stripeSignature(event.body, timestamp) };
}

/** Delivers a stored provider event to the consumer as the payments queue would (attempt n). */
async function deliver(providerEventId: string, attempts = 1) {
  const ids = await paymentEventIds('stripe', providerEventId);
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
        data: { provider: 'stripe', paymentEventId: ids.paymentEventId },
      },
    },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env);
  return getQueueResult(batch, ctx);
}

const paymentState = async (id: string) => (await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', id))[0]?.state;

describe('Stripe checkout → webhook → ledger → entitlement → playback', () => {
  it('grants playback only after the captured payment, and the paid video plays with its token', async () => {
    const { buyer, creator, videoId, payment } = await startPurchase();
    expect(payment.checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${payment.providerRef}`);
    expect(stripeContract.calls.at(-1)?.headers['idempotency-key']).toBe(`checkout_${payment.id}`);

    // Paid files are closed without a token; no entitlement yet.
    const closed = await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8`);
    expect(closed.status).toBe(401);
    expect(closed.body.error.code).toBe('playback_token_required');
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);
    // The creator previews freely.
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8`, { token: creator.accessToken })).status).toBe(200);

    const { session } = stripeContract.paySession(payment.providerRef, 68);
    const event = await signedStripeEvent('checkout.session.completed', session);
    const received = await postWebhook('stripe', event.body, { 'Stripe-Signature': event.signature });
    expect(received).toMatchObject({ status: 200, body: { received: true, duplicate: false } });

    // Through the real payments queue to the consumer.
    await vi.waitFor(async () => expect(await paymentState(payment.id)).toBe('captured'), { timeout: 10_000, interval: 100 });

    const entries = await dbAll<{ account: string; amount: number; memo: string }>(
      'SELECT account, amount, memo FROM ledger_entries WHERE payment_id = ? ORDER BY id',
      payment.id,
    );
    expect(entries).toEqual([
      { account: 'provider_clearing:stripe', amount: 1299, memo: 'gross' },
      { account: 'provider_clearing:stripe', amount: -68, memo: 'fee' },
      { account: 'provider_fees:stripe', amount: 68, memo: 'fee' },
      { account: 'platform_revenue', amount: -260, memo: 'platform' },
      { account: `creator_payable:${creator.user.id}`, amount: -1039, memo: 'creator' },
    ]);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });

    const issued = await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken });
    expect(issued.status).toBe(200);
    expect(issued.body.required).toBe(true);
    const viaHeader = await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8`, { token: issued.body.token });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toContain('#EXTM3U');
    // Every URI of the playlist carries the token, so the player (and its P2P loader) use the URLs as listed.
    expect(viaHeader.body).toContain(`#EXT-X-MAP:URI="init.mp4?pt=${issued.body.token}"`);
    expect(viaHeader.body).toContain(`\nseg_00000.m4s?pt=${issued.body.token}\n`);
    expect(viaHeader.headers.get('cache-control')).toBe('private, no-store');
    expect(viaHeader.headers.get('etag')).toBeNull();
    // The segment itself, fetched twice (the second time possibly from the edge cache), with the token.
    for (let i = 0; i < 2; i += 1) {
      const segment = await api('GET', `/api/v1/videos/${videoId}/hls/360p/seg_00000.m4s?pt=${issued.body.token}`);
      expect(segment.status).toBe(200);
    }
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/seg_00000.m4s`)).status).toBe(401);
    // The creator's own preview is not rewritten (no token involved).
    const preview = await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8`, { token: creator.accessToken });
    expect(preview.body).not.toContain('pt=');
    // An admin's token carries no entitlement: its playlists re-check the role instead, and stop with it.
    const admin = await signUpAdmin();
    const adminToken = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: admin.accessToken })).body.token;
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${adminToken}`)).status).toBe(200);
    await env.DB.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").bind(admin.user.id).run();
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${adminToken}`)).status).toBe(403);
    // Served again (now possibly from the edge cache): still checked.
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${issued.body.token}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8`)).status).toBe(401);
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${issued.body.token}x`)).status).toBe(401);
    const other = await pricedVideo();
    const mismatch = await api('GET', `/api/v1/videos/${other.videoId}/hls/360p/index.m3u8?pt=${issued.body.token}`);
    expect(mismatch.status).toBe(403);

    const mine = await api('GET', '/api/v1/me/entitlements', { token: buyer.accessToken });
    expect(mine.body.items).toEqual([expect.objectContaining({ videoId, kind: 'video_purchase', active: true, paymentId: payment.id })]);
  });

  it('returns the same payment for a repeated Idempotency-Key and refuses the key for another item', async () => {
    const buyer = await signUp('viewer');
    const { videoId } = await pricedVideo();
    const body = { provider: 'stripe', item: { kind: 'video_purchase', videoId } };
    const headers = { 'Idempotency-Key': 'same-key-123456' };
    const first = await api('POST', '/api/v1/checkout', { token: buyer.accessToken, headers, body });
    const sessions = stripeContract.sessions.size;
    const second = await api('POST', '/api/v1/checkout', { token: buyer.accessToken, headers, body });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(stripeContract.sessions.size).toBe(sessions);
    const other = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      headers,
      body: { provider: 'stripe', item: { kind: 'video_rental', videoId } },
    });
    expect(other.status).toBe(409);
  });

  it('stores a redelivered event once and posts once, however often it arrives or is consumed', async () => {
    const { payment } = await startPurchase();
    const { session } = stripeContract.paySession(payment.providerRef, 68);
    const event = await signedStripeEvent('checkout.session.completed', session);
    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push((await postWebhook('stripe', event.body, { 'Stripe-Signature': event.signature })).body.duplicate);
    expect(answers).toEqual([false, true, true]);
    expect(await dbAll('SELECT id FROM payment_events WHERE provider_event_id = ?', event.id)).toHaveLength(1);
    // The queue delivers at least once: three more deliveries of the same message.
    for (let attempt = 1; attempt <= 3; attempt += 1) expect((await deliver(event.id, attempt)).explicitAcks).toHaveLength(1);
    await vi.waitFor(async () => expect(await paymentState(payment.id)).toBe('captured'));
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', payment.id)).toHaveLength(1);
    expect(await dbAll('SELECT id FROM entitlements WHERE payment_id = ?', payment.id)).toHaveLength(1);
  });

  it('rejects tampered, stale and unsigned webhooks and writes nothing', async () => {
    const { payment } = await startPurchase();
    const { session } = stripeContract.paySession(payment.providerRef, 68);
    const before = { events: await countRows('payment_events'), outbox: await countRows('event_outbox') };
    const good = await signedStripeEvent('checkout.session.completed', session);
    const tampered = await postWebhook('stripe', good.body.replace('"amount_total":1299', '"amount_total":1'), {
      'Stripe-Signature': good.signature,
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.code).toBe('invalid_signature');
    const stale = await signedStripeEvent('checkout.session.completed', session, Math.floor(Date.now() / 1000) - 301);
    const staleAnswer = await postWebhook('stripe', stale.body, { 'Stripe-Signature': stale.signature });
    expect(staleAnswer.status).toBe(400);
    expect(staleAnswer.body.error.code).toBe('stale_webhook');
    expect((await postWebhook('stripe', good.body, {})).status).toBe(400);
    expect((await postWebhook('stripe', good.body, { 'Stripe-Signature': 't=1,v1=deadbeef' })).status).toBe(400);
    expect({ events: await countRows('payment_events'), outbox: await countRows('event_outbox') }).toEqual(before);
    expect(await paymentState(payment.id)).toBe('pending');
    expect((await api('POST', '/webhooks/bitcoin', { rawBody: '{}' })).status).toBe(404);
  });

  it('handles a refund seen before its capture by re-querying Stripe, then ignores the late capture', async () => {
    const { buyer, videoId, payment } = await startPurchase();
    const { session, intent, charge } = stripeContract.paySession(payment.providerRef, 68);
    // Stripe refunds (e.g. from its dashboard) before our capture webhook was processed.
    await stripeContract.handle(
      new Request('https://stripe.contract.test/v1/refunds', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(env as unknown as Record<string, string>).STRIPE_SECRET_KEY}`,
          'stripe-version': stripeContract.options.apiVersion,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': 'dashboard-refund-1',
        },
        body: `payment_intent=${intent.id}`,
      }),
    );
    const refunded = await signedStripeEvent('charge.refunded', { ...charge, amount_refunded: 1299, refunded: true });
    expect((await postWebhook('stripe', refunded.body, { 'Stripe-Signature': refunded.signature })).status).toBe(200);
    await deliver(refunded.id);
    expect(await paymentState(payment.id)).toBe('refunded');
    const completed = await signedStripeEvent('checkout.session.completed', session);
    await postWebhook('stripe', completed.body, { 'Stripe-Signature': completed.signature });
    await deliver(completed.id);
    expect(await paymentState(payment.id)).toBe('refunded');
    const kinds = await dbAll<{ kind: string }>('SELECT kind FROM ledger_transactions WHERE payment_id = ? ORDER BY kind', payment.id);
    expect(kinds.map((row) => row.kind)).toEqual(['capture', 'refund']);
    const outcome = await dbAll<{ outcome: string }>('SELECT outcome FROM payment_events WHERE provider_event_id = ?', completed.id);
    expect(outcome[0]?.outcome).toMatch(/^ignored/);
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);
    const creatorBalance = await dbAll<{ balance: number }>(
      "SELECT SUM(balance) AS balance FROM ledger_balances WHERE account LIKE 'creator_payable:%' AND account IN (SELECT account FROM ledger_entries WHERE payment_id = ?)",
      payment.id,
    );
    expect(creatorBalance[0]?.balance).toBe(0);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a consumer failing mid-batch is retried and completes without double credit', async () => {
    const first = await startPurchase();
    const second = await startPurchase();
    const events = [];
    for (const { payment } of [first, second]) {
      const { session } = stripeContract.paySession(payment.providerRef, 68);
      const event = await signedStripeEvent('checkout.session.completed', session);
      await postWebhook('stripe', event.body, { 'Stripe-Signature': event.signature });
      events.push(event);
    }
    // Stripe is unreachable for the first message's re-query (the capture needs its fee).
    vi.restoreAllMocks();
    const spy = routeProvidersToContracts();
    spy.mockImplementationOnce(async () => {
      throw new TypeError('network connection lost');
    });
    const ids = await Promise.all(events.map((event) => paymentEventIds('stripe', event.id)));
    const batch = createMessageBatch(
      'vibestream-payment-events',
      ids.map((id, index) => ({
        id: `mid-batch-${index}`,
        timestamp: new Date(),
        attempts: 1,
        body: {
          id: id.domainEventId,
          type: 'payment.event_received',
          occurredAt: Date.now(),
          actorId: null,
          data: { provider: 'stripe', paymentEventId: id.paymentEventId },
        },
      })),
    );
    const ctx = createExecutionContext();
    await consumeBatch(batch, env);
    const result = await getQueueResult(batch, ctx);
    // Either the real queue already applied an event (then its marker short-cuts) or this batch did; the failed
    // message is retried and nothing of it was written.
    expect(result.retryMessages.length + result.explicitAcks.length).toBe(2);
    for (const event of events) await deliver(event.id, 2);
    for (const { payment } of [first, second]) {
      expect(await paymentState(payment.id)).toBe('captured');
      expect(await dbAll('SELECT id FROM ledger_entries WHERE payment_id = ?', payment.id)).toHaveLength(5);
    }
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('admin refunds through the provider API; the ledger reverses and the entitlement goes; the refund webhook changes nothing', async () => {
    const admin = await signUpAdmin();
    const { buyer, videoId, payment } = await startPurchase();
    const { session, charge } = stripeContract.paySession(payment.providerRef, 68);
    const completed = await signedStripeEvent('checkout.session.completed', session);
    await postWebhook('stripe', completed.body, { 'Stripe-Signature': completed.signature });
    await deliver(completed.id);
    const oldToken = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).body.token as string;
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${oldToken}`)).status).toBe(200);
    expect(
      (await api('POST', `/admin/payments/${payment.id}/refund`.replace(/^/, '/api/v1'), { token: buyer.accessToken, body: {} })).status,
    ).toBe(403);
    const refund = await api('POST', `/api/v1/admin/payments/${payment.id}/refund`, { token: admin.accessToken, body: { amount: 500 } });
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ state: 'refunded', refundedTotal: 500, refundId: expect.stringMatching(/^re_/) });
    expect(stripeContract.calls.at(-1)).toMatchObject({ path: '/v1/refunds', body: { amount: '500' } });
    expect(stripeContract.calls.at(-1)?.headers['idempotency-key']).toBe(`refund_${payment.id}_500`);
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);
    // The token issued before the refund is still signed for minutes, but the playlist re-checks the entitlement.
    const revoked = await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${oldToken}`);
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.code).toBe('entitlement_revoked');
    // Segments ride out the token (documented in workers/playback-access.ts).
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/seg_00000.m4s?pt=${oldToken}`)).status).toBe(200);
    const webhook = await signedStripeEvent('charge.refunded', { ...charge, amount_refunded: 500 });
    await postWebhook('stripe', webhook.body, { 'Stripe-Signature': webhook.signature });
    await deliver(webhook.id);
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', payment.id)).toHaveLength(2);
    const over = await api('POST', `/api/v1/admin/payments/${payment.id}/refund`, { token: admin.accessToken, body: { amount: 5000 } });
    expect(over.status).toBe(409);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a chargeback arriving by webhook posts reversing entries and the dispute fee', async () => {
    const { payment, creator } = await startPurchase();
    const { session, intent } = stripeContract.paySession(payment.providerRef, 68);
    const completed = await signedStripeEvent('checkout.session.completed', session);
    await postWebhook('stripe', completed.body, { 'Stripe-Signature': completed.signature });
    await deliver(completed.id);
    const dispute = await signedStripeEvent('charge.dispute.created', stripeContract.disputeCharge(intent.id, 1500));
    await postWebhook('stripe', dispute.body, { 'Stripe-Signature': dispute.signature });
    await deliver(dispute.id);
    expect(await paymentState(payment.id)).toBe('disputed');
    const balances = await dbAll<{ account: string; s: number }>(
      'SELECT account, SUM(amount) AS s FROM ledger_entries WHERE payment_id = ? GROUP BY account ORDER BY account',
      payment.id,
    );
    expect(Object.fromEntries(balances.map((b) => [b.account, b.s]))).toEqual({
      'chargeback_fees:stripe': 1500,
      [`creator_payable:${creator.user.id}`]: 0,
      platform_revenue: 0,
      'provider_clearing:stripe': -68 - 1500,
      'provider_fees:stripe': 68,
    });
  });

  it('sells monthly creator subscriptions through Stripe Billing, covering all the creator’s paid videos', async () => {
    const buyer = await signUp('viewer');
    const { creator, videoId } = await pricedVideo();
    expect(
      (
        await api('PUT', `/api/v1/creators/${creator.user.id}/subscription-price`, {
          token: buyer.accessToken,
          body: { price: { amount: 500, currency: 'usd' } },
        })
      ).status,
    ).toBe(403);
    const priced = await api('PUT', `/api/v1/creators/${creator.user.id}/subscription-price`, {
      token: creator.accessToken,
      body: { price: { amount: 500, currency: 'usd' } },
    });
    expect(priced.body.price).toEqual({ amount: 500, currency: 'USD' });
    const paypal = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'paypal', item: { kind: 'subscription', creatorId: creator.user.id } },
    });
    expect(paypal.status).toBe(400);
    const started = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'stripe', item: { kind: 'subscription', creatorId: creator.user.id } },
    });
    expect(started.status).toBe(201);
    expect(stripeContract.calls.at(-1)?.body).toMatchObject({ mode: 'subscription' });
    const { session, invoice } = stripeContract.paySession(started.body.providerRef, 45);
    expect(session.payment_intent).toBeNull();
    const completed = await signedStripeEvent('checkout.session.completed', session);
    await postWebhook('stripe', completed.body, { 'Stripe-Signature': completed.signature });
    await deliver(completed.id);
    const [entitlement] = await dbAll<{ kind: string; expires_at: number }>(
      'SELECT kind, expires_at FROM entitlements WHERE payment_id = ?',
      started.body.id,
    );
    expect(entitlement?.kind).toBe('subscription');
    // The first period's end, from the first invoice's line (re-queried: the session does not state it).
    expect(entitlement?.expires_at).toBe(invoice?.lines.data[0].period.end * 1000);
    expect((entitlement?.expires_at ?? 0) - Date.now()).toBeGreaterThan(27 * 86_400_000);
    // The fee of the invoice's charge is booked, and the charge's payment intent is the capture reference.
    const [row] = await dbAll<{ fee: number; capture_ref: string }>('SELECT fee, capture_ref FROM payments WHERE id = ?', started.body.id);
    expect(row).toEqual({ fee: 45, capture_ref: invoice?._payments?.[0]?.payment.payment_intent ?? expect.stringMatching(/^pi_/) });
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(200);
  });

  it('tips credit the creator 95 % and grant nothing; rentals expire after their hours', async () => {
    const buyer = await signUp('viewer');
    const { creator } = await pricedVideo();
    const tip = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'stripe', item: { kind: 'tip', creatorId: creator.user.id, amount: 1000, currency: 'usd' } },
    });
    expect(tip.status).toBe(201);
    const { session } = stripeContract.paySession(tip.body.providerRef, 59);
    const completed = await signedStripeEvent('checkout.session.completed', session);
    await postWebhook('stripe', completed.body, { 'Stripe-Signature': completed.signature });
    await deliver(completed.id);
    const creatorLine = await dbAll<{ amount: number }>(
      "SELECT amount FROM ledger_entries WHERE payment_id = ? AND memo = 'creator'",
      tip.body.id,
    );
    expect(creatorLine[0]?.amount).toBe(-950);
    expect(await dbAll('SELECT id FROM entitlements WHERE payment_id = ?', tip.body.id)).toHaveLength(0);

    const rental = await startPurchase('video_rental');
    const paid = stripeContract.paySession(rental.payment.providerRef, 30);
    const event = await signedStripeEvent('checkout.session.completed', paid.session);
    await postWebhook('stripe', event.body, { 'Stripe-Signature': event.signature });
    await deliver(event.id);
    const [row] = await dbAll<{ expires_at: number }>('SELECT expires_at FROM entitlements WHERE payment_id = ?', rental.payment.id);
    expect(Math.round(((row?.expires_at ?? 0) - Date.now()) / 3_600_000)).toBe(48);
  });

  it('answers 503 not_configured when the provider has no secrets, and validates input', async () => {
    const buyer = await signUp('viewer');
    const { videoId } = await pricedVideo();
    const request = new Request('http://vibestream.test/api/v1/checkout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${buyer.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', item: { kind: 'video_purchase', videoId } }),
    });
    const ctx = createExecutionContext();
    const response = await createApp().fetch(request, { ...env, STRIPE_SECRET_KEY: '' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'not_configured', details: { missing: ['STRIPE_SECRET_KEY'] } } });
    const bad = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'stripe', item: { kind: 'tip', creatorId: 'usr_x', amount: -5 } },
    });
    expect(bad.status).toBe(400);
    expect(
      (await api('POST', '/api/v1/checkout', { body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } } })).status,
    ).toBe(401);
  });
});
