// Applying one provider signal to one payment: the state machine decides the steps, the posting rules turn
// each money-moving step into a balanced ledger transaction, and the entitlement follows the final state.
// Pure: the adapter loads the payment, calls this, and commits the result in one D1 batch.
import {
  capturePosting,
  chargebackPosting,
  creatorShareOf,
  DEFAULT_REVENUE_SPLIT,
  type LedgerTransaction,
  type PostingContext,
  type RevenueSplit,
  refundPosting,
  reinstatementPosting,
} from './ledger';
import { planTransition } from './state-machine';
import type { DisputeStatus, ItemKind, PaymentSignal, PaymentState, ProviderName } from './types';

export interface PaymentRecord {
  id: string;
  provider: ProviderName;
  itemKind: ItemKind;
  creatorId: string;
  /** The price asked at checkout. */
  amount: number;
  currency: string;
  state: PaymentState;
  /** Filled at capture. */
  capturedAmount: number;
  fee: number;
  creatorShare: number;
  refundedTotal: number;
  disputedAmount: number;
  disputeStatus: DisputeStatus | null;
}

/** `restore` undoes a revocation (a dispute won): the same entitlement row, in force again. */
export type EntitlementEffect = { kind: 'grant'; periodEnd: number | null } | { kind: 'revoke' } | { kind: 'restore' } | null;

export type ProcessingResult =
  | { kind: 'ignore'; reason: string }
  | { kind: 'requery'; reason: string }
  | {
      kind: 'apply';
      state: PaymentState;
      changes: Partial<PaymentRecord>;
      transactions: LedgerTransaction[];
      entitlement: EntitlementEffect;
      /** Set when the provider captured less than the price or another currency: money is booked, nothing granted. */
      anomaly: string | null;
    };

export function applySignal(payment: PaymentRecord, signal: PaymentSignal, split: RevenueSplit = DEFAULT_REVENUE_SPLIT): ProcessingResult {
  const plan = planTransition(
    {
      state: payment.state,
      amount: payment.capturedAmount,
      refundedTotal: payment.refundedTotal,
      disputedAmount: payment.disputedAmount,
      disputeStatus: payment.disputeStatus,
    },
    signal,
  );
  if (plan.kind !== 'apply') return plan;

  const ctx: PostingContext = {
    paymentId: payment.id,
    provider: payment.provider,
    creatorId: payment.creatorId,
    currency: payment.currency,
    occurredAt: signal.occurredAt,
  };
  const next = { ...payment };
  const transactions: LedgerTransaction[] = [];
  let entitlement: EntitlementEffect = null;
  let anomaly: string | null = null;

  for (const step of plan.steps) {
    if (step === 'captured') {
      const gross = signal.amount as number;
      const fee = signal.fee as number;
      if (signal.currency && signal.currency.toUpperCase() !== payment.currency) {
        anomaly = `captured in ${signal.currency}, priced in ${payment.currency}`;
      } else if (gross < payment.amount) {
        anomaly = `captured ${gross}, priced ${payment.amount}`;
      }
      next.capturedAmount = gross;
      next.fee = fee;
      next.creatorShare = creatorShareOf(gross, payment.itemKind, split);
      transactions.push(capturePosting(ctx, gross, fee, next.creatorShare));
      entitlement = anomaly ? null : { kind: 'grant', periodEnd: signal.periodEnd ?? null };
    } else if (step === 'refunded') {
      const after = Math.min(signal.refundedTotal ?? next.capturedAmount, next.capturedAmount);
      if (after > next.refundedTotal) {
        transactions.push(refundPosting(ctx, { gross: next.capturedAmount, creatorShare: next.creatorShare }, next.refundedTotal, after));
        next.refundedTotal = after;
      }
      entitlement = { kind: 'revoke' };
    } else if (step === 'disputed') {
      const disputed = signal.disputedAmount ?? next.capturedAmount - next.refundedTotal;
      transactions.push(
        chargebackPosting(
          ctx,
          { gross: next.capturedAmount, creatorShare: next.creatorShare, refundedTotal: next.refundedTotal },
          disputed,
          signal.disputeFee ?? 0,
        ),
      );
      next.disputedAmount = Math.min(disputed, next.capturedAmount - next.refundedTotal);
      next.disputeStatus = signal.disputeStatus === 'lost' ? 'lost' : 'open';
      entitlement = { kind: 'revoke' };
    } else if (step === 'reinstated') {
      transactions.push(
        reinstatementPosting(
          ctx,
          { gross: next.capturedAmount, creatorShare: next.creatorShare, refundedTotal: next.refundedTotal },
          next.disputedAmount,
          signal.disputeFeeReturned ?? 0,
        ),
      );
      next.disputedAmount = 0;
      next.disputeStatus = 'won';
      // Back where it was before the dispute: a partial refund had already ended the entitlement.
      next.state = next.refundedTotal > 0 ? 'refunded' : 'captured';
      entitlement = next.state === 'captured' ? { kind: 'restore' } : null;
      continue;
    } else if (step === 'dispute_lost') {
      next.disputeStatus = 'lost';
      continue;
    }
    next.state = step;
  }
  const changes: Partial<PaymentRecord> = {
    state: next.state,
    capturedAmount: next.capturedAmount,
    fee: next.fee,
    creatorShare: next.creatorShare,
    refundedTotal: next.refundedTotal,
    disputedAmount: next.disputedAmount,
    disputeStatus: next.disputeStatus,
  };
  return { kind: 'apply', state: next.state, changes, transactions, entitlement, anomaly };
}
