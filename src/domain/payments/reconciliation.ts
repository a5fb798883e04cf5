// Reconciliation: the providers' own records for a window against what the ledger holds for the same window.
// Each provider record is one money movement (a charge/capture or a refund) with its provider reference;
// each ledger record is the same movement as we booked it. Matching is by (provider, kind, reference).
import type { ProviderName } from './types';

export type MovementKind = 'charge' | 'refund';

export interface ProviderMovement {
  provider: ProviderName;
  kind: MovementKind;
  /** Stripe payment intent, PayPal capture id, Coinbase charge code. */
  reference: string;
  amount: number;
  currency: string;
  fee: number;
  occurredAt: number;
}

export interface LedgerMovement {
  provider: ProviderName;
  kind: MovementKind;
  reference: string;
  paymentId: string;
  amount: number;
  currency: string;
  fee: number;
}

export type MismatchKind = 'missing_in_ledger' | 'missing_at_provider' | 'amount_mismatch' | 'fee_mismatch' | 'currency_mismatch';

export interface Mismatch {
  kind: MismatchKind;
  provider: ProviderName;
  movement: MovementKind;
  reference: string;
  paymentId: string | null;
  providerAmount: number | null;
  ledgerAmount: number | null;
  detail: string;
}

export interface ReconciliationResult {
  matched: number;
  mismatches: Mismatch[];
  providerTotal: number;
  ledgerTotal: number;
}

const keyOf = (m: { provider: string; kind: string; reference: string }) => `${m.provider}|${m.kind}|${m.reference}`;

/** Sums movements sharing a key (several partial refunds of one capture appear as several provider records). */
function grouped<T extends { provider: string; kind: string; reference: string; amount: number; fee: number }>(items: readonly T[]) {
  const map = new Map<string, T>();
  for (const item of items) {
    const existing = map.get(keyOf(item));
    map.set(keyOf(item), existing ? { ...existing, amount: existing.amount + item.amount, fee: existing.fee + item.fee } : { ...item });
  }
  return map;
}

export function reconcile(provider: readonly ProviderMovement[], ledger: readonly LedgerMovement[]): ReconciliationResult {
  const ours = grouped(ledger);
  const theirs = grouped(provider);
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const [key, record] of theirs) {
    const booked = ours.get(key);
    if (!booked) {
      mismatches.push({
        kind: 'missing_in_ledger',
        provider: record.provider,
        movement: record.kind,
        reference: record.reference,
        paymentId: null,
        providerAmount: record.amount,
        ledgerAmount: null,
        detail: `${record.provider} reports a ${record.kind} of ${record.amount} ${record.currency} the ledger does not hold`,
      });
      continue;
    }
    const base = { provider: record.provider, movement: record.kind, reference: record.reference, paymentId: booked.paymentId };
    if (booked.currency.toUpperCase() !== record.currency.toUpperCase()) {
      mismatches.push({
        ...base,
        kind: 'currency_mismatch',
        providerAmount: record.amount,
        ledgerAmount: booked.amount,
        detail: `${record.currency} at the provider, ${booked.currency} in the ledger`,
      });
    } else if (booked.amount !== record.amount) {
      mismatches.push({
        ...base,
        kind: 'amount_mismatch',
        providerAmount: record.amount,
        ledgerAmount: booked.amount,
        detail: `${record.amount} at the provider, ${booked.amount} in the ledger`,
      });
    } else if (booked.fee !== record.fee) {
      mismatches.push({
        ...base,
        kind: 'fee_mismatch',
        providerAmount: record.fee,
        ledgerAmount: booked.fee,
        detail: `fee ${record.fee} at the provider, ${booked.fee} in the ledger`,
      });
    } else {
      matched += 1;
    }
  }
  for (const [key, booked] of ours) {
    if (theirs.has(key)) continue;
    mismatches.push({
      kind: 'missing_at_provider',
      provider: booked.provider,
      movement: booked.kind,
      reference: booked.reference,
      paymentId: booked.paymentId,
      providerAmount: null,
      ledgerAmount: booked.amount,
      detail: `the ledger holds a ${booked.kind} of ${booked.amount} ${booked.currency} the provider does not report`,
    });
  }
  const total = (items: readonly { amount: number }[]) => items.reduce((sum, item) => sum + item.amount, 0);
  return { matched, mismatches, providerTotal: total(provider), ledgerTotal: total(ledger) };
}
