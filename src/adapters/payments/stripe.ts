// Stripe through the official `stripe` package: Checkout Sessions (one-off payments, and monthly
// subscriptions through Stripe Billing), refunds, balance transactions for reconciliation, and webhook
// verification with constructEventAsync over SubtleCrypto (the Node crypto path does not exist on Workers).
// The SDK uses its fetch HTTP client here; `host/port/protocol` point it at STRIPE_API_URL (tests: a local
// contract server). Every create carries an Idempotency-Key.
import Stripe from 'stripe';
import { errorMessage } from '../../domain/errors';
import type { ProviderMovement } from '../../domain/payments/reconciliation';
import type { BillingSignal, InvoiceFigures, SubscriptionView } from '../../domain/payments/subscriptions';
import type { PaymentSignal, PaymentState } from '../../domain/payments/types';
import {
  type CheckoutRequest,
  type CheckoutResult,
  type FetchLike,
  type PaymentLookup,
  type PaymentProvider,
  ProviderError,
  type RecurringBilling,
  type VerifiedWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookRejected,
} from './provider';

export const DEFAULT_STRIPE_API_URL = 'https://api.stripe.com';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  apiUrl?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

type Expandable<T> = string | T | null | undefined;
const idOf = (value: Expandable<{ id: string }>) => (typeof value === 'string' ? value : (value?.id ?? null));

/** Dispute fees from a dispute's balance transactions: withdrawn (positive fees) and given back (negative). */
function disputeFees(object: Record<string, any>): { withdrawn: number; returned: number } {
  const fees = ((object.balance_transactions ?? []) as { fee?: number }[]).map((tx) => tx.fee ?? 0);
  return {
    withdrawn: fees.filter((fee) => fee > 0).reduce((sum, fee) => sum + fee, 0),
    returned: -fees.filter((fee) => fee < 0).reduce((sum, fee) => sum + fee, 0),
  };
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly refundsThroughApi = true;
  readonly client: Stripe;
  readonly billing: RecurringBilling = {
    toBillingSignal: (rawBody) => this.toBillingSignal(rawBody),
    fetchInvoice: (invoiceId) => this.fetchInvoice(invoiceId),
    fetchSubscription: (subscriptionId) => this.fetchSubscription(subscriptionId),
  };
  private readonly webhookSecret: string;

  constructor(options: StripeOptions) {
    const url = new URL(options.apiUrl ?? DEFAULT_STRIPE_API_URL);
    this.webhookSecret = options.webhookSecret;
    this.client = new Stripe(options.secretKey, {
      httpClient: Stripe.createFetchHttpClient(options.fetch as typeof fetch | undefined),
      host: url.hostname,
      port: url.port || (url.protocol === 'http:' ? 80 : 443),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
      // Retries reuse the same Idempotency-Key, so a retried create never creates twice.
      maxNetworkRetries: 1,
      timeout: options.timeoutMs ?? 10_000,
    });
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeError) {
        throw new ProviderError('stripe', error.statusCode ?? 0, error.code ?? error.type, `Stripe ${what}: ${error.message}`);
      }
      throw new ProviderError('stripe', 0, 'unreachable', `Stripe ${what}: ${errorMessage(error)}`);
    }
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutResult> {
    const { item } = request;
    const subscription = item.kind === 'subscription';
    const metadata = { paymentId: request.paymentId, kind: item.kind };
    const session = await this.call('create checkout session', () =>
      this.client.checkout.sessions.create(
        {
          mode: subscription ? 'subscription' : 'payment',
          client_reference_id: request.paymentId,
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          metadata,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: item.currency.toLowerCase(),
                unit_amount: item.amount,
                product_data: { name: item.description },
                ...(subscription ? { recurring: { interval: 'month' as const } } : {}),
              },
            },
          ],
          ...(subscription ? { subscription_data: { metadata } } : { payment_intent_data: { metadata } }),
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    if (!session.url) throw new ProviderError('stripe', 502, 'no_url', 'Stripe returned a session without a URL');
    return { providerRef: session.id, checkoutUrl: session.url };
  }

  async verifyWebhook(rawBody: string, headers: Headers, nowMs: number): Promise<VerifiedWebhook> {
    const signature = headers.get('stripe-signature');
    if (!signature) throw new WebhookRejected('missing_signature', 'Stripe-Signature header missing');
    // constructEventAsync checks the v1 HMAC and rejects timestamps older than the tolerance; a timestamp from the
    // future is refused here too, since a replay window must not be extended by a forged clock.
    const timestamp = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
    if (Number.isFinite(timestamp) && timestamp * 1000 > nowMs + WEBHOOK_TOLERANCE_SECONDS * 1000) {
      throw new WebhookRejected('stale', 'Stripe signature timestamp is in the future');
    }
    try {
      const event = await this.client.webhooks.constructEventAsync(
        rawBody,
        signature,
        this.webhookSecret,
        WEBHOOK_TOLERANCE_SECONDS,
        Stripe.createSubtleCryptoProvider(),
        nowMs,
      );
      return { providerEventId: event.id, type: event.type };
    } catch (error) {
      const message = errorMessage(error);
      const stale = /tolerance/i.test(message);
      throw new WebhookRejected(stale ? 'stale' : 'bad_signature', stale ? 'Stripe signature too old' : 'Stripe signature invalid');
    }
  }

  toSignal(rawBody: string): PaymentSignal | null {
    const event = JSON.parse(rawBody) as { type: string; created: number; data: { object: Record<string, any> } };
    const object = event.data.object;
    const occurredAt = event.created * 1000;
    const base = { provider: 'stripe' as const, occurredAt };
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        const target: PaymentState =
          event.type === 'checkout.session.async_payment_failed' || event.type === 'checkout.session.expired'
            ? 'failed'
            : object.payment_status === 'paid'
              ? 'captured'
              : 'pending';
        // The session names no fee: a capture is re-queried (planTransition asks for it) to read the balance transaction.
        return {
          ...base,
          paymentId: object.metadata?.paymentId ?? object.client_reference_id ?? null,
          providerRef: object.id,
          target,
          currency: String(object.currency ?? '').toUpperCase() || undefined,
          captureRef: idOf(object.payment_intent) ?? undefined,
          subscriptionRef: idOf(object.subscription) ?? undefined,
        };
      }
      case 'charge.refunded':
        return {
          ...base,
          paymentId: object.metadata?.paymentId ?? null,
          providerRef: null,
          captureRef: idOf(object.payment_intent) ?? undefined,
          target: 'refunded',
          refundedTotal: object.amount_refunded,
        };
      case 'charge.dispute.created':
      case 'charge.dispute.funds_withdrawn':
      case 'charge.dispute.closed': {
        // Inquiries ("warning_*" statuses) move no money; Stripe opens a real dispute if the bank escalates.
        if (String(object.status ?? '').startsWith('warning_')) return null;
        const fees = disputeFees(object);
        const status = event.type === 'charge.dispute.closed' ? object.status : 'open';
        if (event.type === 'charge.dispute.closed' && status !== 'won' && status !== 'lost') return null;
        return {
          ...base,
          paymentId: object.metadata?.paymentId ?? null,
          providerRef: null,
          captureRef: idOf(object.payment_intent) ?? undefined,
          target: status === 'won' ? 'captured' : 'disputed',
          disputedAmount: object.amount,
          disputeFee: fees.withdrawn,
          disputeStatus: status,
          ...(status === 'won' ? { disputeFeeReturned: fees.returned } : {}),
        };
      }
      default:
        return null;
    }
  }

  async resolvePaymentId(signal: PaymentSignal): Promise<string | null> {
    if (signal.paymentId) return signal.paymentId;
    if (!signal.captureRef) return null;
    const intent = await this.call('retrieve payment intent', () => this.client.paymentIntents.retrieve(signal.captureRef as string));
    return intent.metadata?.paymentId ?? null;
  }

  async fetchPayment(payment: PaymentLookup): Promise<PaymentSignal> {
    if (!payment.providerRef) throw new ProviderError('stripe', 0, 'no_reference', `payment ${payment.id} has no Stripe session`);
    // A subscription renewal's payment is its invoice (domain/payments/subscriptions.ts).
    if (payment.providerRef.startsWith('in_')) {
      const figures = await this.fetchInvoice(payment.providerRef);
      return {
        provider: 'stripe',
        paymentId: payment.id,
        providerRef: figures.invoiceId,
        target: figures.paid ? 'captured' : 'failed',
        occurredAt: figures.paidAt ?? Date.now(),
        ...(figures.paid ? { amount: figures.amount, currency: figures.currency, fee: figures.fee } : {}),
        captureRef: figures.captureRef ?? undefined,
        subscriptionRef: figures.subscriptionRef ?? undefined,
        ...(figures.periodEnd !== null ? { periodEnd: figures.periodEnd } : {}),
      };
    }
    const session = await this.call('retrieve checkout session', () =>
      this.client.checkout.sessions.retrieve(payment.providerRef as string, {
        expand: ['payment_intent.latest_charge.balance_transaction'],
      }),
    );
    // A subscription checkout is paid by the subscription's first invoice, not a session payment intent.
    const invoiceId = idOf(session.invoice as Expandable<{ id: string }>);
    if (session.mode === 'subscription' && session.payment_status === 'paid' && invoiceId) {
      const figures = await this.fetchInvoice(invoiceId);
      return {
        provider: 'stripe',
        paymentId: payment.id,
        providerRef: session.id,
        target: 'captured',
        occurredAt: (session.created ?? 0) * 1000,
        amount: figures.amount,
        currency: figures.currency,
        fee: figures.fee,
        captureRef: figures.captureRef ?? undefined,
        subscriptionRef: idOf(session.subscription) ?? undefined,
        ...(figures.periodEnd !== null ? { periodEnd: figures.periodEnd } : {}),
      };
    }
    const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const charge = intent && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
    const balance = charge && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
    const paid = session.payment_status === 'paid';
    let target: PaymentState = session.status === 'expired' ? 'failed' : paid ? 'captured' : 'pending';
    if (paid && charge?.disputed) target = 'disputed';
    else if (paid && (charge?.amount_refunded ?? 0) > 0) target = 'refunded';
    return {
      provider: 'stripe',
      paymentId: payment.id,
      providerRef: session.id,
      target,
      occurredAt: (session.created ?? 0) * 1000,
      ...(paid
        ? {
            amount: session.amount_total ?? 0,
            currency: (session.currency ?? payment.currency).toUpperCase(),
            fee: balance?.fee ?? 0,
            captureRef: intent?.id ?? idOf(session.subscription) ?? undefined,
            refundedTotal: charge?.amount_refunded ?? 0,
          }
        : {}),
      subscriptionRef: idOf(session.subscription) ?? undefined,
    };
  }

  toBillingSignal(rawBody: string): BillingSignal | null {
    const event = JSON.parse(rawBody) as { type: string; created: number; data: { object: Record<string, any> } };
    const object = event.data.object;
    const occurredAt = event.created * 1000;
    switch (event.type) {
      case 'invoice.paid':
      case 'invoice.payment_failed': {
        // Since API 2025-03-31 the subscription is under parent.subscription_details (was invoice.subscription).
        const details = object.parent?.subscription_details ?? null;
        const subscriptionRef = idOf(details?.subscription ?? object.subscription);
        if (!subscriptionRef) return null;
        return { kind: 'invoice', invoiceId: object.id, subscriptionRef, paymentId: details?.metadata?.paymentId ?? null, occurredAt };
      }
      case 'customer.subscription.deleted':
        return {
          kind: 'subscription_ended',
          subscriptionRef: object.id,
          paymentId: object.metadata?.paymentId ?? null,
          endedAt: (object.ended_at ?? event.created) * 1000,
          occurredAt,
        };
      default:
        return null;
    }
  }

  async fetchInvoice(invoiceId: string): Promise<InvoiceFigures> {
    // `payments` is includable only on request; the paying intent's charge carries the fee (two calls, as
    // expand stops at four levels).
    const invoice = await this.call('retrieve invoice', () => this.client.invoices.retrieve(invoiceId, { expand: ['payments'] }));
    const paying =
      invoice.payments?.data.find((entry) => entry.status === 'paid' && entry.is_default) ??
      invoice.payments?.data.find((entry) => entry.status === 'paid');
    const intentId = idOf(paying?.payment.payment_intent as Expandable<{ id: string }>);
    let fee = 0;
    if (intentId) {
      const intent = await this.call('retrieve payment intent', () =>
        this.client.paymentIntents.retrieve(intentId, { expand: ['latest_charge.balance_transaction'] }),
      );
      const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
      const balance = charge && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
      fee = balance?.fee ?? 0;
    }
    const details = invoice.parent?.subscription_details ?? null;
    const periodEnds = invoice.lines.data.map((line) => line.period?.end).filter((end): end is number => typeof end === 'number');
    return {
      invoiceId: invoice.id as string,
      paid: invoice.status === 'paid',
      billingReason: invoice.billing_reason ?? null,
      subscriptionRef: idOf(details?.subscription),
      paymentId: details?.metadata?.paymentId ?? null,
      amount: invoice.amount_paid,
      currency: invoice.currency.toUpperCase(),
      fee,
      captureRef: intentId,
      periodEnd: periodEnds.length > 0 ? Math.max(...periodEnds) * 1000 : null,
      paidAt: invoice.status_transitions?.paid_at ? invoice.status_transitions.paid_at * 1000 : null,
    };
  }

  async fetchSubscription(subscriptionId: string): Promise<SubscriptionView> {
    const subscription = await this.call('retrieve subscription', () => this.client.subscriptions.retrieve(subscriptionId));
    return { id: subscription.id, status: subscription.status, endedAt: subscription.ended_at ? subscription.ended_at * 1000 : null };
  }

  async refund(payment: PaymentLookup, amount: number, idempotencyKey: string): Promise<{ refundId: string }> {
    if (!payment.captureRef) throw new ProviderError('stripe', 409, 'not_captured', 'Nothing captured to refund');
    const refund = await this.call('create refund', () =>
      this.client.refunds.create(
        { payment_intent: payment.captureRef as string, amount, metadata: { paymentId: payment.id } },
        { idempotencyKey },
      ),
    );
    return { refundId: refund.id };
  }

  async listMovements(fromMs: number, toMs: number): Promise<ProviderMovement[]> {
    const movements: ProviderMovement[] = [];
    const list = this.client.balanceTransactions.list({
      created: { gte: Math.floor(fromMs / 1000), lt: Math.ceil(toMs / 1000) },
      limit: 100,
      expand: ['data.source'],
    });
    await this.call('list balance transactions', () =>
      list.autoPagingEach((tx) => {
        const source = typeof tx.source === 'object' && tx.source ? (tx.source as unknown as Record<string, unknown>) : null;
        const reference = idOf(source?.payment_intent as Expandable<{ id: string }>);
        if (!reference) return;
        const kind = tx.type === 'charge' || tx.type === 'payment' ? 'charge' : tx.type === 'refund' ? 'refund' : null;
        if (!kind) return;
        movements.push({
          provider: 'stripe',
          kind,
          reference,
          amount: Math.abs(tx.amount),
          currency: tx.currency.toUpperCase(),
          fee: kind === 'charge' ? tx.fee : 0,
          occurredAt: tx.created * 1000,
        });
      }),
    );
    return movements;
  }
}
