// Stripe Billing events → payments, ledger and entitlements (rules in domain/payments/subscriptions.ts).
// Every invoice event is answered from a re-query of the invoice (and its subscription), never from the event
// body: a late `invoice.payment_failed` after the retry was paid, or a stale `invoice.paid` after the
// subscription ended, then changes nothing wrong. Returns statements for the consumer's one D1 batch.
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../adapters/db/client';
import {
  endSubscriptionStatement,
  entitlementEndStatement,
  findPayment,
  findPaymentByReference,
  findSubscriptionCheckout,
  insertPaymentStatement,
  type PaymentRow,
  toPaymentRecord,
  transitionStatements,
} from '../../adapters/db/payments-repo';
import type { PaymentProvider, RecurringBilling } from '../../adapters/payments/provider';
import { applySignal } from '../../domain/payments/processing';
import { type BillingSignal, entitlementEnd, isFirstInvoice, renewalPaymentId } from '../../domain/payments/subscriptions';
import type { PaymentSignal } from '../../domain/payments/types';
import type { SignalOutcome } from './apply-signal';

type Statement = BatchItem<'sqlite'>;

async function subscriptionCheckout(
  db: Database,
  provider: PaymentProvider,
  signal: { paymentId: string | null; subscriptionRef: string | null },
) {
  if (signal.paymentId) {
    const byId = await findPayment(db, signal.paymentId);
    if (byId && byId.provider === provider.name && byId.itemKind === 'subscription') return byId;
  }
  return signal.subscriptionRef ? ((await findSubscriptionCheckout(db, provider.name, signal.subscriptionRef)) ?? null) : null;
}

/**
 * `signal` comes from a fresh re-query of the invoice, so a payment recorded as failed (a declined renewal
 * attempt Stripe later retried successfully) is planned from "pending": the figures are already the provider's.
 */
function applyTo(db: Database, payment: PaymentRow, signal: PaymentSignal, now: number): { outcome: string; statements: Statement[] } {
  const planned = payment.state === 'failed' ? { ...payment, state: 'pending' as const } : payment;
  const result = applySignal(toPaymentRecord(planned), signal);
  if (result.kind !== 'apply') return { outcome: `ignored: ${result.reason}`, statements: [] };
  return {
    outcome: `applied: ${payment.state} → ${result.state}`,
    statements: transitionStatements(db, {
      payment,
      from: payment.state,
      changes: result.changes,
      captureRef: signal.captureRef ?? null,
      subscriptionRef: signal.subscriptionRef ?? null,
      anomaly: result.anomaly,
      transactions: result.transactions,
      entitlement: result.entitlement,
      now,
    }),
  };
}

export async function billingStatements(
  db: Database,
  provider: PaymentProvider,
  billing: RecurringBilling,
  signal: BillingSignal,
  now = Date.now(),
): Promise<SignalOutcome> {
  const checkout = await subscriptionCheckout(db, provider, signal);
  if (!checkout) return { payment: null, outcome: 'ignored: no subscription of ours', statements: [] };

  if (signal.kind === 'subscription_ended') {
    return {
      payment: checkout,
      outcome: `applied: subscription ended at ${new Date(signal.endedAt).toISOString()}`,
      statements: [endSubscriptionStatement(db, provider.name, signal.subscriptionRef, signal.endedAt)],
    };
  }

  const figures = await billing.fetchInvoice(signal.invoiceId);
  const subscriptionRef = figures.subscriptionRef ?? signal.subscriptionRef ?? checkout.subscriptionRef;
  const subscription = subscriptionRef ? await billing.fetchSubscription(subscriptionRef) : null;
  const periodEnd = entitlementEnd(figures, subscription);
  const captured: PaymentSignal = {
    provider: provider.name,
    paymentId: null,
    providerRef: figures.invoiceId,
    target: 'captured',
    occurredAt: figures.paidAt ?? signal.occurredAt,
    amount: figures.amount,
    currency: figures.currency,
    fee: figures.fee,
    ...(figures.captureRef ? { captureRef: figures.captureRef } : {}),
    ...(subscriptionRef ? { subscriptionRef } : {}),
    ...(periodEnd !== null ? { periodEnd } : {}),
  };

  if (isFirstInvoice(figures)) {
    // The checkout's own charge: capture it if its session event has not done so yet, else only set the end
    // of the first period on its entitlement (the session does not state it).
    if (!figures.paid) return { payment: checkout, outcome: 'ignored: first invoice not paid', statements: [] };
    if (checkout.state !== 'captured') {
      const applied = applyTo(db, checkout, { ...captured, paymentId: checkout.id, providerRef: checkout.providerRef }, now);
      return { payment: checkout, ...applied };
    }
    return {
      payment: checkout,
      outcome: 'applied: first period end set',
      statements: periodEnd !== null ? [entitlementEndStatement(db, checkout.id, periodEnd)] : [],
    };
  }

  const existing = await findPaymentByReference(db, provider.name, { providerRef: figures.invoiceId });
  if (existing) {
    if (!figures.paid) return { payment: existing, outcome: 'ignored: renewal not paid', statements: [] };
    return { payment: existing, ...applyTo(db, existing, { ...captured, paymentId: existing.id }, now) };
  }
  const renewal: PaymentRow = {
    id: await renewalPaymentId(figures.invoiceId),
    provider: provider.name,
    providerRef: figures.invoiceId,
    captureRef: figures.captureRef,
    subscriptionRef: subscriptionRef ?? null,
    buyerId: checkout.buyerId,
    creatorId: checkout.creatorId,
    videoId: null,
    itemKind: 'subscription',
    rentalHours: null,
    amount: figures.amount,
    currency: figures.currency,
    // A failed attempt is recorded (nothing posted, nothing granted); Stripe's retry that succeeds later is a
    // failed → captured transition the state machine re-queries.
    state: figures.paid ? 'pending' : 'failed',
    capturedAmount: 0,
    fee: 0,
    creatorShare: 0,
    refundedTotal: 0,
    disputedAmount: 0,
    disputeStatus: null,
    idempotencyKey: `renewal:${figures.invoiceId}`,
    checkoutUrl: null,
    anomaly: null,
    createdAt: now,
    updatedAt: now,
    capturedAt: null,
  };
  const insert = insertPaymentStatement(db, renewal);
  if (!figures.paid) return { payment: renewal, outcome: 'applied: renewal failed, access lapses at period end', statements: [insert] };
  const applied = applyTo(db, renewal, { ...captured, paymentId: renewal.id }, now);
  return { payment: renewal, outcome: `renewal ${applied.outcome}`, statements: [insert, ...applied.statements] };
}
