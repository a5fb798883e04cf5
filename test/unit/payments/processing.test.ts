import { describe, expect, it } from 'vitest';
import { accounts, balancesOf, type LedgerTransaction } from '../../../src/domain/payments/ledger';
import { applySignal, type PaymentRecord } from '../../../src/domain/payments/processing';
import type { PaymentSignal } from '../../../src/domain/payments/types';

const fresh = (): PaymentRecord => ({
  id: 'pay_1',
  provider: 'paypal',
  itemKind: 'video_purchase',
  creatorId: 'usr_c',
  amount: 1000,
  currency: 'USD',
  state: 'pending',
  capturedAmount: 0,
  fee: 0,
  creatorShare: 0,
  refundedTotal: 0,
  disputedAmount: 0,
  disputeStatus: null,
});
const sig = (target: PaymentSignal['target'], extra: Partial<PaymentSignal> = {}): PaymentSignal => ({
  provider: 'paypal',
  paymentId: 'pay_1',
  providerRef: 'ORDER',
  target,
  occurredAt: 1,
  ...extra,
});

/** Delivers signals like a queue would, committing each result; the ledger dedups by transaction id. */
function deliver(signals: PaymentSignal[]) {
  let payment = fresh();
  const ledger = new Map<string, LedgerTransaction>();
  const grants: string[] = [];
  for (const signal of signals) {
    const result = applySignal(payment, signal);
    if (result.kind !== 'apply') continue;
    payment = { ...payment, ...result.changes };
    for (const tx of result.transactions) if (!ledger.has(tx.id)) ledger.set(tx.id, tx);
    if (result.entitlement) grants.push(result.entitlement.kind);
  }
  return { payment, ledger: [...ledger.values()], grants };
}

const capture = sig('captured', { amount: 1000, fee: 59, currency: 'USD', captureRef: 'CAP' });
const refund = sig('refunded', { refundedTotal: 1000 });

describe('applying provider signals', () => {
  it('grants on capture and revokes on refund, posting two balanced transactions', () => {
    const { payment, ledger, grants } = deliver([sig('authorized'), capture, refund]);
    expect(payment.state).toBe('refunded');
    expect(grants).toEqual(['grant', 'revoke']);
    expect(ledger.map((tx) => tx.kind)).toEqual(['capture', 'refund']);
    const balances = balancesOf(ledger.flatMap((tx) => tx.lines));
    expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(0);
  });

  it('the same event three times and every order of delivery end in one posting each and the same state', () => {
    const events = [sig('authorized'), capture, refund];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const reference = deliver(events);
    for (const order of orders) {
      // A refund seen before its capture cannot be posted from the event alone; the consumer re-queries and
      // receives the provider's full picture, simulated here by the refund carrying the capture's figures.
      const reordered = order.map((i) => (i === 2 ? { ...refund, amount: 1000, fee: 59, currency: 'USD' } : (events[i] as PaymentSignal)));
      const tripled = reordered.flatMap((event) => [event, event, event]);
      const outcome = deliver(tripled);
      expect(outcome.payment.state).toBe('refunded');
      expect(outcome.ledger.map((tx) => tx.id).sort()).toEqual(reference.ledger.map((tx) => tx.id).sort());
      expect(balancesOf(outcome.ledger.flatMap((tx) => tx.lines))).toEqual(balancesOf(reference.ledger.flatMap((tx) => tx.lines)));
    }
  });

  it('books but does not grant a capture below the price', () => {
    const result = applySignal(fresh(), sig('captured', { amount: 900, fee: 10, currency: 'USD' }));
    expect(result).toMatchObject({ kind: 'apply', state: 'captured', entitlement: null, anomaly: 'captured 900, priced 1000' });
  });

  it('a chargeback after a partial refund withdraws only what was left', () => {
    const { payment, ledger } = deliver([capture, sig('refunded', { refundedTotal: 300 }), sig('disputed', { disputeFee: 1500 })]);
    expect(payment).toMatchObject({ state: 'disputed', refundedTotal: 300, disputedAmount: 700 });
    const balances = balancesOf(ledger.flatMap((tx) => tx.lines));
    expect(balances.get(accounts.platformRevenue)).toBe(0);
    expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(0);
    expect(balances.get(accounts.clearing('paypal'))).toBe(-59 - 1500);
  });

  it('a won dispute, in any order of opened/won and however often, ends captured with the entitlement restored', () => {
    const opened = sig('disputed', { disputedAmount: 1000, disputeFee: 1500, disputeStatus: 'open' });
    const won = sig('captured', { disputedAmount: 1000, disputeFee: 1500, disputeStatus: 'won', disputeFeeReturned: 1500 });
    const inOrder = deliver([capture, opened, won, won, opened]);
    const reversed = deliver([capture, won, opened, won]);
    for (const outcome of [inOrder, reversed]) {
      expect(outcome.payment).toMatchObject({ state: 'captured', disputeStatus: 'won', disputedAmount: 0 });
      expect(outcome.ledger.map((tx) => tx.kind).sort()).toEqual(['capture', 'chargeback', 'reinstatement']);
      const balances = balancesOf(outcome.ledger.flatMap((tx) => tx.lines));
      expect(balances.get(accounts.clearing('paypal'))).toBe(1000 - 59);
      expect(balances.get(accounts.chargebackFees('paypal'))).toBe(0);
      expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(-800);
      expect(outcome.grants.at(-1)).toBe('restore');
    }
  });

  it('a lost dispute keeps the chargeback; a dispute won after a partial refund leaves the entitlement ended', () => {
    const lost = deliver([capture, sig('disputed', { disputeStatus: 'open' }), sig('disputed', { disputeStatus: 'lost' })]);
    expect(lost.payment).toMatchObject({ state: 'disputed', disputeStatus: 'lost', disputedAmount: 1000 });
    expect(lost.grants).toEqual(['grant', 'revoke']);
    const partial = deliver([capture, sig('refunded', { refundedTotal: 300 }), sig('disputed'), sig('captured', { disputeStatus: 'won' })]);
    expect(partial.payment).toMatchObject({ state: 'refunded', refundedTotal: 300, disputeStatus: 'won', disputedAmount: 0 });
    expect(partial.grants).toEqual(['grant', 'revoke', 'revoke']);
    const balances = balancesOf(partial.ledger.flatMap((tx) => tx.lines));
    // What stays is exactly the partial refund's reversal.
    expect(balances.get(accounts.clearing('paypal'))).toBe(1000 - 59 - 300);
    expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(-800 + 240);
  });
});
