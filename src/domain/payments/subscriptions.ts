// Stripe Billing renewals. A creator subscription starts as one checkout payment; every later month Stripe
// raises an invoice and charges it (`invoice.paid`, or `invoice.payment_failed` and retries), and ends the
// subscription with `customer.subscription.deleted`. Each renewal invoice becomes a payment of its own, keyed by
// the invoice id (payments.provider_ref is unique per provider), so it is posted to the ledger exactly once
// however often or late its events arrive, and a later refund or dispute of that charge finds it by its payment
// intent like any other payment. Its entitlement row runs to the end of the period the invoice paid for; a
// failed renewal adds none, so access lapses when the paid period ends.
//
// Period end: Stripe documents the service period of a subscription invoice on its line items
// (`lines.data[].period.end`; the invoice's own `period_end` is the previous period's, a known trap). A
// subscription that has ended caps every entitlement at `ended_at`.

/** What a Stripe Billing event asks for; the figures themselves are always re-queried (events can be stale). */
export type BillingSignal =
  | {
      kind: 'invoice';
      invoiceId: string;
      subscriptionRef: string | null;
      /** Our checkout payment id, echoed through the subscription's metadata. */
      paymentId: string | null;
      occurredAt: number;
    }
  | { kind: 'subscription_ended'; subscriptionRef: string; paymentId: string | null; endedAt: number; occurredAt: number };

/** A subscription invoice as Stripe has it now. Amounts in minor units, times in epoch ms. */
export interface InvoiceFigures {
  invoiceId: string;
  paid: boolean;
  /** `subscription_create` for the first invoice (paid by the checkout itself), `subscription_cycle` for renewals. */
  billingReason: string | null;
  subscriptionRef: string | null;
  paymentId: string | null;
  amount: number;
  currency: string;
  fee: number;
  /** The payment intent that paid it (refunds and disputes name it). */
  captureRef: string | null;
  periodEnd: number | null;
  paidAt: number | null;
}

export interface SubscriptionView {
  id: string;
  status: string;
  endedAt: number | null;
}

export const isFirstInvoice = (figures: InvoiceFigures) => figures.billingReason === 'subscription_create';

/** When access paid by this invoice ends: its period end, never past the end of an ended subscription. */
export function entitlementEnd(figures: InvoiceFigures, subscription: SubscriptionView | null): number | null {
  if (figures.periodEnd === null) return null;
  return subscription?.endedAt != null ? Math.min(figures.periodEnd, subscription.endedAt) : figures.periodEnd;
}

/**
 * The payment id of a renewal invoice: derived from the invoice id, so two consumers racing on the same
 * invoice write the same row (and the unique provider_ref keeps it to one either way).
 */
export async function renewalPaymentId(invoiceId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`stripe-invoice:${invoiceId}`)));
  return `pay_${[...digest.slice(0, 12)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
