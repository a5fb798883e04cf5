import { describe, expect, it } from 'vitest';
import {
  accounts,
  assertBalanced,
  balancesOf,
  capturePosting,
  chargebackPosting,
  creatorRefundPart,
  creatorShareOf,
  refundPosting,
} from '../../../src/domain/payments/ledger';

const ctx = { paymentId: 'pay_1', provider: 'stripe' as const, creatorId: 'usr_c', currency: 'USD', occurredAt: 1 };
const sum = (lines: { amount: number }[]) => lines.reduce((total, line) => total + line.amount, 0);

describe('ledger posting rules', () => {
  it('books a capture as buyer payment, provider fee, platform revenue and creator payable, summing to zero', () => {
    const tx = capturePosting(ctx, 1000, 59, creatorShareOf(1000, 'video_purchase'));
    expect(sum(tx.lines)).toBe(0);
    const balances = balancesOf(tx.lines);
    expect(balances.get(accounts.clearing('stripe'))).toBe(941); // gross less the fee the provider kept
    expect(balances.get(accounts.fees('stripe'))).toBe(59);
    expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(-800); // 80 % of gross, a credit
    expect(balances.get(accounts.platformRevenue)).toBe(-200);
    expect(tx.id).toBe('pay_1:capture');
  });

  it('rounds the creator share down and leaves the remainder to the platform', () => {
    expect(creatorShareOf(999, 'video_purchase')).toBe(799);
    expect(creatorShareOf(1, 'tip')).toBe(0);
    expect(() => creatorShareOf(-1, 'tip')).toThrow(RangeError);
  });

  it('reverses exactly the creator share over any sequence of partial refunds', () => {
    const share = creatorShareOf(999, 'video_rental');
    const steps = [0, 1, 333, 334, 998, 999];
    let reversed = 0;
    for (let i = 1; i < steps.length; i += 1) reversed += creatorRefundPart(share, 999, steps[i - 1] as number, steps[i] as number);
    expect(reversed).toBe(share);
  });

  it('leaves no drift after capture, partial refunds and a chargeback', () => {
    const share = creatorShareOf(1000, 'video_purchase');
    const payment = { gross: 1000, creatorShare: share };
    const txs = [
      capturePosting(ctx, 1000, 59, share),
      refundPosting(ctx, payment, 0, 250),
      refundPosting(ctx, payment, 250, 400),
      chargebackPosting(ctx, { ...payment, refundedTotal: 400 }, 600, 1500),
    ];
    for (const tx of txs) assertBalanced(tx.lines);
    const balances = balancesOf(txs.flatMap((tx) => tx.lines));
    expect(balances.get(accounts.creatorPayable('usr_c'))).toBe(0);
    expect(balances.get(accounts.platformRevenue)).toBe(0);
    // The provider kept its fee and charged a dispute fee; that is all the platform is out of pocket.
    expect(balances.get(accounts.clearing('stripe'))).toBe(-59 - 1500);
    expect((balances.get(accounts.fees('stripe')) ?? 0) + (balances.get(accounts.chargebackFees('stripe')) ?? 0)).toBe(1559);
    expect(new Set(txs.map((tx) => tx.id)).size).toBe(4);
  });

  it('refuses refunds past the gross and unbalanced lines', () => {
    expect(() => refundPosting(ctx, { gross: 1000, creatorShare: 800 }, 0, 1001)).toThrow(RangeError);
    expect(() => refundPosting(ctx, { gross: 1000, creatorShare: 800 }, 500, 500)).toThrow(RangeError);
    expect(() => assertBalanced([{ amount: 1 }, { amount: -2 }])).toThrow(/unbalanced/);
    expect(() => capturePosting(ctx, 100, 101, 80)).toThrow(RangeError);
  });
});
