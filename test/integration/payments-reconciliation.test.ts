// The daily reconciliation cron against the contract servers, the admin reconciliation routes, and the revenue
// report adding up to the ledger (JSON and CSV; creators see only their own).
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runScheduled } from '../../src/workers/scheduled';
import { api, signUp, signUpAdmin } from './helpers';
import {
  coinbaseContract,
  dbAll,
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

async function stripePurchase(buyerToken: string, videoId: string, deliverWebhook = true) {
  const started = await api('POST', '/api/v1/checkout', {
    token: buyerToken,
    body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } },
  });
  const { session } = stripeContract.paySession(started.body.providerRef, 68);
  if (deliverWebhook) {
    const event = stripeContract.event('checkout.session.completed', session);
    await postWebhook('stripe', event.body, { 'Stripe-Signature': await stripeSignature(event.body) });
    await vi.waitFor(
      async () =>
        expect((await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', started.body.id))[0]?.state).toBe('captured'),
      { timeout: 10_000, interval: 100 },
    );
  }
  return started.body as { id: string };
}

describe('reconciliation', () => {
  it('re-queries a payment whose webhook never came, matches the providers to the ledger, and alerts on a mismatch', async () => {
    const admin = await signUpAdmin();
    const buyer = await signUp('viewer');
    const { videoId } = await pricedVideo();
    const delivered = await stripePurchase(buyer.accessToken, videoId);
    const lost = await stripePurchase(buyer.accessToken, (await pricedVideo()).videoId, false);
    // Coinbase charge confirmed at Coinbase, webhook lost as well.
    const coinbaseCheckout = await api('POST', '/api/v1/checkout', {
      token: buyer.accessToken,
      body: { provider: 'coinbase', item: { kind: 'video_purchase', videoId } },
    });
    coinbaseContract.confirm(coinbaseCheckout.body.providerRef);

    // An hour later the cron runs: both lost payments are re-queried and captured; everything matches.
    const later = Date.now() + 2 * 3_600_000;
    const results = await runScheduled('30 3 * * *', env, later);
    expect(results).toEqual([{ job: 'payment-reconciliation', ok: true }]);
    for (const id of [lost.id, coinbaseCheckout.body.id]) {
      expect((await dbAll<{ state: string }>('SELECT state FROM payments WHERE id = ?', id))[0]?.state).toBe('captured');
    }
    let reports = await api('GET', '/api/v1/admin/reconciliation', { token: admin.accessToken });
    expect(reports.status).toBe(200);
    const first = reports.body.items[0];
    expect(first).toMatchObject({ requeried: 2, mismatchCount: 0 });
    const stripeReport = (first.providers as { provider: string; matched: number; ok: boolean }[]).find((p) => p.provider === 'stripe');
    expect(stripeReport).toMatchObject({ ok: true, matched: 2 });
    expect(delivered.id).toMatch(/^pay_/);

    // Stripe holds a charge the ledger does not know (e.g. a session paid outside our checkout): flagged.
    const stray = await stripeContract.handle(
      new Request('https://stripe.contract.test/v1/checkout/sessions', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(env as unknown as Record<string, string>).STRIPE_SECRET_KEY}`,
          'stripe-version': stripeContract.options.apiVersion,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': 'stray-session',
        },
        body: 'mode=payment&success_url=https%3A%2F%2Fx&cancel_url=https%3A%2F%2Fx&line_items[0][quantity]=1&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=777&line_items[0][price_data][product_data][name]=stray',
      }),
    );
    // Paid 15 minutes ago: inside the window (which leaves the last 10 minutes to in-flight webhooks).
    stripeContract.clock = () => Math.floor(Date.now() / 1000) - 900;
    stripeContract.paySession(((await stray.json()) as { id: string }).id, 20);
    stripeContract.clock = () => Math.floor(Date.now() / 1000);
    const run = await api('POST', '/api/v1/admin/reconciliation', { token: admin.accessToken });
    expect(run.status).toBe(201);
    expect(run.body.mismatchCount).toBe(1);
    const mismatch = (run.body.providers as { provider: string; mismatches: { kind: string; providerAmount: number }[] }[]).find(
      (p) => p.provider === 'stripe',
    )?.mismatches[0];
    expect(mismatch).toMatchObject({ kind: 'missing_in_ledger', providerAmount: 777 });
    const alerts = await api('GET', '/api/v1/alerts?state=firing', { token: admin.accessToken });
    expect(alerts.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ruleId: 'rule_payments_reconciliation', scopeKey: 'reconciliation:stripe', value: 1 }),
      ]),
    );
    const one = await api('GET', `/api/v1/admin/reconciliation/${run.body.id}`, { token: admin.accessToken });
    expect(one.body.id).toBe(run.body.id);
    expect((await api('GET', '/api/v1/admin/reconciliation', { token: buyer.accessToken })).status).toBe(403);
    reports = await api('GET', '/api/v1/admin/reconciliation?limit=1', { token: admin.accessToken });
    expect(reports.body.items).toHaveLength(1);
  });
});

describe('revenue reports', () => {
  it('adds up to the ledger; creators see only their own earnings; CSV carries the JSON rows', async () => {
    const admin = await signUpAdmin();
    const buyer = await signUp('viewer');
    const first = await pricedVideo();
    const second = await pricedVideo();
    await stripePurchase(buyer.accessToken, first.videoId);
    await stripePurchase(buyer.accessToken, second.videoId);
    const payment = await stripePurchase((await signUp('viewer')).accessToken, first.videoId);
    const refund = await api('POST', `/api/v1/admin/payments/${payment.id}/refund`, { token: admin.accessToken, body: {} });
    expect(refund.status).toBe(200);

    const byCreator = await api('GET', '/api/v1/reports/revenue?groupBy=creator&currency=usd', { token: admin.accessToken });
    expect(byCreator.status).toBe(200);
    const row = (byCreator.body.rows as Record<string, number | string>[]).find((r) => r.key === first.creator.user.id) ?? {};
    expect(row).toMatchObject({ gross: 2598, refunds: 1299, creatorEarnings: 1039, payments: 2, fees: 136 });
    const balance = await dbAll<{ balance: number }>(
      'SELECT balance FROM ledger_balances WHERE account = ?',
      `creator_payable:${first.creator.user.id}`,
    );
    expect(-(balance[0]?.balance ?? 0)).toBe(row.creatorEarnings);
    for (const r of byCreator.body.rows as {
      gross: number;
      refunds: number;
      chargebacks: number;
      creatorEarnings: number;
      platformRevenue: number;
    }[]) {
      expect(r.gross - r.refunds - r.chargebacks).toBe(r.creatorEarnings + r.platformRevenue);
    }
    const total = byCreator.body.totals[0];
    const platform = await dbAll<{ s: number }>("SELECT SUM(amount) AS s FROM ledger_entries WHERE account = 'platform_revenue'");
    expect(total.platformRevenue).toBe(-(platform[0]?.s ?? 0));

    const mine = await api('GET', '/api/v1/reports/revenue?groupBy=video', { token: first.creator.accessToken });
    expect(mine.body.scope).toBe('creator');
    expect(mine.body.rows.map((r: { key: string }) => r.key)).toEqual([first.videoId]);
    expect(mine.body.rows[0]).not.toHaveProperty('platformRevenue');
    const snoop = await api('GET', `/api/v1/reports/revenue?creatorId=${second.creator.user.id}`, { token: first.creator.accessToken });
    expect(snoop.body.rows.every((r: { key: string }) => !r.key.includes(second.videoId))).toBe(true);
    expect((await api('GET', '/api/v1/reports/revenue', { token: buyer.accessToken })).status).toBe(403);

    const csv = await api('GET', '/api/v1/reports/revenue?groupBy=provider&format=csv', { token: admin.accessToken });
    expect(csv.headers.get('Content-Type')).toMatch(/^text\/csv/);
    const [header] = (csv.body as string).trim().split('\r\n');
    expect(header).toBe('key,currency,gross,refunds,chargebacks,fees,creatorEarnings,platformRevenue,platformNet,payments');
    const json = await api('GET', '/api/v1/reports/revenue?groupBy=provider', { token: admin.accessToken });
    const stripeRow = json.body.rows.find((r: { key: string }) => r.key === 'stripe');
    expect(csv.body as string).toContain(
      [
        'stripe',
        'USD',
        stripeRow.gross,
        stripeRow.refunds,
        stripeRow.chargebacks,
        stripeRow.fees,
        stripeRow.creatorEarnings,
        stripeRow.platformRevenue,
        stripeRow.platformNet,
        stripeRow.payments,
      ].join(','),
    );
    const day = await api('GET', `/api/v1/reports/revenue?groupBy=day&from=${Date.now() - 86_400_000}&to=${Date.now() + 60_000}`, {
      token: admin.accessToken,
    });
    expect(day.body.rows[0].key).toBe(new Date().toISOString().slice(0, 10));
    expect((await api('GET', '/api/v1/reports/revenue?from=2026-02-01&to=2026-01-01', { token: admin.accessToken })).status).toBe(400);
    expect((await api('GET', '/api/v1/reports/revenue?groupBy=planet', { token: admin.accessToken })).status).toBe(400);
  });
});
