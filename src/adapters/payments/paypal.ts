// PayPal through the official @paypal/paypal-server-sdk (Orders v2: create → buyer approval → capture;
// refunds; transaction search for reconciliation). The SDK is generated over axios and knows only PayPal's two
// fixed base URLs, so it is given a small axios adapter (its documented `unstable_httpClientOptions`, passed to
// axios.create) that performs each request with fetch, the one HTTP client Workers have, and rewrites the
// origin when PAYPAL_API_URL names another one (tests: the local contract server). With this adapter the SDK
// runs inside workerd (test/integration/payments-paypal.test.ts drives it there).
//
// The SDK has no webhook verification helper, so webhooks are verified offline: SHA256withRSA over
// `transmissionId|transmissionTime|webhookId|crc32(rawBody)` with the certificate named by PAYPAL-CERT-URL,
// fetched only from an allowed PayPal host and cached per isolate.
import {
  CheckoutPaymentIntent,
  Client,
  Environment,
  OrdersController,
  PaymentsController,
  TransactionSearchController,
} from '@paypal/paypal-server-sdk';
import { errorMessage } from '../../domain/errors';
import type { ProviderMovement } from '../../domain/payments/reconciliation';
import { decimalToMinorUnits, minorUnitsToDecimal, type PaymentSignal, type PaymentState } from '../../domain/payments/types';
import {
  importPaypalCertificate,
  isAllowedCertUrl,
  paypalSignedMessage,
  verifyPaypalSignature,
} from '../../domain/payments/webhook-signatures';
import {
  type CheckoutRequest,
  type CheckoutResult,
  type FetchLike,
  type PaymentLookup,
  type PaymentProvider,
  ProviderError,
  type VerifiedWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookRejected,
} from './provider';

export const PAYPAL_CERT_HOSTS_DEFAULT = ['api.paypal.com', 'api.sandbox.paypal.com'];

export interface PaypalOptions {
  clientId: string;
  clientSecret: string;
  webhookId: string;
  environment?: 'sandbox' | 'production';
  /** Another origin for every SDK call (a local contract server); unset → PayPal's own for the environment. */
  apiUrl?: string;
  certHosts?: readonly string[];
  fetch?: FetchLike;
  timeoutMs?: number;
}

interface AxiosLikeConfig {
  url?: string;
  method?: string;
  headers?: Record<string, unknown> & { toJSON?: () => Record<string, unknown> };
  data?: unknown;
  auth?: { username: string; password: string };
  params?: Record<string, unknown>;
  timeout?: number;
}

/** An axios adapter performing the request with fetch; `origin` replaces the SDK's fixed PayPal origin. */
export function fetchAxiosAdapter(fetchImpl: FetchLike, origin?: string) {
  return async (config: AxiosLikeConfig) => {
    const url = new URL(config.url ?? '/');
    if (origin) {
      const target = new URL(origin);
      url.protocol = target.protocol;
      url.host = target.host;
    }
    for (const [key, value] of Object.entries(config.params ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers = new Headers();
    const raw = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : (config.headers ?? {});
    for (const [key, value] of Object.entries(raw))
      if (value !== undefined && value !== null && value !== false) headers.set(key, String(value));
    if (config.auth) headers.set('Authorization', `Basic ${btoa(`${config.auth.username}:${config.auth.password}`)}`);
    const method = (config.method ?? 'get').toUpperCase();
    const response = await fetchImpl(url.toString(), {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' || config.data === undefined ? undefined : (config.data as BodyInit),
      signal: config.timeout ? AbortSignal.timeout(config.timeout) : undefined,
    });
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    return {
      data: await response.text(),
      status: response.status,
      statusText: response.statusText,
      headers: responseHeaders,
      config,
      request: {},
    };
  };
}

// Certificates by URL, per isolate: PayPal rotates them rarely and every webhook names one.
const certificateCache = new Map<string, Promise<CryptoKey>>();

const money = (value: { value?: string; currencyCode?: string } | undefined, fallbackCurrency: string) =>
  value?.value ? decimalToMinorUnits(value.value, value.currencyCode ?? fallbackCurrency) : 0;

export class PaypalProvider implements PaymentProvider {
  readonly name = 'paypal' as const;
  readonly refundsThroughApi = true;
  readonly client: Client;
  private readonly orders: OrdersController;
  private readonly payments: PaymentsController;
  private readonly search: TransactionSearchController;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: PaypalOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.client = new Client({
      clientCredentialsAuthCredentials: { oAuthClientId: options.clientId, oAuthClientSecret: options.clientSecret },
      environment: options.environment === 'production' ? Environment.Production : Environment.Sandbox,
      timeout: options.timeoutMs ?? 10_000,
      unstable_httpClientOptions: { adapter: fetchAxiosAdapter(this.fetchImpl, options.apiUrl) },
    });
    this.orders = new OrdersController(this.client);
    this.payments = new PaymentsController(this.client);
    this.search = new TransactionSearchController(this.client);
  }

  private async call<T>(what: string, run: () => Promise<{ result: T }>): Promise<T> {
    try {
      return (await run()).result;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 0;
      const body = (error as { result?: { name?: string; details?: { issue?: string }[] } }).result;
      const code = body?.details?.[0]?.issue ?? body?.name ?? (status ? 'error' : 'unreachable');
      throw new ProviderError('paypal', status, code, `PayPal ${what}: ${errorMessage(error)}`);
    }
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutResult> {
    const { item } = request;
    const order = await this.call('create order', () =>
      this.orders.createOrder({
        paypalRequestId: request.idempotencyKey,
        prefer: 'return=minimal',
        body: {
          intent: CheckoutPaymentIntent.Capture,
          purchaseUnits: [
            {
              referenceId: request.paymentId,
              customId: request.paymentId,
              description: item.description.slice(0, 127),
              amount: { currencyCode: item.currency, value: minorUnitsToDecimal(item.amount, item.currency) },
            },
          ],
          paymentSource: {
            paypal: { experienceContext: { returnUrl: request.successUrl, cancelUrl: request.cancelUrl, userAction: 'PAY_NOW' as never } },
          },
        },
      }),
    );
    const approve = order.links?.find((link) => link.rel === 'payer-action' || link.rel === 'approve');
    if (!order.id || !approve) throw new ProviderError('paypal', 502, 'no_approval_link', 'PayPal order has no approval link');
    return { providerRef: order.id, checkoutUrl: approve.href };
  }

  /** Captures an approved order; only a COMPLETED capture of the whole amount counts as captured. */
  async captureOrder(orderId: string, idempotencyKey: string): Promise<PaymentSignal> {
    const order = await this.call('capture order', () =>
      this.orders.captureOrder({ id: orderId, paypalRequestId: idempotencyKey, prefer: 'return=representation' }),
    );
    return this.orderSignal(order, null);
  }

  private orderSignal(order: Awaited<ReturnType<OrdersController['getOrder']>>['result'], paymentId: string | null): PaymentSignal {
    const unit = order.purchaseUnits?.[0];
    const capture = unit?.payments?.captures?.[0];
    const currency = capture?.amount?.currencyCode ?? unit?.amount?.currencyCode ?? 'USD';
    const refunds = unit?.payments?.refunds ?? [];
    const refundedTotal = refunds
      .filter((refund) => refund.status === 'COMPLETED')
      .reduce((sum, refund) => sum + money(refund.amount, currency), 0);
    let target: PaymentState = 'pending';
    if (order.status === 'APPROVED') target = 'authorized';
    if (order.status === 'VOIDED') target = 'failed';
    if (capture?.status === 'COMPLETED' || capture?.status === 'REFUNDED' || capture?.status === 'PARTIALLY_REFUNDED') target = 'captured';
    if (capture?.status === 'DECLINED' || capture?.status === 'FAILED') target = 'failed';
    if (capture?.status === 'PENDING') target = 'pending';
    if (target === 'captured' && refundedTotal > 0) target = 'refunded';
    const captured = target === 'captured' || target === 'refunded';
    return {
      provider: 'paypal',
      paymentId: paymentId ?? capture?.customId ?? unit?.customId ?? null,
      providerRef: order.id ?? null,
      target,
      occurredAt: Date.parse(capture?.updateTime ?? order.updateTime ?? order.createTime ?? '') || Date.now(),
      ...(captured
        ? {
            amount: money(capture?.amount, currency),
            currency,
            fee: money(capture?.sellerReceivableBreakdown?.paypalFee, currency),
            captureRef: capture?.id,
            refundedTotal,
          }
        : {}),
    };
  }

  async verifyWebhook(rawBody: string, headers: Headers, nowMs: number): Promise<VerifiedWebhook> {
    const transmissionId = headers.get('paypal-transmission-id');
    const transmissionTime = headers.get('paypal-transmission-time');
    const signature = headers.get('paypal-transmission-sig');
    const certUrl = headers.get('paypal-cert-url');
    const algorithm = headers.get('paypal-auth-algo');
    if (!transmissionId || !transmissionTime || !signature || !certUrl) {
      throw new WebhookRejected('missing_signature', 'PayPal transmission headers missing');
    }
    if (algorithm && algorithm !== 'SHA256withRSA') throw new WebhookRejected('bad_signature', `Unsupported algorithm ${algorithm}`);
    const sentAt = Date.parse(transmissionTime);
    if (!Number.isFinite(sentAt) || Math.abs(nowMs - sentAt) > WEBHOOK_TOLERANCE_SECONDS * 1000) {
      throw new WebhookRejected('stale', 'PayPal transmission time outside the 5-minute window');
    }
    if (!isAllowedCertUrl(certUrl, this.options.certHosts ?? PAYPAL_CERT_HOSTS_DEFAULT)) {
      throw new WebhookRejected('bad_certificate', 'PAYPAL-CERT-URL is not on an allowed PayPal host');
    }
    const key = await this.certificate(certUrl, nowMs);
    const message = paypalSignedMessage(transmissionId, transmissionTime, this.options.webhookId, rawBody);
    if (!(await verifyPaypalSignature(key, message, signature))) throw new WebhookRejected('bad_signature', 'PayPal signature invalid');
    let event: { id?: unknown; event_type?: unknown };
    try {
      event = JSON.parse(rawBody);
    } catch {
      throw new WebhookRejected('malformed', 'Body is not JSON');
    }
    if (typeof event.id !== 'string' || typeof event.event_type !== 'string') throw new WebhookRejected('malformed', 'No event id or type');
    return { providerEventId: event.id, type: event.event_type };
  }

  private certificate(url: string, nowMs: number): Promise<CryptoKey> {
    let cached = certificateCache.get(url);
    if (!cached) {
      cached = (async () => {
        const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`certificate fetch answered ${response.status}`);
        return importPaypalCertificate(await response.text(), nowMs);
      })();
      certificateCache.set(url, cached);
      // A failed fetch is not cached: the next webhook tries again.
      cached.catch(() => certificateCache.delete(url));
    }
    return cached.catch((error) => {
      throw new WebhookRejected('bad_certificate', `PayPal certificate unusable: ${errorMessage(error)}`);
    });
  }

  toSignal(rawBody: string): PaymentSignal | null {
    const event = JSON.parse(rawBody) as { event_type: string; create_time?: string; resource: Record<string, any> };
    const resource = event.resource ?? {};
    const occurredAt = Date.parse(event.create_time ?? '') || Date.now();
    const base = { provider: 'paypal' as const, occurredAt };
    const currencyOf = (amount: { currency_code?: string } | undefined) => amount?.currency_code ?? 'USD';
    const minor = (amount: { value?: string; currency_code?: string } | undefined) =>
      amount?.value ? decimalToMinorUnits(amount.value, currencyOf(amount)) : 0;
    switch (event.event_type) {
      case 'CHECKOUT.ORDER.APPROVED':
        return {
          ...base,
          paymentId: resource.purchase_units?.[0]?.custom_id ?? null,
          providerRef: resource.id ?? null,
          target: 'authorized',
        };
      case 'PAYMENT.CAPTURE.COMPLETED':
      case 'PAYMENT.CAPTURE.PENDING':
      case 'PAYMENT.CAPTURE.DENIED':
      case 'PAYMENT.CAPTURE.DECLINED': {
        const target: PaymentState =
          event.event_type === 'PAYMENT.CAPTURE.COMPLETED'
            ? 'captured'
            : event.event_type === 'PAYMENT.CAPTURE.PENDING'
              ? 'pending'
              : 'failed';
        return {
          ...base,
          paymentId: resource.custom_id ?? null,
          providerRef: resource.supplementary_data?.related_ids?.order_id ?? null,
          target,
          captureRef: resource.id,
          ...(target === 'captured'
            ? {
                amount: minor(resource.amount),
                currency: currencyOf(resource.amount),
                fee: minor(resource.seller_receivable_breakdown?.paypal_fee),
              }
            : {}),
        };
      }
      case 'PAYMENT.CAPTURE.REFUNDED': {
        // The refund resource carries the cumulative refunded amount of its capture.
        const total = resource.seller_payable_breakdown?.total_refunded_amount ?? resource.amount;
        const captureLink = (resource.links ?? []).find((link: { rel?: string }) => link.rel === 'up')?.href as string | undefined;
        return {
          ...base,
          paymentId: resource.custom_id ?? null,
          providerRef: null,
          captureRef: captureLink?.split('/').pop(),
          target: 'refunded',
          refundedTotal: minor(total),
        };
      }
      case 'CUSTOMER.DISPUTE.CREATED':
      case 'CUSTOMER.DISPUTE.RESOLVED': {
        const transaction = resource.disputed_transactions?.[0] ?? {};
        // Customer Disputes v1 dispute_outcome.outcome_code: the seller keeps the money when the dispute is
        // resolved in its favour, denied or canceled by the buyer; any other outcome refunds the buyer.
        const outcome = String(resource.dispute_outcome?.outcome_code ?? '');
        const status =
          event.event_type === 'CUSTOMER.DISPUTE.CREATED'
            ? ('open' as const)
            : ['RESOLVED_SELLER_FAVOUR', 'CANCELED_BY_BUYER', 'DENIED'].includes(outcome)
              ? ('won' as const)
              : ['RESOLVED_BUYER_FAVOUR', 'RESOLVED_WITH_PAYOUT', 'ACCEPTED'].includes(outcome)
                ? ('lost' as const)
                : null;
        if (!status) return null;
        return {
          ...base,
          paymentId: transaction.custom ?? null,
          providerRef: null,
          captureRef: transaction.seller_transaction_id,
          target: status === 'won' ? 'captured' : 'disputed',
          disputedAmount: minor(resource.dispute_amount),
          disputeStatus: status,
        };
      }
      default:
        return null;
    }
  }

  async resolvePaymentId(signal: PaymentSignal): Promise<string | null> {
    if (signal.paymentId) return signal.paymentId;
    if (!signal.captureRef) return null;
    const capture = await this.call('get capture', () => this.payments.getCapturedPayment({ captureId: signal.captureRef as string }));
    return capture.customId ?? null;
  }

  async fetchPayment(payment: PaymentLookup): Promise<PaymentSignal> {
    if (!payment.providerRef) throw new ProviderError('paypal', 0, 'no_reference', `payment ${payment.id} has no PayPal order`);
    const order = await this.call('get order', () => this.orders.getOrder({ id: payment.providerRef as string }));
    return this.orderSignal(order, payment.id);
  }

  async refund(payment: PaymentLookup, amount: number, idempotencyKey: string): Promise<{ refundId: string }> {
    if (!payment.captureRef) throw new ProviderError('paypal', 409, 'not_captured', 'Nothing captured to refund');
    const refund = await this.call('refund capture', () =>
      this.payments.refundCapturedPayment({
        captureId: payment.captureRef as string,
        paypalRequestId: idempotencyKey,
        prefer: 'return=representation',
        body: { amount: { currencyCode: payment.currency, value: minorUnitsToDecimal(amount, payment.currency) } },
      }),
    );
    if (!refund.id) throw new ProviderError('paypal', 502, 'no_refund_id', 'PayPal refund without id');
    return { refundId: refund.id };
  }

  async listMovements(fromMs: number, toMs: number): Promise<ProviderMovement[]> {
    const movements: ProviderMovement[] = [];
    // PayPal's transaction search: at most 31 days per call, 500 per page; T0006 = checkout payment, T1107 = refund.
    for (let page = 1; page <= 50; page += 1) {
      const result = await this.call('search transactions', () =>
        this.search.searchTransactions({
          startDate: new Date(fromMs).toISOString(),
          endDate: new Date(toMs).toISOString(),
          pageSize: 500,
          page,
          fields: 'transaction_info',
        }),
      );
      for (const detail of result.transactionDetails ?? []) {
        const info = detail.transactionInfo;
        if (!info?.transactionId || !info.transactionAmount) continue;
        const currency = info.transactionAmount.currencyCode;
        const kind = info.transactionEventCode === 'T1107' ? 'refund' : info.transactionEventCode?.startsWith('T00') ? 'charge' : null;
        if (!kind) continue;
        movements.push({
          provider: 'paypal',
          kind,
          reference: kind === 'refund' ? (info.paypalReferenceId ?? info.transactionId) : info.transactionId,
          amount: Math.abs(decimalToMinorUnits(info.transactionAmount.value, currency)),
          currency,
          fee: kind === 'charge' ? Math.abs(info.feeAmount ? decimalToMinorUnits(info.feeAmount.value, currency) : 0) : 0,
          occurredAt: Date.parse(info.transactionInitiationDate ?? '') || fromMs,
        });
      }
      if ((result.totalPages ?? 1) <= page) break;
    }
    return movements;
  }
}
