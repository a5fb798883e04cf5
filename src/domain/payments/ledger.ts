// Double-entry posting rules. Every transaction is a list of lines whose amounts sum to zero; a positive amount
// is a debit, a negative one a credit. Accounts:
//   provider_clearing:<provider>   asset    money the provider holds for us (gross in, fees and refunds out)
//   provider_fees:<provider>       expense  processing fees (borne by the platform)
//   chargeback_fees:<provider>     expense  dispute fees
//   platform_revenue               revenue  the platform's share of gross
//   creator_payable:<creatorId>    liability what we owe each creator
// Transactions are keyed by a deterministic source key (payment + step + cumulative figure) and their lines by
// "<key>#<n>", so posting the same step twice (redelivery, a racing consumer) inserts nothing the second time.
import type { ItemKind, ProviderName } from './types';

export type LineMemo = 'gross' | 'fee' | 'platform' | 'creator' | 'refund' | 'chargeback' | 'dispute_fee';

export interface LedgerLine {
  account: string;
  amount: number;
  memo: LineMemo;
}

export type TransactionKind = 'capture' | 'refund' | 'chargeback' | 'reinstatement';

export interface LedgerTransaction {
  id: string;
  paymentId: string;
  kind: TransactionKind;
  provider: ProviderName;
  currency: string;
  occurredAt: number;
  lines: LedgerLine[];
}

export const accounts = {
  clearing: (provider: ProviderName) => `provider_clearing:${provider}`,
  fees: (provider: ProviderName) => `provider_fees:${provider}`,
  chargebackFees: (provider: ProviderName) => `chargeback_fees:${provider}`,
  platformRevenue: 'platform_revenue',
  creatorPayable: (creatorId: string) => `creator_payable:${creatorId}`,
};

/** Creator share of gross in basis points, per kind of sale. The platform keeps the rest and pays the fees. */
export interface RevenueSplit {
  creatorShareBps: Record<ItemKind, number>;
}

export const DEFAULT_REVENUE_SPLIT: RevenueSplit = {
  creatorShareBps: { video_purchase: 8000, video_rental: 8000, subscription: 8500, tip: 9500 },
};

/** The creator's part of `gross`, rounded down (the platform absorbs the rounding, never the creator's ledger). */
export function creatorShareOf(gross: number, kind: ItemKind, split: RevenueSplit = DEFAULT_REVENUE_SPLIT): number {
  const bps = split.creatorShareBps[kind];
  if (!Number.isInteger(gross) || gross < 0) throw new RangeError(`gross must be a non-negative integer, got ${gross}`);
  if (!(bps >= 0 && bps <= 10_000)) throw new RangeError(`creator share must be 0–10000 bps, got ${bps}`);
  return Math.floor((gross * bps) / 10_000);
}

/**
 * The creator's part of refunding `refundedAfter - refundedBefore` out of `gross`. Computed as the difference
 * of two cumulative shares, so any sequence of partial refunds reverses exactly `creatorShare` once fully refunded.
 */
export function creatorRefundPart(creatorShare: number, gross: number, refundedBefore: number, refundedAfter: number): number {
  if (gross === 0) return 0;
  const cumulative = (refunded: number) => Math.floor((creatorShare * Math.min(refunded, gross)) / gross);
  return cumulative(refundedAfter) - cumulative(refundedBefore);
}

export interface PostingContext {
  paymentId: string;
  provider: ProviderName;
  creatorId: string;
  currency: string;
  occurredAt: number;
}

export function capturePosting(ctx: PostingContext, gross: number, fee: number, creatorShare: number): LedgerTransaction {
  if (fee < 0 || fee > gross) throw new RangeError(`fee ${fee} outside 0..${gross}`);
  const lines: LedgerLine[] = [
    { account: accounts.clearing(ctx.provider), amount: gross, memo: 'gross' },
    { account: accounts.clearing(ctx.provider), amount: -fee, memo: 'fee' },
    { account: accounts.fees(ctx.provider), amount: fee, memo: 'fee' },
    { account: accounts.platformRevenue, amount: -(gross - creatorShare), memo: 'platform' },
    { account: accounts.creatorPayable(ctx.creatorId), amount: -creatorShare, memo: 'creator' },
  ];
  return transaction(ctx, 'capture', `${ctx.paymentId}:capture`, lines);
}

/** Refund of `refundedAfter - refundedBefore`. Fees are not returned (Stripe and PayPal keep them on refunds). */
export function refundPosting(
  ctx: PostingContext,
  payment: { gross: number; creatorShare: number },
  refundedBefore: number,
  refundedAfter: number,
): LedgerTransaction {
  const refund = refundedAfter - refundedBefore;
  if (refund <= 0 || refundedAfter > payment.gross) throw new RangeError(`refund total ${refundedAfter} invalid after ${refundedBefore}`);
  const creatorPart = creatorRefundPart(payment.creatorShare, payment.gross, refundedBefore, refundedAfter);
  const lines: LedgerLine[] = [
    { account: accounts.clearing(ctx.provider), amount: -refund, memo: 'refund' },
    { account: accounts.platformRevenue, amount: refund - creatorPart, memo: 'platform' },
    { account: accounts.creatorPayable(ctx.creatorId), amount: creatorPart, memo: 'creator' },
  ];
  return transaction(ctx, 'refund', `${ctx.paymentId}:refund:${refundedAfter}`, lines);
}

/** A chargeback withdraws the disputed amount (what was not refunded yet, at most) plus the provider's dispute fee. */
export function chargebackPosting(
  ctx: PostingContext,
  payment: { gross: number; creatorShare: number; refundedTotal: number },
  disputed: number,
  disputeFee: number,
): LedgerTransaction {
  const amount = Math.min(disputed, payment.gross - payment.refundedTotal);
  if (amount < 0 || disputeFee < 0) throw new RangeError('negative chargeback');
  const creatorPart = creatorRefundPart(payment.creatorShare, payment.gross, payment.refundedTotal, payment.refundedTotal + amount);
  const lines: LedgerLine[] = [
    { account: accounts.clearing(ctx.provider), amount: -amount, memo: 'chargeback' },
    { account: accounts.platformRevenue, amount: amount - creatorPart, memo: 'platform' },
    { account: accounts.creatorPayable(ctx.creatorId), amount: creatorPart, memo: 'creator' },
    { account: accounts.clearing(ctx.provider), amount: -disputeFee, memo: 'dispute_fee' },
    { account: accounts.chargebackFees(ctx.provider), amount: disputeFee, memo: 'dispute_fee' },
  ];
  return transaction(ctx, 'chargeback', `${ctx.paymentId}:chargeback`, lines);
}

/**
 * A won dispute: the chargeback's mirror image. The disputed amount comes back to clearing (memo "chargeback",
 * so reports net it against the chargeback), platform and creator get back exactly the parts the chargeback
 * took (same cumulative formula), and whatever dispute fee the provider returned leaves the expense account.
 */
export function reinstatementPosting(
  ctx: PostingContext,
  payment: { gross: number; creatorShare: number; refundedTotal: number },
  disputed: number,
  feeReturned: number,
): LedgerTransaction {
  if (disputed < 0 || feeReturned < 0) throw new RangeError('negative reinstatement');
  const creatorPart = creatorRefundPart(payment.creatorShare, payment.gross, payment.refundedTotal, payment.refundedTotal + disputed);
  const lines: LedgerLine[] = [
    { account: accounts.clearing(ctx.provider), amount: disputed, memo: 'chargeback' },
    { account: accounts.platformRevenue, amount: -(disputed - creatorPart), memo: 'platform' },
    { account: accounts.creatorPayable(ctx.creatorId), amount: -creatorPart, memo: 'creator' },
    { account: accounts.clearing(ctx.provider), amount: feeReturned, memo: 'dispute_fee' },
    { account: accounts.chargebackFees(ctx.provider), amount: -feeReturned, memo: 'dispute_fee' },
  ];
  return transaction(ctx, 'reinstatement', `${ctx.paymentId}:reinstatement`, lines);
}

function transaction(ctx: PostingContext, kind: TransactionKind, id: string, lines: LedgerLine[]): LedgerTransaction {
  // Zero lines carry no information; dropping them keeps the ledger readable (a free refund part, a zero fee).
  const kept = lines.filter((line) => line.amount !== 0);
  assertBalanced(kept, id);
  return { id, paymentId: ctx.paymentId, kind, provider: ctx.provider, currency: ctx.currency, occurredAt: ctx.occurredAt, lines: kept };
}

export function assertBalanced(lines: readonly { amount: number }[], label = 'transaction'): void {
  const sum = lines.reduce((total, line) => total + line.amount, 0);
  if (sum !== 0 || lines.some((line) => !Number.isInteger(line.amount))) throw new Error(`${label} is unbalanced (sum ${sum})`);
}

/** Account balances from lines (what the stored balances must always equal). */
export function balancesOf(lines: readonly { account: string; amount: number; currency?: string }[]): Map<string, number> {
  const balances = new Map<string, number>();
  for (const line of lines) {
    const key = line.currency ? `${line.account}|${line.currency}` : line.account;
    balances.set(key, (balances.get(key) ?? 0) + line.amount);
  }
  return balances;
}
