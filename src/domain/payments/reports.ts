// Revenue reports: ledger lines folded into rows per group. Every figure comes from the ledger, so a report
// over any range adds up to the account balances over the same range:
//   gross − refunds − chargebacks = creatorEarnings + platformRevenue
//   net (what stays with the platform) = platformRevenue − fees
import type { LineMemo } from './ledger';

export const GROUP_BY = ['day', 'provider', 'creator', 'video'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** One SUM() over lines sharing (group key, currency, memo, account kind). */
export interface LineAggregate {
  key: string;
  currency: string;
  memo: LineMemo;
  /** Which side of the memo: the clearing account, an expense account, the platform or a creator. */
  accountKind: 'clearing' | 'expense' | 'platform' | 'creator';
  amount: number;
  transactions: number;
}

export interface RevenueRow {
  key: string;
  currency: string;
  gross: number;
  refunds: number;
  chargebacks: number;
  fees: number;
  creatorEarnings: number;
  platformRevenue: number;
  platformNet: number;
  payments: number;
}

export function foldRevenue(aggregates: readonly LineAggregate[]): RevenueRow[] {
  const rows = new Map<string, RevenueRow>();
  for (const agg of aggregates) {
    const id = `${agg.key}|${agg.currency}`;
    let row = rows.get(id);
    if (!row) {
      row = {
        key: agg.key,
        currency: agg.currency,
        gross: 0,
        refunds: 0,
        chargebacks: 0,
        fees: 0,
        creatorEarnings: 0,
        platformRevenue: 0,
        platformNet: 0,
        payments: 0,
      };
      rows.set(id, row);
    }
    if (agg.accountKind === 'clearing' && agg.memo === 'gross') {
      row.gross += agg.amount;
      row.payments += agg.transactions;
    } else if (agg.accountKind === 'clearing' && agg.memo === 'refund') row.refunds -= agg.amount;
    else if (agg.accountKind === 'clearing' && agg.memo === 'chargeback') row.chargebacks -= agg.amount;
    else if (agg.accountKind === 'expense') row.fees += agg.amount;
    else if (agg.accountKind === 'creator') row.creatorEarnings -= agg.amount;
    else if (agg.accountKind === 'platform') row.platformRevenue -= agg.amount;
  }
  for (const row of rows.values()) row.platformNet = row.platformRevenue - row.fees;
  return [...rows.values()].sort((a, b) => (a.key === b.key ? a.currency.localeCompare(b.currency) : a.key < b.key ? -1 : 1));
}

/** Creators see their own sales and earnings, not the platform's share or the fees it pays. */
export function creatorView(row: RevenueRow): Omit<RevenueRow, 'fees' | 'platformRevenue' | 'platformNet'> {
  const { fees: _fees, platformRevenue: _platform, platformNet: _net, ...own } = row;
  return own;
}
