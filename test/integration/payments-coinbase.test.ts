// Coinbase Commerce inside workerd: a charge over fetch (X-CC-Api-Key, X-CC-Version), HMAC-signed webhooks
// (pending → confirmed), against the Coinbase contract server.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hmacSha256Hex } from '../../src/domain/payments/webhook-signatures';
import type { Env } from '../../src/env';
import { runReconciliation } from '../../src/workers/payments/reconciliation';
import { api, countRows, signUp, signUpAdmin } from './helpers';
import { coinbaseContract, dbAll, ledgerInvariants, postWebhook, pricedVideo, routeProvidersToContracts } from './payments-fixtures';

beforeEach(() => {
  routeProvidersToContracts();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const state = async (id: string) => (await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', id))[0]?.state;

/** A buyer's Coinbase checkout of a priced video, and the signed `charge:confirmed` webhook for it (not yet sent). */
async function confirmedCoinbaseCharge() {
  const buyer = await signUp('viewer');
  const { videoId } = await pricedVideo();
  const started = await api('POST', '/api/v1/checkout', {
    token: buyer.accessToken,
    body: { provider: 'coinbase', item: { kind: 'video_purchase', videoId } },
  });
  const confirmed = await coinbaseContract.webhook('charge:confirmed', coinbaseContract.confirm(started.body.providerRef));
  return { buyer, videoId, started, confirmed };
}

describe('Coinbase Commerce charges', () => {
  it('rejects a correctly signed event created more than 5 minutes ago (a replayed capture) and grants nothing', async () => {
    const { started, confirmed } = await confirmedCoinbaseCharge();
    const old = JSON.parse(confirmed.body) as { event: { created_at: string } };
    old.event.created_at = new Date(Date.now() - 301_000).toISOString();
    const body = JSON.stringify(old);
    const signature = await hmacSha256Hex(env.COINBASE_WEBHOOK_SECRET as string, body);
    const answer = await postWebhook('coinbase', body, { 'Content-Type': 'application/json', 'X-CC-Webhook-Signature': signature });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('stale_webhook');
    expect(await state(started.body.id)).not.toBe('captured');
    expect(await dbAll('SELECT id FROM entitlements WHERE payment_id = ?', started.body.id)).toEqual([]);
  });

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
    expect(refund.body.error.message).toMatch(/no refund API.*"manual": true/);
  });

  it('records a manual (off-platform) refund: reversing entries, entitlement revoked, audit entry, no double record', async () => {
    const { buyer, videoId, started, confirmed } = await confirmedCoinbaseCharge();
    await postWebhook('coinbase', confirmed.body, confirmed.headers);
    await vi.waitFor(async () => expect(await state(started.body.id)).toBe('captured'), { timeout: 10_000 });
    const token = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).body.token;
    const admin = await signUpAdmin();
    const url = `/api/v1/admin/payments/${started.body.id}/refund`;
    const callsBefore = coinbaseContract.calls.length;

    // The reference is required with manual, and manual is refused for providers that have a refund API.
    expect((await api('POST', url, { token: admin.accessToken, body: { manual: true } })).status).toBe(400);
    expect((await api('POST', url, { token: admin.accessToken, body: { reference: '0xabc' } })).status).toBe(400);
    expect((await api('POST', url, { token: admin.accessToken, body: { manual: false, reference: '0xabc' } })).status).toBe(400);

    const reference = '0x5e1f00ba7c0ffee5e1f00ba7c0ffee5e1f00ba7c0ffee5e1f00ba7c0ffee00';
    const recorded = await api('POST', url, { token: admin.accessToken, body: { manual: true, reference, amount: 100 } });
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({ state: 'refunded', refundedTotal: 100, manual: true, refundId: `manual:${reference}` });
    // Coinbase was not called: there is nothing to call.
    expect(coinbaseContract.calls.length).toBe(callsBefore);
    const again = await api('POST', url, { token: admin.accessToken, body: { manual: true, reference, amount: 100 } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('refund_already_recorded');
    const rest = await api('POST', url, { token: admin.accessToken, body: { manual: true, reference: `${reference}-2` } });
    expect(rest.body).toMatchObject({ refundedTotal: 1299 });

    const sums = await dbAll<{ account: string; s: number }>(
      'SELECT account, SUM(amount) AS s FROM ledger_entries WHERE payment_id = ? GROUP BY account ORDER BY account',
      started.body.id,
    );
    expect(sums.every((row) => row.s === 0)).toBe(true);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).status).toBe(402);
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${token}`)).status).toBe(403);
    // Coinbase reports no refunds: reconciliation compares the charge, and does not flag the manual refund.
    const now = Date.now();
    const report = await runReconciliation(env as unknown as Env, now, { from: now - 3_600_000, to: now + 60_000 });
    const coinbase = report.providers.find((entry) => entry.provider === 'coinbase');
    expect(coinbase?.ok).toBe(true);
    expect(coinbase?.mismatches.filter((mismatch) => mismatch.paymentId === started.body.id)).toEqual([]);
    const audit = await dbAll<{ action: string; actor_id: string; data: string }>(
      "SELECT action, actor_id, data FROM audit_log WHERE subject_type = 'payment' AND subject_id = ? ORDER BY occurred_at, id",
      started.body.id,
    );
    expect(audit.map((row) => ({ ...row, data: JSON.parse(row.data) }))).toEqual([
      {
        action: 'payment.refund_recorded',
        actor_id: admin.user.id,
        data: { provider: 'coinbase', amount: 100, refundedTotal: 100, manual: true, reference },
      },
      {
        action: 'payment.refund_recorded',
        actor_id: admin.user.id,
        data: { provider: 'coinbase', amount: 1199, refundedTotal: 1299, manual: true, reference: `${reference}-2` },
      },
    ]);
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
