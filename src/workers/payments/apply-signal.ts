// Applies one provider signal to our payment: find the payment, run the state machine, re-query the provider
// when the event alone cannot be posted (out of order, or no fee stated), and return the statements of the whole
// effect. Used by the payments queue consumer, the PayPal capture route and the reconciliation cron alike.
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../adapters/db/client';
import {
  findPayment,
  findPaymentByReference,
  type PaymentRow,
  toPaymentRecord,
  transitionStatements,
} from '../../adapters/db/payments-repo';
import type { PaymentProvider } from '../../adapters/payments/provider';
import { applySignal } from '../../domain/payments/processing';
import type { PaymentSignal } from '../../domain/payments/types';

export interface SignalOutcome {
  payment: PaymentRow | null;
  outcome: string;
  statements: BatchItem<'sqlite'>[];
}

export async function locatePayment(db: Database, provider: PaymentProvider, signal: PaymentSignal): Promise<PaymentRow | null> {
  if (signal.paymentId) {
    const byId = await findPayment(db, signal.paymentId);
    if (byId && byId.provider === provider.name) return byId;
  }
  const byRef = await findPaymentByReference(db, provider.name, { providerRef: signal.providerRef, captureRef: signal.captureRef });
  if (byRef) return byRef;
  // Out of order: a refund naming only its payment intent, before our capture stored that reference.
  const resolved = await provider.resolvePaymentId(signal);
  const found = resolved ? await findPayment(db, resolved) : undefined;
  return found && found.provider === provider.name ? found : null;
}

export async function signalStatements(
  db: Database,
  provider: PaymentProvider,
  signal: PaymentSignal,
  now = Date.now(),
): Promise<SignalOutcome> {
  const payment = await locatePayment(db, provider, signal);
  if (!payment) return { payment: null, outcome: 'ignored: no payment of ours', statements: [] };
  let effective = signal;
  let result = applySignal(toPaymentRecord(payment), signal);
  if (result.kind === 'requery') {
    // Order matters here: ask the provider what is true now and apply that instead.
    effective = await provider.fetchPayment({
      id: payment.id,
      providerRef: payment.providerRef,
      captureRef: payment.captureRef,
      currency: payment.currency,
    });
    result = applySignal(toPaymentRecord(payment), effective);
    if (result.kind === 'requery') throw new Error(`payment ${payment.id}: provider state still incomplete (${result.reason})`);
  }
  if (result.kind === 'ignore') return { payment, outcome: `ignored: ${result.reason}`, statements: [] };
  const statements = transitionStatements(db, {
    payment,
    from: payment.state,
    changes: result.changes,
    captureRef: effective.captureRef ?? signal.captureRef ?? null,
    subscriptionRef: effective.subscriptionRef ?? signal.subscriptionRef ?? null,
    anomaly: result.anomaly,
    transactions: result.transactions,
    entitlement: result.entitlement,
    now,
  });
  return { payment, outcome: `applied: ${payment.state} → ${result.state}${result.anomaly ? ` (${result.anomaly})` : ''}`, statements };
}
