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
//
// Disputes end won or lost. Won (the provider returns the funds) is the pseudo-step "reinstated": it posts the
// chargeback's mirror image and puts the payment back where it was (captured, or refunded after a partial
// refund). A won dispute seen before its opening (out of order) posts both, so the ledger shows the round trip
// and its fees; once won, a late "dispute opened" changes nothing. Lost keeps the chargeback.
import type { DisputeStatus, PaymentSignal, PaymentState } from './types';

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
  disputeStatus?: DisputeStatus | null;
}

/** A state to move to, or a dispute outcome: "reinstated" (won) or "dispute_lost" (recorded, no money moves). */
export type TransitionStep = PaymentState | 'reinstated' | 'dispute_lost';

export type TransitionPlan =
  | { kind: 'ignore'; reason: string }
  | { kind: 'requery'; reason: string }
  | { kind: 'apply'; steps: TransitionStep[] };

const movesMoney = (signal: PaymentSignal) => signal.amount !== undefined && signal.fee !== undefined;

function planDisputeWon(current: PaymentSnapshot, signal: PaymentSignal): TransitionPlan {
  const { state } = current;
  if (current.disputeStatus === 'won') return { kind: 'ignore', reason: 'dispute already won' };
  if (state === 'disputed') return { kind: 'apply', steps: ['reinstated'] };
  if (state === 'captured' || (state === 'refunded' && current.refundedTotal < current.amount)) {
    return { kind: 'apply', steps: ['disputed', 'reinstated'] };
  }
  if (state === 'refunded') return { kind: 'ignore', reason: 'fully refunded before the dispute' };
  return movesMoney(signal)
    ? { kind: 'apply', steps: ['captured', 'disputed', 'reinstated'] }
    : { kind: 'requery', reason: 'dispute won before capture' };
}

export function planTransition(current: PaymentSnapshot, signal: PaymentSignal): TransitionPlan {
  const { state } = current;
  const target = signal.target;
  if (signal.disputeStatus === 'won') return planDisputeWon(current, signal);
  if (target === 'disputed' && current.disputeStatus === 'won') return { kind: 'ignore', reason: 'dispute already won' };
  if (state === 'disputed' && target === 'disputed') {
    return signal.disputeStatus === 'lost' && current.disputeStatus !== 'lost'
      ? { kind: 'apply', steps: ['dispute_lost'] }
      : { kind: 'ignore', reason: 'dispute already posted' };
  }
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
