// Stripe Billing renewals and dispute outcomes inside workerd, against the Stripe contract server:
// invoice.paid / invoice.payment_failed / customer.subscription.deleted for creator subscriptions, and
// charge.dispute.closed won or lost, each delivered repeatedly and out of order.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, signUp } from './helpers';
import { dbAll, ledgerInvariants, pricedVideo, routeProvidersToContracts, sendStripe, stripeContract } from './payments-fixtures';

beforeEach(() => {
  routeProvidersToContracts();
});
afterEach(() => {
  vi.restoreAllMocks();
  stripeContract.clock = () => Math.floor(Date.now() / 1000);
});

const DAY_S = 86_400;

/** A buyer subscribed to a creator (500 USD cents a month) through a checkout made `daysAgo` days ago. */
async function subscribed(daysAgo: number) {
  const buyer = await signUp('viewer');
  const { creator, videoId } = await pricedVideo();
  await api('PUT', `/api/v1/creators/${creator.user.id}/subscription-price`, {
    token: creator.accessToken,
    body: { price: { amount: 500, currency: 'usd' } },
  });
  const started = await api('POST', '/api/v1/checkout', {
    token: buyer.accessToken,
    body: { provider: 'stripe', item: { kind: 'subscription', creatorId: creator.user.id } },
  });
  expect(started.status).toBe(201);
  const realNow = Math.floor(Date.now() / 1000);
  stripeContract.clock = () => realNow - daysAgo * DAY_S;
  const paid = stripeContract.paySession(started.body.providerRef, 45);
  stripeContract.clock = () => Math.floor(Date.now() / 1000);
  await sendStripe('checkout.session.completed', paid.session);
  return {
    buyer,
    creator,
    videoId,
    paymentId: started.body.id as string,
    subscriptionId: paid.subscription?.id as string,
    firstInvoice: paid.invoice as Record<string, any>,
  };
}

const playable = async (videoId: string, token: string) =>
  (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token })).status;

const paymentsOf = (subscriptionId: string) =>
  dbAll<{ id: string; state: string; provider_ref: string; amount: number; fee: number; capture_ref: string | null }>(
    'SELECT id, state, provider_ref, amount, fee, capture_ref FROM payments WHERE subscription_ref = ? ORDER BY created_at, id',
    subscriptionId,
  );

describe('Stripe Billing renewals', () => {
  it('posts a paid renewal once, extends access to the new period end, and the subscription ending stops it', async () => {
    // Subscribed 40 days ago: the first month has run out, so access has lapsed until the renewal is paid.
    const sub = await subscribed(40);
    const [first] = await dbAll<{ expires_at: number }>('SELECT expires_at FROM entitlements WHERE payment_id = ?', sub.paymentId);
    expect(first?.expires_at).toBe(sub.firstInvoice.lines.data[0].period.end * 1000);
    expect(first?.expires_at).toBeLessThan(Date.now());
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(402);

    // The first invoice (the checkout's own charge) arriving too changes no money.
    const firstPaid = await sendStripe('invoice.paid', sub.firstInvoice);
    expect(firstPaid.outcome).toBe('applied: first period end set');
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', sub.paymentId)).toHaveLength(1);

    const renewal = stripeContract.renewSubscription(sub.subscriptionId, { fee: 45 });
    expect(renewal.billing_reason).toBe('subscription_cycle');
    // Delivered three times as separate events (Stripe retries), plus a stale "failed" for the same invoice.
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push((await sendStripe('invoice.paid', renewal)).outcome);
    outcomes.push((await sendStripe('invoice.payment_failed', { ...renewal, status: 'open' })).outcome);
    expect(outcomes[0]).toBe('renewal applied: pending → captured');
    expect(outcomes.slice(1).every((outcome) => outcome?.startsWith('ignored'))).toBe(true);

    const rows = await paymentsOf(sub.subscriptionId);
    expect(rows).toHaveLength(2);
    const renewed = rows.find((row) => row.provider_ref === renewal.id);
    expect(renewed).toMatchObject({ state: 'captured', amount: 500, fee: 45, capture_ref: expect.stringMatching(/^pi_/) });
    const lines = await dbAll<{ account: string; amount: number; memo: string }>(
      'SELECT account, amount, memo FROM ledger_entries WHERE payment_id = ? ORDER BY id',
      renewed?.id,
    );
    expect(lines).toEqual([
      { account: 'provider_clearing:stripe', amount: 500, memo: 'gross' },
      { account: 'provider_clearing:stripe', amount: -45, memo: 'fee' },
      { account: 'provider_fees:stripe', amount: 45, memo: 'fee' },
      { account: 'platform_revenue', amount: -75, memo: 'platform' },
      { account: `creator_payable:${sub.creator.user.id}`, amount: -425, memo: 'creator' },
    ]);
    const [entitlement] = await dbAll<{ expires_at: number; kind: string }>(
      'SELECT expires_at, kind FROM entitlements WHERE payment_id = ?',
      renewed?.id,
    );
    expect(entitlement).toEqual({ kind: 'subscription', expires_at: renewal.lines.data[0].period.end * 1000 });
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(200);

    // The renewal's charge is found by its payment intent like any payment (refunds, disputes, reconciliation).
    const statement = await api('GET', `/api/v1/payments/${renewed?.id}`, { token: sub.buyer.accessToken });
    expect(statement.body).toMatchObject({ state: 'captured', amount: 500 });

    // Canceled: access ends at ended_at, and a late redelivery of the renewal does not bring it back.
    const token = (await api('POST', `/api/v1/videos/${sub.videoId}/playback-token`, { token: sub.buyer.accessToken })).body.token;
    const canceled = stripeContract.cancelSubscription(sub.subscriptionId);
    expect((await sendStripe('customer.subscription.deleted', canceled)).outcome).toMatch(/^applied: subscription ended/);
    const ends = await dbAll<{ expires_at: number }>(
      'SELECT expires_at FROM entitlements WHERE payment_id IN (SELECT id FROM payments WHERE subscription_ref = ?)',
      sub.subscriptionId,
    );
    expect(ends.every((row) => row.expires_at <= canceled.ended_at * 1000)).toBe(true);
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(402);
    expect((await api('GET', `/api/v1/videos/${sub.videoId}/hls/360p/index.m3u8?pt=${token}`)).status).toBe(403);
    await sendStripe('invoice.paid', renewal);
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(402);
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', renewed?.id)).toHaveLength(1);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a failed renewal posts nothing and access lapses at period end; Stripe’s successful retry restores it', async () => {
    const sub = await subscribed(40);
    const failed = stripeContract.renewSubscription(sub.subscriptionId, 'payment_failed');
    expect((await sendStripe('invoice.payment_failed', failed)).outcome).toBe('applied: renewal failed, access lapses at period end');
    const [row] = (await paymentsOf(sub.subscriptionId)).filter((payment) => payment.provider_ref === failed.id);
    expect(row?.state).toBe('failed');
    expect(await dbAll('SELECT id FROM ledger_entries WHERE payment_id = ?', row?.id)).toHaveLength(0);
    expect(await dbAll('SELECT id FROM entitlements WHERE payment_id = ?', row?.id)).toHaveLength(0);
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(402);

    // Smart Retries: the same invoice is paid days later; its "paid" event arrives before a late "failed" one.
    const paid = stripeContract.payInvoice(failed.id, 45);
    expect((await sendStripe('invoice.paid', paid)).outcome).toBe('applied: failed → captured');
    expect((await sendStripe('invoice.payment_failed', failed)).outcome).toMatch(/^ignored/);
    const rows = await paymentsOf(sub.subscriptionId);
    expect(rows.map((payment) => payment.state)).toEqual(['captured', 'captured']);
    expect(await dbAll('SELECT id FROM ledger_transactions WHERE payment_id = ?', row?.id)).toHaveLength(1);
    expect(await playable(sub.videoId, sub.buyer.accessToken)).toBe(200);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('ignores billing events of subscriptions that are not ours', async () => {
    const sub = await subscribed(1);
    const invoice = {
      ...sub.firstInvoice,
      parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_unknown', metadata: {} } },
    };
    expect((await sendStripe('invoice.paid', invoice)).outcome).toBe('ignored: no subscription of ours');
  });
});

async function capturedPurchase() {
  const buyer = await signUp('viewer');
  const { creator, videoId } = await pricedVideo();
  const started = await api('POST', '/api/v1/checkout', {
    token: buyer.accessToken,
    body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } },
  });
  const { session, intent } = stripeContract.paySession(started.body.providerRef, 68);
  await sendStripe('checkout.session.completed', session);
  return { buyer, creator, videoId, paymentId: started.body.id as string, intentId: intent.id as string };
}

const accountSums = async (paymentId: string) =>
  Object.fromEntries(
    (
      await dbAll<{ account: string; s: number }>(
        'SELECT account, SUM(amount) AS s FROM ledger_entries WHERE payment_id = ? GROUP BY account',
        paymentId,
      )
    ).map((row) => [row.account, row.s]),
  );

const paymentRow = async (id: string) =>
  (await dbAll<{ state: string; dispute_status: string | null }>('SELECT state, dispute_status FROM payments WHERE id = ?', id))[0];

describe('Stripe dispute outcomes', () => {
  it('a won dispute posts the reinstatement and restores the entitlement; a late "created" changes nothing', async () => {
    const bought = await capturedPurchase();
    const dispute = stripeContract.disputeCharge(bought.intentId, 1500);
    await sendStripe('charge.dispute.created', dispute);
    expect(await paymentRow(bought.paymentId)).toEqual({ state: 'disputed', dispute_status: 'open' });
    expect(await playable(bought.videoId, bought.buyer.accessToken)).toBe(402);

    const won = stripeContract.closeDispute(dispute, 'won', 1500);
    for (let i = 0; i < 2; i += 1) await sendStripe('charge.dispute.closed', won);
    await sendStripe('charge.dispute.created', dispute);
    expect(await paymentRow(bought.paymentId)).toEqual({ state: 'captured', dispute_status: 'won' });
    const kinds = await dbAll<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE payment_id = ? ORDER BY kind',
      bought.paymentId,
    );
    expect(kinds.map((row) => row.kind)).toEqual(['capture', 'chargeback', 'reinstatement']);
    // Back to what the capture alone booked.
    expect(await accountSums(bought.paymentId)).toEqual({
      'provider_clearing:stripe': 1299 - 68,
      'provider_fees:stripe': 68,
      'chargeback_fees:stripe': 0,
      platform_revenue: -260,
      [`creator_payable:${bought.creator.user.id}`]: -1039,
    });
    expect(await playable(bought.videoId, bought.buyer.accessToken)).toBe(200);
    const report = await api('GET', `/api/v1/payments/${bought.paymentId}`, { token: bought.buyer.accessToken });
    expect(report.body.state).toBe('captured');
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a won dispute seen before its opening books the round trip, keeping the fee Stripe did not return', async () => {
    const bought = await capturedPurchase();
    const dispute = stripeContract.disputeCharge(bought.intentId, 1500);
    const won = stripeContract.closeDispute(dispute, 'won', 0);
    await sendStripe('charge.dispute.closed', won);
    await sendStripe('charge.dispute.created', dispute);
    await sendStripe('charge.dispute.funds_withdrawn', dispute);
    expect(await paymentRow(bought.paymentId)).toEqual({ state: 'captured', dispute_status: 'won' });
    expect(await accountSums(bought.paymentId)).toMatchObject({
      'provider_clearing:stripe': 1299 - 68 - 1500,
      'chargeback_fees:stripe': 1500,
      platform_revenue: -260,
    });
    expect(await playable(bought.videoId, bought.buyer.accessToken)).toBe(200);
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });

  it('a lost dispute keeps the chargeback and the entitlement revoked', async () => {
    const bought = await capturedPurchase();
    const dispute = stripeContract.disputeCharge(bought.intentId, 1500);
    await sendStripe('charge.dispute.created', dispute);
    const before = await accountSums(bought.paymentId);
    await sendStripe('charge.dispute.closed', stripeContract.closeDispute(dispute, 'lost'));
    expect(await paymentRow(bought.paymentId)).toEqual({ state: 'disputed', dispute_status: 'lost' });
    expect(await accountSums(bought.paymentId)).toEqual(before);
    expect(await playable(bought.videoId, bought.buyer.accessToken)).toBe(402);
    // An inquiry (warning_needs_response) moves no money at all.
    const other = await capturedPurchase();
    const inquiry = { ...stripeContract.disputeCharge(other.intentId, 0), status: 'warning_needs_response', balance_transactions: [] };
    expect((await sendStripe('charge.dispute.created', inquiry)).outcome).toMatch(/^ignored/);
    expect((await paymentRow(other.paymentId))?.state).toBe('captured');
    expect(await ledgerInvariants()).toEqual({ unbalanced: [], drift: [], missing: [] });
  });
});
