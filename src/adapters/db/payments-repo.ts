// Storage of payments: prices, payments, raw provider events, ledger postings, entitlements, reconciliation.
// Writes that must land together are returned as statements for one db.batch(); posting is idempotent by
// construction (deterministic transaction and entry ids, balances recomputed from the entries).

import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { LedgerTransaction } from '../../domain/payments/ledger';
import type { EntitlementEffect, PaymentRecord } from '../../domain/payments/processing';
import type { LedgerMovement } from '../../domain/payments/reconciliation';
import type { LineAggregate } from '../../domain/payments/reports';
import { DEFAULT_RENTAL_HOURS, type PaymentState, type ProviderName } from '../../domain/payments/types';
import type { Database } from './client';
import {
  alerts,
  auditLog,
  entitlements,
  ledgerBalances,
  ledgerEntries,
  ledgerTransactions,
  paymentEvents,
  payments,
  reconciliationReports,
  subscriptionPrices,
  videoPrices,
} from './schema';

export type PaymentRow = typeof payments.$inferSelect;
export type PaymentEventRow = typeof paymentEvents.$inferSelect;
type Statement = BatchItem<'sqlite'>;

// ---- prices ----

export async function videoPricesOf(db: Database, videoId: string) {
  return db.select().from(videoPrices).where(eq(videoPrices.videoId, videoId)).all();
}

export function setVideoPriceStatements(
  db: Database,
  videoId: string,
  prices: {
    purchase?: { amount: number; currency: string } | null;
    rental?: { amount: number; currency: string; rentalHours: number } | null;
  },
  now: number,
): Statement[] {
  const statements: Statement[] = [];
  for (const kind of ['purchase', 'rental'] as const) {
    const price = prices[kind];
    if (price === undefined) continue;
    const key = and(eq(videoPrices.videoId, videoId), eq(videoPrices.kind, kind));
    if (price === null) {
      statements.push(db.delete(videoPrices).where(key));
      continue;
    }
    const row = {
      videoId,
      kind,
      amount: price.amount,
      currency: price.currency,
      rentalHours: 'rentalHours' in price ? price.rentalHours : null,
      updatedAt: now,
    };
    statements.push(
      db
        .insert(videoPrices)
        .values(row)
        .onConflictDoUpdate({
          target: [videoPrices.videoId, videoPrices.kind],
          set: { amount: row.amount, currency: row.currency, rentalHours: row.rentalHours, updatedAt: now },
        }),
    );
  }
  return statements;
}

export async function subscriptionPriceOf(db: Database, creatorId: string) {
  return db.select().from(subscriptionPrices).where(eq(subscriptionPrices.creatorId, creatorId)).get();
}

export async function setSubscriptionPrice(
  db: Database,
  creatorId: string,
  price: { amount: number; currency: string } | null,
  now: number,
) {
  if (price === null) {
    await db.delete(subscriptionPrices).where(eq(subscriptionPrices.creatorId, creatorId));
    return;
  }
  await db
    .insert(subscriptionPrices)
    .values({ creatorId, ...price, updatedAt: now })
    .onConflictDoUpdate({ target: subscriptionPrices.creatorId, set: { ...price, updatedAt: now } });
}

// ---- payments ----

export async function findPayment(db: Database, id: string) {
  return db.select().from(payments).where(eq(payments.id, id)).get();
}

export async function findPaymentByIdempotencyKey(db: Database, buyerId: string, key: string) {
  return db
    .select()
    .from(payments)
    .where(and(eq(payments.buyerId, buyerId), eq(payments.idempotencyKey, key)))
    .get();
}

export async function findPaymentByReference(
  db: Database,
  provider: ProviderName,
  ref: { providerRef?: string | null; captureRef?: string },
) {
  const conditions = [
    ...(ref.providerRef ? [eq(payments.providerRef, ref.providerRef)] : []),
    ...(ref.captureRef ? [eq(payments.captureRef, ref.captureRef)] : []),
  ];
  if (conditions.length === 0) return undefined;
  return db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, provider), or(...conditions)))
    .get();
}

export async function insertPayment(db: Database, row: typeof payments.$inferInsert) {
  await db.insert(payments).values(row);
}

export async function recordCheckout(db: Database, id: string, providerRef: string, checkoutUrl: string, now: number) {
  await db
    .update(payments)
    .set({ providerRef, checkoutUrl, state: 'pending', updatedAt: now })
    .where(and(eq(payments.id, id), eq(payments.state, 'created')));
}

export async function markCheckoutFailed(db: Database, id: string, now: number) {
  await db
    .update(payments)
    .set({ state: 'failed', updatedAt: now })
    .where(and(eq(payments.id, id), eq(payments.state, 'created')));
}

export function toPaymentRecord(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    provider: row.provider,
    itemKind: row.itemKind,
    creatorId: row.creatorId,
    amount: row.amount,
    currency: row.currency,
    state: row.state,
    capturedAmount: row.capturedAmount,
    fee: row.fee,
    creatorShare: row.creatorShare,
    refundedTotal: row.refundedTotal,
    disputedAmount: row.disputedAmount,
    disputeStatus: row.disputeStatus ?? null,
  };
}

/** Payments still waiting for the provider, oldest first: what reconciliation re-queries. */
export async function unsettledPayments(db: Database, olderThan: number, limit: number) {
  return db
    .select()
    .from(payments)
    .where(and(inArray(payments.state, ['pending', 'authorized']), lt(payments.updatedAt, olderThan)))
    .orderBy(asc(payments.updatedAt))
    .limit(limit)
    .all();
}

// ---- subscriptions (Stripe Billing) ----

/** The checkout payment that started a subscription (renewal payments carry the same subscription_ref, later). */
export async function findSubscriptionCheckout(db: Database, provider: ProviderName, subscriptionRef: string) {
  return db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, provider), eq(payments.subscriptionRef, subscriptionRef), eq(payments.itemKind, 'subscription')))
    .orderBy(asc(payments.createdAt))
    .limit(1)
    .get();
}

/** A renewal's payment row; a second insert of the same invoice (same id, same provider_ref) writes nothing. */
export function insertPaymentStatement(db: Database, row: typeof payments.$inferInsert) {
  return db.insert(payments).values(row).onConflictDoNothing();
}

/** Sets when a payment's entitlement ends (the first invoice's period end is known only from the invoice). */
export function entitlementEndStatement(db: Database, paymentId: string, expiresAt: number) {
  return db.update(entitlements).set({ expiresAt }).where(eq(entitlements.paymentId, paymentId));
}

/** A subscription ended: no entitlement of any of its payments runs past `endedAt`. */
export function endSubscriptionStatement(db: Database, provider: ProviderName, subscriptionRef: string, endedAt: number) {
  return db
    .update(entitlements)
    .set({ expiresAt: endedAt })
    .where(
      and(
        inArray(
          entitlements.paymentId,
          db
            .select({ id: payments.id })
            .from(payments)
            .where(and(eq(payments.provider, provider), eq(payments.subscriptionRef, subscriptionRef))),
        ),
        or(isNull(entitlements.expiresAt), gt(entitlements.expiresAt, endedAt)),
      ),
    );
}

// ---- refunds (audit trail) ----

export interface RefundAudit {
  paymentId: string;
  actorId: string;
  provider: ProviderName;
  amount: number;
  refundedTotal: number;
  /** Manual: money sent back outside the provider's API (Coinbase Commerce has none); `reference` says where. */
  manual: boolean;
  reference: string;
  now: number;
}

/** The audit entry of an admin refund, written in the same batch as its ledger posting (one per refunded total). */
export function refundAuditStatement(db: Database, audit: RefundAudit) {
  return db
    .insert(auditLog)
    .values({
      id: `aud_refund_${audit.paymentId}_${audit.refundedTotal}`,
      action: audit.manual ? 'payment.refund_recorded' : 'payment.refunded',
      actorId: audit.actorId,
      subjectType: 'payment',
      subjectId: audit.paymentId,
      data: {
        provider: audit.provider,
        amount: audit.amount,
        refundedTotal: audit.refundedTotal,
        manual: audit.manual,
        reference: audit.reference,
      },
      occurredAt: audit.now,
    })
    .onConflictDoNothing();
}

/** Whether a manual refund with this reference was already recorded for the payment (a repeated submit). */
export async function manualRefundRecorded(db: Database, paymentId: string, reference: string): Promise<boolean> {
  const row = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.subjectType, 'payment'),
        eq(auditLog.subjectId, paymentId),
        eq(auditLog.action, 'payment.refund_recorded'),
        sql`json_extract(${auditLog.data}, '$.reference') = ${reference}`,
      ),
    )
    .get();
  return row !== undefined;
}

// ---- provider events ----

export async function findPaymentEvent(db: Database, provider: ProviderName, providerEventId: string) {
  return db
    .select({ id: paymentEvents.id })
    .from(paymentEvents)
    .where(and(eq(paymentEvents.provider, provider), eq(paymentEvents.providerEventId, providerEventId)))
    .get();
}

export function insertPaymentEventStatement(db: Database, row: typeof paymentEvents.$inferInsert) {
  return db.insert(paymentEvents).values(row).onConflictDoNothing();
}

export async function loadPaymentEvent(db: Database, id: string) {
  return db.select().from(paymentEvents).where(eq(paymentEvents.id, id)).get();
}

export function paymentEventOutcomeStatement(db: Database, id: string, paymentId: string | null, outcome: string, now: number) {
  return db.update(paymentEvents).set({ paymentId, outcome, processedAt: now }).where(eq(paymentEvents.id, id));
}

// ---- applying a transition ----

export interface TransitionWrite {
  payment: PaymentRow;
  from: PaymentState;
  changes: Partial<PaymentRecord>;
  captureRef?: string | null;
  subscriptionRef?: string | null;
  anomaly: string | null;
  transactions: LedgerTransaction[];
  entitlement: EntitlementEffect;
  now: number;
}

export function transitionStatements(db: Database, write: TransitionWrite): Statement[] {
  const { payment, now } = write;
  const statements: Statement[] = [];
  const capturedNow = write.changes.state === 'captured' || write.transactions.some((tx) => tx.kind === 'capture');
  // Guarded by the state read: a racing consumer that already moved the payment turns this into a no-op, while
  // the ledger rows below are keyed so that both racers write the same rows at most once.
  statements.push(
    db
      .update(payments)
      .set({
        ...write.changes,
        ...(write.captureRef ? { captureRef: write.captureRef } : {}),
        ...(write.subscriptionRef ? { subscriptionRef: write.subscriptionRef } : {}),
        ...(write.anomaly ? { anomaly: write.anomaly } : {}),
        ...(capturedNow ? { capturedAt: now } : {}),
        updatedAt: now,
      })
      .where(and(eq(payments.id, payment.id), eq(payments.state, write.from))),
  );
  const touched = new Map<string, { account: string; currency: string }>();
  for (const tx of write.transactions) {
    statements.push(
      db
        .insert(ledgerTransactions)
        .values({
          id: tx.id,
          paymentId: tx.paymentId,
          kind: tx.kind,
          provider: tx.provider,
          currency: tx.currency,
          occurredAt: tx.occurredAt,
          createdAt: now,
        })
        .onConflictDoNothing(),
    );
    statements.push(
      db
        .insert(ledgerEntries)
        .values(
          tx.lines.map((line, index) => ({
            id: `${tx.id}#${index}`,
            transactionId: tx.id,
            account: line.account,
            amount: line.amount,
            currency: tx.currency,
            memo: line.memo,
            paymentId: tx.paymentId,
            provider: tx.provider,
            creatorId: payment.creatorId,
            videoId: payment.videoId,
            occurredAt: tx.occurredAt,
          })),
        )
        .onConflictDoNothing(),
    );
    for (const line of tx.lines) touched.set(`${line.account}|${tx.currency}`, { account: line.account, currency: tx.currency });
  }
  for (const { account, currency } of touched.values()) statements.push(recomputeBalanceStatement(db, account, currency, now));

  if (write.entitlement?.kind === 'grant' && payment.itemKind !== 'tip') {
    const expiresAt =
      payment.itemKind === 'video_rental'
        ? now + (payment.rentalHours ?? DEFAULT_RENTAL_HOURS) * 3_600_000
        : payment.itemKind === 'subscription'
          ? (write.entitlement.periodEnd ?? now + 31 * 86_400_000)
          : null;
    statements.push(
      db
        .insert(entitlements)
        .values({
          id: `ent_${payment.id}`,
          paymentId: payment.id,
          userId: payment.buyerId,
          kind: payment.itemKind,
          videoId: payment.videoId,
          creatorId: payment.creatorId,
          grantedAt: now,
          expiresAt,
          revokedAt: null,
        })
        .onConflictDoNothing(),
    );
  } else if (write.entitlement?.kind === 'restore') {
    statements.push(db.update(entitlements).set({ revokedAt: null }).where(eq(entitlements.paymentId, payment.id)));
  } else if (write.entitlement?.kind === 'revoke') {
    statements.push(
      db
        .update(entitlements)
        .set({ revokedAt: now })
        .where(and(eq(entitlements.paymentId, payment.id), isNull(entitlements.revokedAt))),
    );
  }
  return statements;
}

/** The balance is whatever the entries say: recomputing (not incrementing) makes a re-run harmless. */
function recomputeBalanceStatement(db: Database, account: string, currency: string, now: number) {
  const sum = sql<number>`(SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account = ${account} AND currency = ${currency})`;
  return db
    .insert(ledgerBalances)
    .values({ account, currency, balance: sum, updatedAt: now })
    .onConflictDoUpdate({
      target: [ledgerBalances.account, ledgerBalances.currency],
      set: { balance: sql`excluded.balance`, updatedAt: now },
    });
}

// ---- ledger reads ----

export async function ledgerEntriesOfPayment(db: Database, paymentId: string) {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.paymentId, paymentId)).orderBy(asc(ledgerEntries.id)).all();
}

export async function allBalances(db: Database) {
  return db.select().from(ledgerBalances).all();
}

/** Per-transaction sums that are not zero (must always be empty). */
export async function unbalancedTransactions(db: Database) {
  return db
    .select({ transactionId: ledgerEntries.transactionId, sum: sql<number>`SUM(${ledgerEntries.amount})` })
    .from(ledgerEntries)
    .groupBy(ledgerEntries.transactionId)
    .having(sql`SUM(${ledgerEntries.amount}) != 0`)
    .all();
}

/** Captures and refunds booked in [from, to), as reconciliation compares them with the provider's records. */
export async function ledgerMovements(db: Database, provider: ProviderName, from: number, to: number): Promise<LedgerMovement[]> {
  const rows = await db
    .select({
      kind: ledgerTransactions.kind,
      paymentId: ledgerTransactions.paymentId,
      currency: ledgerTransactions.currency,
      captureRef: payments.captureRef,
      memo: ledgerEntries.memo,
      account: ledgerEntries.account,
      amount: sql<number>`SUM(${ledgerEntries.amount})`,
    })
    .from(ledgerTransactions)
    .innerJoin(payments, eq(payments.id, ledgerTransactions.paymentId))
    .innerJoin(ledgerEntries, eq(ledgerEntries.transactionId, ledgerTransactions.id))
    .where(
      and(
        eq(ledgerTransactions.provider, provider),
        gte(ledgerTransactions.occurredAt, from),
        lt(ledgerTransactions.occurredAt, to),
        inArray(ledgerTransactions.kind, ['capture', 'refund']),
      ),
    )
    .groupBy(ledgerTransactions.id, ledgerEntries.memo, ledgerEntries.account)
    .all();
  const byTransaction = new Map<string, LedgerMovement>();
  for (const row of rows) {
    const key = `${row.paymentId}|${row.kind}`;
    const movement = byTransaction.get(key) ?? {
      provider,
      kind: row.kind === 'capture' ? ('charge' as const) : ('refund' as const),
      reference: row.captureRef ?? row.paymentId,
      paymentId: row.paymentId,
      amount: 0,
      currency: row.currency,
      fee: 0,
    };
    if (row.account.startsWith('provider_clearing:') && row.memo === 'gross') movement.amount += row.amount;
    if (row.account.startsWith('provider_clearing:') && row.memo === 'refund') movement.amount -= row.amount;
    if (row.account.startsWith('provider_fees:')) movement.fee += row.amount;
    byTransaction.set(key, movement);
  }
  return [...byTransaction.values()];
}

// ---- entitlements ----

export async function activeEntitlement(db: Database, userId: string, video: { id: string; creatorId: string }, now: number) {
  return db
    .select()
    .from(entitlements)
    .where(
      and(
        eq(entitlements.userId, userId),
        isNull(entitlements.revokedAt),
        or(isNull(entitlements.expiresAt), gte(entitlements.expiresAt, now)),
        or(eq(entitlements.videoId, video.id), and(eq(entitlements.kind, 'subscription'), eq(entitlements.creatorId, video.creatorId))),
      ),
    )
    .get();
}

export async function entitlementsOf(db: Database, userId: string) {
  return db.select().from(entitlements).where(eq(entitlements.userId, userId)).orderBy(desc(entitlements.grantedAt)).all();
}

/** Whether a video is sold at all (has any price): only then do its files need a playback token. */
export async function isPaidVideo(db: Database, videoId: string): Promise<boolean> {
  const row = await db.select({ kind: videoPrices.kind }).from(videoPrices).where(eq(videoPrices.videoId, videoId)).limit(1).get();
  return row !== undefined;
}

// ---- reports ----

const ACCOUNT_KIND = sql<LineAggregate['accountKind']>`CASE
  WHEN ${ledgerEntries.account} LIKE 'provider_clearing:%' THEN 'clearing'
  WHEN ${ledgerEntries.account} LIKE 'creator_payable:%' THEN 'creator'
  WHEN ${ledgerEntries.account} = 'platform_revenue' THEN 'platform'
  ELSE 'expense' END`;

export async function revenueAggregates(
  db: Database,
  options: { from: number; to: number; groupBy: 'day' | 'provider' | 'creator' | 'video'; currency?: string; creatorId?: string },
): Promise<LineAggregate[]> {
  const key =
    options.groupBy === 'day'
      ? sql<string>`strftime('%Y-%m-%d', ${ledgerEntries.occurredAt} / 1000, 'unixepoch')`
      : options.groupBy === 'provider'
        ? sql<string>`${ledgerEntries.provider}`
        : options.groupBy === 'creator'
          ? sql<string>`${ledgerEntries.creatorId}`
          : sql<string>`COALESCE(${ledgerEntries.videoId}, '(none)')`;
  return db
    .select({
      key,
      currency: ledgerEntries.currency,
      memo: ledgerEntries.memo,
      accountKind: ACCOUNT_KIND,
      amount: sql<number>`SUM(${ledgerEntries.amount})`,
      transactions: sql<number>`COUNT(DISTINCT ${ledgerEntries.transactionId})`,
    })
    .from(ledgerEntries)
    .where(
      and(
        gte(ledgerEntries.occurredAt, options.from),
        lt(ledgerEntries.occurredAt, options.to),
        ...(options.currency ? [eq(ledgerEntries.currency, options.currency)] : []),
        ...(options.creatorId ? [eq(ledgerEntries.creatorId, options.creatorId)] : []),
      ),
    )
    .groupBy(key, ledgerEntries.currency, ledgerEntries.memo, ACCOUNT_KIND)
    .all();
}

// ---- reconciliation ----

export function insertReconciliationReportStatement(db: Database, row: typeof reconciliationReports.$inferInsert) {
  return db.insert(reconciliationReports).values(row);
}

export async function listReconciliationReports(db: Database, limit: number, before?: number) {
  return db
    .select()
    .from(reconciliationReports)
    .where(before ? lt(reconciliationReports.startedAt, before) : undefined)
    .orderBy(desc(reconciliationReports.startedAt))
    .limit(limit)
    .all();
}

export async function findReconciliationReport(db: Database, id: string) {
  return db.select().from(reconciliationReports).where(eq(reconciliationReports.id, id)).get();
}

// ---- reconciliation alerts ----

/** The seeded (disabled) rule reconciliation alerts belong to (migrations/0006_payments.sql). */
export const RECONCILIATION_RULE_ID = 'rule_payments_reconciliation';

/**
 * Opens (or refreshes) the firing alert of one provider's reconciliation when it found mismatches, and resolves it
 * when a later run finds none. The partial unique index on open alerts keeps one per provider.
 */
export function reconciliationAlertStatements(db: Database, provider: ProviderName, mismatches: number, now: number): Statement[] {
  const scopeKey = `reconciliation:${provider}`;
  const open = and(eq(alerts.ruleId, RECONCILIATION_RULE_ID), eq(alerts.scopeKey, scopeKey), eq(alerts.state, 'firing'));
  if (mismatches === 0) {
    return [
      db
        .update(alerts)
        .set({ state: 'resolved', resolvedAt: now, lastValue: 0, lastEvaluatedAt: now, resolvedBy: 'evaluation' })
        .where(open),
    ];
  }
  return [
    db
      .insert(alerts)
      .values({
        id: `alt_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`,
        ruleId: RECONCILIATION_RULE_ID,
        ruleName: 'Payment reconciliation mismatches',
        metric: 'reconciliationMismatches',
        scope: 'fleet',
        scopeKey,
        state: 'firing',
        threshold: 0,
        lastValue: mismatches,
        startedAt: now,
        resolvedAt: null,
        lastEvaluatedAt: now,
      })
      .onConflictDoNothing(),
    db.update(alerts).set({ lastValue: mismatches, lastEvaluatedAt: now }).where(open),
  ];
}

export async function openReconciliationAlerts(db: Database) {
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.ruleId, RECONCILIATION_RULE_ID), eq(alerts.state, 'firing')))
    .all();
}
