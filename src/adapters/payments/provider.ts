// The one interface every payment provider adapter implements. Routes, the queue consumer and the
// reconciliation cron speak only this; swapping Coinbase Commerce charges for another crypto rail (Coinbase
// documents the Charge API as deprecated in favour of Payment Links) means writing one more adapter.
import type { ProviderMovement } from '../../domain/payments/reconciliation';
import type { BillingSignal, InvoiceFigures, SubscriptionView } from '../../domain/payments/subscriptions';
import type { PaymentSignal, PricedItem, ProviderName } from '../../domain/payments/types';

export interface CheckoutRequest {
  paymentId: string;
  /** Sent to the provider with the create call (Stripe Idempotency-Key, PayPal-Request-Id, our Coinbase metadata). */
  idempotencyKey: string;
  item: PricedItem;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutResult {
  providerRef: string;
  checkoutUrl: string;
}

export interface VerifiedWebhook {
  providerEventId: string;
  type: string;
}

/** What the provider tells us about one of our payments when asked. */
export interface PaymentLookup {
  id: string;
  providerRef: string | null;
  captureRef: string | null;
  currency: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /**
   * false: the provider has no refund API (Coinbase Commerce). Refunds are sent by hand and recorded as manual
   * (routes/payments.ts), and reconciliation compares only captures, since the provider reports no refunds.
   */
  readonly refundsThroughApi: boolean;
  createCheckout(request: CheckoutRequest): Promise<CheckoutResult>;
  /** Verifies the signature over the raw body (and its age); throws WebhookRejected. Never parses before verifying. */
  verifyWebhook(rawBody: string, headers: Headers, nowMs: number): Promise<VerifiedWebhook>;
  /** The state change a verified event reports, or null for events that change nothing of ours. */
  toSignal(rawBody: string): PaymentSignal | null;
  /** Re-query: the payment's current state at the provider, with the figures needed to post it. */
  fetchPayment(payment: PaymentLookup): Promise<PaymentSignal>;
  /** Finds our payment id for a signal that does not carry it (e.g. a Stripe refund naming only its payment intent). */
  resolvePaymentId(signal: PaymentSignal): Promise<string | null>;
  refund(payment: PaymentLookup, amount: number, idempotencyKey: string): Promise<{ refundId: string }>;
  /** Money movements (charges/captures, refunds) the provider recorded in [fromMs, toMs). */
  listMovements(fromMs: number, toMs: number): Promise<ProviderMovement[]>;
  /** Providers with recurring billing (Stripe Billing): renewal and cancellation events. */
  readonly billing?: RecurringBilling;
}

export interface RecurringBilling {
  /** The billing event a verified webhook reports (invoice paid/failed, subscription ended), or null. */
  toBillingSignal(rawBody: string): BillingSignal | null;
  /** Re-query: the invoice as the provider has it now, with the fee of the charge that paid it. */
  fetchInvoice(invoiceId: string): Promise<InvoiceFigures>;
  fetchSubscription(subscriptionId: string): Promise<SubscriptionView>;
}

/** The provider answered with an error or could not be reached. `status` 0 means no answer at all. */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export type WebhookRejection = 'missing_signature' | 'bad_signature' | 'stale' | 'bad_certificate' | 'malformed';

export class WebhookRejected extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

/** Five minutes, Stripe's default tolerance; the same window is applied to PayPal's transmission time. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
