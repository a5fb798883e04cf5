// The payment state machine. Providers deliver webhooks at least once and in any order (Stripe and PayPal both
// say so in their webhook docs), so a transition is decided by rank, never by arrival:
//
//   created → pending → authorized → captured → refunded
//                                           ↘ disputed (also after a partial refund)
//   (any state before captured) → failed
//
// An event for a state at or below the current rank is stale and changes nothing (a late "pending" after
// "captured"). An event that jumps over "captured" (a refund seen before its capture) cannot be posted from the
// event alone, since the capture's amount and fee are needed: the caller re-queries the provider, whose
// answer carries them. Only money-moving steps (capture, refund, dispute) post to the ledger.
import type { PaymentSignal, PaymentState } from './types';

export const STATE_RANK: Record<PaymentState, number> = {
  created: 0,
  pending: 1,
  authorized: 2,
  captured: 3,
  failed: 3,
  refunded: 4,
  disputed: 4,
};

/** What the payment row looks like to the state machine. */
export interface PaymentSnapshot {
  state: PaymentState;
  amount: number;
  refundedTotal: number;
  disputedAmount: number;
}

export type TransitionPlan =
  | { kind: 'ignore'; reason: string }
  | { kind: 'requery'; reason: string }
  | { kind: 'apply'; steps: PaymentState[] };

const movesMoney = (signal: PaymentSignal) => signal.amount !== undefined && signal.fee !== undefined;

export function planTransition(current: PaymentSnapshot, signal: PaymentSignal): TransitionPlan {
  const { state } = current;
  const target = signal.target;
  // A further partial refund keeps the state "refunded" but moves money: apply when the total grew.
  if (state === 'refunded' && target === 'refunded') {
    return (signal.refundedTotal ?? 0) > current.refundedTotal
      ? { kind: 'apply', steps: ['refunded'] }
      : { kind: 'ignore', reason: 'refund already posted' };
  }
  // A chargeback can follow a partial refund: it withdraws what is left.
  if (state === 'refunded' && target === 'disputed') {
    return current.refundedTotal < current.amount
      ? { kind: 'apply', steps: ['disputed'] }
      : { kind: 'ignore', reason: 'fully refunded before the dispute' };
  }
  if (state === 'failed') {
    // A capture after a failure happens (Stripe async payments retried by the buyer): trust the provider.
    return target === 'captured' || target === 'refunded' || target === 'disputed'
      ? { kind: 'requery', reason: `${target} after failed` }
      : { kind: 'ignore', reason: 'payment failed' };
  }
  if (STATE_RANK[target] <= STATE_RANK[state]) return { kind: 'ignore', reason: `${target} is not after ${state}` };
  if (target === 'failed') return { kind: 'apply', steps: ['failed'] };
  if (target === 'captured') {
    return movesMoney(signal) ? { kind: 'apply', steps: ['captured'] } : { kind: 'requery', reason: 'capture without amount and fee' };
  }
  if (target === 'refunded' || target === 'disputed') {
    if (state === 'captured') return { kind: 'apply', steps: [target] };
    // Seen before its capture: post the capture first, which needs the provider's figures.
    return movesMoney(signal) ? { kind: 'apply', steps: ['captured', target] } : { kind: 'requery', reason: `${target} before capture` };
  }
  return { kind: 'apply', steps: [target] };
}

/** States whose entitlement (if any) is in force. */
export const grantsEntitlement = (state: PaymentState) => state === 'captured';
