import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/domain/payments/reconciliation';

const charge = (reference: string, amount: number, fee = 30) =>
  ({ provider: 'stripe', kind: 'charge', reference, amount, currency: 'USD', fee, occurredAt: 0 }) as const;
const booked = (reference: string, amount: number, fee = 30) =>
  ({ provider: 'stripe', kind: 'charge', reference, amount, currency: 'USD', fee, paymentId: `pay_${reference}` }) as const;

describe('reconciliation matching', () => {
  it('matches equal movements and reports each kind of difference', () => {
    const result = reconcile(
      [charge('a', 1000), charge('b', 500), charge('c', 700), charge('d', 100, 5), { ...charge('e', 100), currency: 'EUR' }],
      [booked('a', 1000), booked('b', 400), booked('d', 100, 3), booked('e', 100), booked('z', 999)],
    );
    expect(result.matched).toBe(1);
    const kinds = Object.fromEntries(result.mismatches.map((m) => [m.reference, m.kind]));
    expect(kinds).toEqual({
      b: 'amount_mismatch',
      c: 'missing_in_ledger',
      d: 'fee_mismatch',
      e: 'currency_mismatch',
      z: 'missing_at_provider',
    });
    expect(result.mismatches.find((m) => m.reference === 'z')?.paymentId).toBe('pay_z');
  });

  it('sums several partial refunds of one capture before comparing', () => {
    const refund = (amount: number) => ({ ...charge('a', amount, 0), kind: 'refund' as const });
    const result = reconcile([refund(300), refund(200)], [{ ...booked('a', 500, 0), kind: 'refund' }]);
    expect(result).toMatchObject({ matched: 1, mismatches: [] });
  });
});
