// The payments queue consumer's handler: one stored provider event → the payment state machine → ledger,
// entitlement and event outcome, returned as statements that the generic consumer (workers/events/consumer.ts)
// commits in one D1 batch with the processed marker. A redelivered message is skipped by that marker; a
// message whose first attempt failed half-way committed nothing, so its retry starts clean.
import { loadPaymentEvent, paymentEventOutcomeStatement } from '../../adapters/db/payments-repo';
import type { EventHandler } from '../events/handlers';
import { signalStatements } from './apply-signal';
import { paymentProvider } from './providers';
import { billingStatements } from './subscriptions';

export const paymentEventHandler: EventHandler = {
  name: 'payment-state',
  handles: ['payment.event_received'],
  async handle(event, { db, env }) {
    if (event.type !== 'payment.event_received') return [];
    const stored = await loadPaymentEvent(db, event.data.paymentEventId);
    if (!stored) throw new Error(`payment event ${event.data.paymentEventId} not found`);
    const now = Date.now();
    const provider = paymentProvider(env, stored.provider);
    // Retried with backoff until the provider is configured again (then dead-lettered for operators).
    if (!provider) throw new Error(`${stored.provider} is not configured`);
    const billing = provider.billing?.toBillingSignal(stored.rawBody);
    if (provider.billing && billing) {
      const result = await billingStatements(db, provider, provider.billing, billing, now);
      return [...result.statements, paymentEventOutcomeStatement(db, stored.id, result.payment?.id ?? null, result.outcome, now)];
    }
    const signal = provider.toSignal(stored.rawBody);
    if (!signal) return [paymentEventOutcomeStatement(db, stored.id, null, `ignored: ${stored.type} changes no payment`, now)];
    const result = await signalStatements(db, provider, signal, now);
    return [...result.statements, paymentEventOutcomeStatement(db, stored.id, result.payment?.id ?? null, result.outcome, now)];
  },
};
