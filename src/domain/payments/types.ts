// What VibeStream sells, through which provider, and the provider-neutral shape every webhook is reduced to.
// Amounts are integers in the currency's minor units (ISO 4217), never floats.

export const PROVIDERS = ['stripe', 'paypal', 'coinbase'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const ITEM_KINDS = ['video_purchase', 'video_rental', 'subscription', 'tip'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** What a buyer asks to pay for; the price is looked up server-side except for tips, whose amount the buyer picks. */
export type CheckoutItem =
  | { kind: 'video_purchase'; videoId: string }
  | { kind: 'video_rental'; videoId: string }
  | { kind: 'subscription'; creatorId: string }
  | { kind: 'tip'; creatorId: string; videoId?: string; amount: number; currency: string };

/**
 * How long a rental lasts when its price row has no hours: rental prices set before the hours were stored. Every
 * place that reads a rental's length (price list, checkout, entitlement grant) uses this, so what a buyer is shown
 * is what they get.
 */
export const DEFAULT_RENTAL_HOURS = 48;

/** A priced line: what the payment row records and the provider is asked to charge. */
export interface PricedItem {
  kind: ItemKind;
  creatorId: string;
  videoId: string | null;
  amount: number;
  currency: string;
  /** Rentals only: how long the entitlement lasts after capture. */
  rentalHours: number | null;
  description: string;
}

export const DISPUTE_STATUSES = ['open', 'won', 'lost'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const PAYMENT_STATES = ['created', 'pending', 'authorized', 'captured', 'failed', 'refunded', 'disputed'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/**
 * One provider event reduced to what the state machine needs. `target` is the state the provider says the
 * payment is in now; cumulative amounts (not deltas) make a redelivered or reordered event harmless.
 */
export interface PaymentSignal {
  provider: ProviderName;
  /** Our payment id when the provider echoes it (metadata / custom_id), else null. */
  paymentId: string | null;
  /** The provider's id of the checkout object (Stripe session, PayPal order, Coinbase charge code). */
  providerRef: string | null;
  target: PaymentState;
  occurredAt: number;
  /** Captured gross, when the event states it. */
  amount?: number;
  currency?: string;
  /** Provider fee on the capture, when the event states it (PayPal does; Stripe needs a re-query). */
  fee?: number;
  /** Id of the money movement at the provider (Stripe payment intent, PayPal capture id, Coinbase charge code). */
  captureRef?: string;
  /** Total refunded so far (refund events), or the disputed amount (dispute events). */
  refundedTotal?: number;
  disputedAmount?: number;
  /** Provider's dispute fee (Stripe charges one per chargeback). */
  disputeFee?: number;
  /**
   * Dispute events: where the dispute stands. `won` (Stripe `charge.dispute.closed` with status won, PayPal
   * CUSTOMER.DISPUTE.RESOLVED in the seller's favour) gives the money back; `lost` keeps the chargeback.
   */
  disputeStatus?: DisputeStatus;
  /** A won dispute: the part of the dispute fee the provider gave back with the funds (0 when it keeps it). */
  disputeFeeReturned?: number;
  /** Stripe Billing: the subscription the checkout started, and the end of the paid period. */
  subscriptionRef?: string;
  periodEnd?: number;
}

export function minorUnitsToDecimal(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
  return digits === 0 ? String(amount) : (amount / 100).toFixed(2);
}

export function decimalToMinorUnits(value: string, currency: string): number {
  const digits = ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
  const [whole = '0', fraction = ''] = value.trim().split('.');
  const padded = `${fraction}00`.slice(0, digits);
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 10 ** digits + (digits ? Number(padded) : 0));
}

// Currencies without minor units (Stripe "zero-decimal currencies" list, the ones we may meet).
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF']);
