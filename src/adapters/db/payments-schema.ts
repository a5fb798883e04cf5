// Payments: prices, payments and their raw provider events, the double-entry ledger, entitlements and
// reconciliation reports. Amounts are integers in minor units; timestamps epoch ms, like every table.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { LineMemo, TransactionKind } from '../../domain/payments/ledger';
import type { DisputeStatus, ItemKind, PaymentState, ProviderName } from '../../domain/payments/types';

/** A video's prices, set by its creator (or an admin). Kept apart from `videos` so pricing has its own history. */
export const videoPrices = sqliteTable(
  'video_prices',
  {
    videoId: text('video_id').notNull(),
    kind: text('kind').$type<'purchase' | 'rental'>().notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    // Rentals only: hours of access after capture.
    rentalHours: integer('rental_hours'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.videoId, t.kind] })],
);

/** A creator's monthly subscription price (Stripe Billing). */
export const subscriptionPrices = sqliteTable('subscription_prices', {
  creatorId: text('creator_id').primaryKey(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    provider: text('provider').$type<ProviderName>().notNull(),
    // Stripe checkout session id, PayPal order id, Coinbase charge code; null until the provider answered.
    providerRef: text('provider_ref'),
    // The money movement at the provider (Stripe payment intent, PayPal capture id, Coinbase charge code).
    captureRef: text('capture_ref'),
    // Stripe Billing subscription id (subscriptions only).
    subscriptionRef: text('subscription_ref'),
    buyerId: text('buyer_id').notNull(),
    creatorId: text('creator_id').notNull(),
    videoId: text('video_id'),
    itemKind: text('item_kind').$type<ItemKind>().notNull(),
    rentalHours: integer('rental_hours'),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    state: text('state').$type<PaymentState>().notNull(),
    capturedAmount: integer('captured_amount').notNull().default(0),
    fee: integer('fee').notNull().default(0),
    creatorShare: integer('creator_share').notNull().default(0),
    refundedTotal: integer('refunded_total').notNull().default(0),
    disputedAmount: integer('disputed_amount').notNull().default(0),
    // null: never disputed; open (chargeback posted), won (reinstated) or lost (chargeback final).
    disputeStatus: text('dispute_status').$type<DisputeStatus>(),
    // The buyer's Idempotency-Key (or one we made): the same key returns the same payment.
    idempotencyKey: text('idempotency_key').notNull(),
    checkoutUrl: text('checkout_url'),
    anomaly: text('anomaly'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    capturedAt: integer('captured_at'),
  },
  (t) => [
    uniqueIndex('payments_idempotency_unique').on(t.buyerId, t.idempotencyKey),
    uniqueIndex('payments_provider_ref_unique').on(t.provider, t.providerRef),
    index('payments_state_updated').on(t.state, t.updatedAt),
    index('payments_capture_ref').on(t.provider, t.captureRef),
  ],
);

/** Every verified provider event, raw, keyed by the provider's event id: a redelivery is recognised here. */
export const paymentEvents = sqliteTable(
  'payment_events',
  {
    id: text('id').primaryKey(),
    provider: text('provider').$type<ProviderName>().notNull(),
    providerEventId: text('provider_event_id').notNull(),
    type: text('type').notNull(),
    rawBody: text('raw_body').notNull(),
    receivedAt: integer('received_at').notNull(),
    paymentId: text('payment_id'),
    // Set by the consumer: what the event did ("applied", "ignored: …").
    outcome: text('outcome'),
    processedAt: integer('processed_at'),
  },
  (t) => [uniqueIndex('payment_events_provider_unique').on(t.provider, t.providerEventId), index('payment_events_payment').on(t.paymentId)],
);

export const ledgerTransactions = sqliteTable(
  'ledger_transactions',
  {
    // Deterministic: "<paymentId>:capture", "<paymentId>:refund:<cumulative total>", "<paymentId>:chargeback".
    id: text('id').primaryKey(),
    paymentId: text('payment_id').notNull(),
    kind: text('kind').$type<TransactionKind>().notNull(),
    provider: text('provider').$type<ProviderName>().notNull(),
    currency: text('currency').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ledger_transactions_payment').on(t.paymentId), index('ledger_transactions_occurred').on(t.occurredAt)],
);

export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    // "<transaction id>#<line number>": a second posting of the same transaction inserts nothing.
    id: text('id').primaryKey(),
    transactionId: text('transaction_id').notNull(),
    account: text('account').notNull(),
    // Debit positive, credit negative; the entries of a transaction sum to zero.
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    memo: text('memo').$type<LineMemo>().notNull(),
    // Copied from the payment so reports group without joins.
    paymentId: text('payment_id').notNull(),
    provider: text('provider').$type<ProviderName>().notNull(),
    creatorId: text('creator_id').notNull(),
    videoId: text('video_id'),
    occurredAt: integer('occurred_at').notNull(),
  },
  (t) => [
    index('ledger_entries_account').on(t.account, t.currency),
    index('ledger_entries_occurred').on(t.occurredAt),
    index('ledger_entries_creator_occurred').on(t.creatorId, t.occurredAt),
    index('ledger_entries_transaction').on(t.transactionId),
  ],
);

/** Account balances, recomputed from the entries in the same batch that posts them (never incremented). */
export const ledgerBalances = sqliteTable(
  'ledger_balances',
  {
    account: text('account').notNull(),
    currency: text('currency').notNull(),
    balance: integer('balance').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.currency] })],
);

export const entitlements = sqliteTable(
  'entitlements',
  {
    id: text('id').primaryKey(),
    // One entitlement per payment: a redelivered capture cannot grant twice.
    paymentId: text('payment_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').$type<'video_purchase' | 'video_rental' | 'subscription'>().notNull(),
    videoId: text('video_id'),
    creatorId: text('creator_id').notNull(),
    grantedAt: integer('granted_at').notNull(),
    // null: forever (purchases); rentals and subscriptions end.
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    uniqueIndex('entitlements_payment_unique').on(t.paymentId),
    index('entitlements_user_video').on(t.userId, t.videoId),
    index('entitlements_user_creator').on(t.userId, t.creatorId),
  ],
);

export const reconciliationReports = sqliteTable(
  'reconciliation_reports',
  {
    id: text('id').primaryKey(),
    windowFrom: integer('window_from').notNull(),
    windowTo: integer('window_to').notNull(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at').notNull(),
    matched: integer('matched').notNull(),
    mismatchCount: integer('mismatch_count').notNull(),
    requeried: integer('requeried').notNull(),
    // Per provider: {provider, ok, error?, matched, mismatches[]}.
    details: text('details', { mode: 'json' }).$type<unknown>().notNull(),
  },
  (t) => [index('reconciliation_reports_started').on(t.startedAt)],
);
