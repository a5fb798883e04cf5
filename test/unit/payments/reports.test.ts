import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../src/domain/csv';
import { creatorView, foldRevenue } from '../../../src/domain/payments/reports';

describe('revenue reports', () => {
  it('folds ledger sums into rows whose parts add up', () => {
    const rows = foldRevenue([
      { key: '2026-11-27', currency: 'USD', memo: 'gross', accountKind: 'clearing', amount: 2000, transactions: 2 },
      { key: '2026-11-27', currency: 'USD', memo: 'fee', accountKind: 'clearing', amount: -118, transactions: 2 },
      { key: '2026-11-27', currency: 'USD', memo: 'fee', accountKind: 'expense', amount: 118, transactions: 2 },
      { key: '2026-11-27', currency: 'USD', memo: 'creator', accountKind: 'creator', amount: -1600, transactions: 2 },
      { key: '2026-11-27', currency: 'USD', memo: 'platform', accountKind: 'platform', amount: -400, transactions: 2 },
      { key: '2026-11-27', currency: 'USD', memo: 'refund', accountKind: 'clearing', amount: -1000, transactions: 1 },
      { key: '2026-11-27', currency: 'USD', memo: 'creator', accountKind: 'creator', amount: 800, transactions: 1 },
      { key: '2026-11-27', currency: 'USD', memo: 'platform', accountKind: 'platform', amount: 200, transactions: 1 },
    ]);
    // Two memos on the creator account collapse into one SUM per (memo, kind) in SQL; here they are two rows.
    expect(rows).toEqual([
      {
        key: '2026-11-27',
        currency: 'USD',
        gross: 2000,
        refunds: 1000,
        chargebacks: 0,
        fees: 118,
        creatorEarnings: 800,
        platformRevenue: 200,
        platformNet: 82,
        payments: 2,
      },
    ]);
    const row = rows[0] as (typeof rows)[number];
    expect(row.gross - row.refunds - row.chargebacks).toBe(row.creatorEarnings + row.platformRevenue);
    expect(Object.keys(creatorView(row))).not.toContain('platformRevenue');
  });

  it('writes RFC 4180 CSV, quoting what needs it', () => {
    expect(
      toCsv(
        ['key', 'gross'],
        [
          { key: 'a,b', gross: 1 },
          { key: 'say "hi"', gross: 2 },
        ],
      ),
    ).toBe('key,gross\r\n"a,b",1\r\n"say ""hi""",2\r\n');
  });
});
