// Coinbase Commerce charges over plain fetch (the coinbase-commerce-node SDK needs Node's `request` and crypto,
// neither of which exists on Workers). Deliberately thin: Coinbase documents the Charge API as deprecated in
// favour of Payment Links, and this file is the only one that would change.
//   POST /charges, GET /charges/{code}, GET /charges (list) with X-CC-Api-Key and X-CC-Version: 2018-03-22.
//   Webhooks: X-CC-Webhook-Signature = hex HMAC-SHA256(shared secret, raw body).
// Commerce has no refund API for charges (crypto refunds are sent by hand from the dashboard), and charges
// state no processing fee, so captures post a zero fee.

import { errorMessage } from '../../domain/errors';
import type { ProviderMovement } from '../../domain/payments/reconciliation';
import { decimalToMinorUnits, minorUnitsToDecimal, type PaymentSignal, type PaymentState } from '../../domain/payments/types';
import { verifyCoinbaseSignature } from '../../domain/payments/webhook-signatures';
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

export const DEFAULT_COINBASE_API_URL = 'https://api.commerce.coinbase.com';
export const COINBASE_API_VERSION = '2018-03-22';

export interface CoinbaseOptions {
  apiKey: string;
  webhookSecret: string;
  apiUrl?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Clock for the webhook age check (tests move it). */
  now?: () => number;
}

interface Charge {
  id: string;
  code: string;
  hosted_url?: string;
  created_at?: string;
  metadata?: Record<string, string>;
  pricing?: { local?: { amount: string; currency: string } };
  timeline?: { status: string; time?: string }[];
  payments?: { value?: { local?: { amount: string; currency: string } }; status?: string }[];
}

// Charge timeline statuses (Commerce API reference, "Charge resource") → our states.
const TIMELINE_STATE: Record<string, PaymentState> = {
  NEW: 'created',
  PENDING: 'pending',
  COMPLETED: 'captured',
  RESOLVED: 'captured',
  EXPIRED: 'failed',
  CANCELED: 'failed',
  UNRESOLVED: 'pending',
};

const EVENT_STATE: Record<string, PaymentState> = {
  'charge:created': 'created',
  'charge:pending': 'pending',
  'charge:confirmed': 'captured',
  'charge:resolved': 'captured',
  'charge:failed': 'failed',
  'charge:delayed': 'pending',
};

export class CoinbaseProvider implements PaymentProvider {
  readonly name = 'coinbase' as const;
  readonly refundsThroughApi = false;
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: CoinbaseOptions) {
    this.baseUrl = (options.apiUrl ?? DEFAULT_COINBASE_API_URL).replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          'X-CC-Api-Key': this.options.apiKey,
          'X-CC-Version': COINBASE_API_VERSION,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ProviderError('coinbase', 0, 'unreachable', `Coinbase ${method} ${path}: ${errorMessage(error)}`);
    }
    const text = await response.text();
    let json: { data?: unknown; error?: { type?: string; message?: string } } = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: reported below by status
    }
    if (!response.ok) {
      throw new ProviderError(
        'coinbase',
        response.status,
        json.error?.type ?? 'error',
        `Coinbase ${method} ${path}: ${json.error?.message ?? response.status}`,
      );
    }
    return json as T;
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutResult> {
    const { item } = request;
    const { data } = await this.request<{ data: Charge }>('POST', '/charges', {
      name: item.description.slice(0, 100),
      description: item.description.slice(0, 200),
      pricing_type: 'fixed_price',
      local_price: { amount: minorUnitsToDecimal(item.amount, item.currency), currency: item.currency },
      // Commerce has no idempotency header; the key travels in metadata so a duplicate is recognisable later.
      metadata: { paymentId: request.paymentId, idempotencyKey: request.idempotencyKey },
      redirect_url: request.successUrl,
      cancel_url: request.cancelUrl,
    });
    if (!data?.code || !data.hosted_url)
      throw new ProviderError('coinbase', 502, 'bad_response', 'Coinbase charge without code or hosted_url');
    return { providerRef: data.code, checkoutUrl: data.hosted_url };
  }

  async verifyWebhook(rawBody: string, headers: Headers): Promise<VerifiedWebhook> {
    const signature = headers.get('x-cc-webhook-signature');
    if (!signature) throw new WebhookRejected('missing_signature', 'X-CC-Webhook-Signature header missing');
    if (!(await verifyCoinbaseSignature(rawBody, signature, this.options.webhookSecret))) {
      throw new WebhookRejected('bad_signature', 'Coinbase signature invalid');
    }
    let body: { event?: { id?: unknown; type?: unknown; created_at?: unknown } };
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new WebhookRejected('malformed', 'Body is not JSON');
    }
    if (typeof body.event?.id !== 'string' || typeof body.event.type !== 'string')
      throw new WebhookRejected('malformed', 'No event id or type');
    // Coinbase signs the body but puts no timestamp in the signature: the event's own created_at (inside the signed
    // body) is the age check, with Stripe's tolerance, so a captured webhook cannot be replayed later.
    const createdAt = typeof body.event.created_at === 'string' ? Date.parse(body.event.created_at) : Number.NaN;
    if (!Number.isFinite(createdAt)) throw new WebhookRejected('malformed', 'No event created_at');
    if (Math.abs((this.options.now ?? Date.now)() - createdAt) > WEBHOOK_TOLERANCE_SECONDS * 1000) {
      throw new WebhookRejected('stale', `Coinbase event created more than ${WEBHOOK_TOLERANCE_SECONDS} s from now`);
    }
    return { providerEventId: body.event.id, type: body.event.type };
  }

  private chargeSignal(charge: Charge, target: PaymentState, occurredAt: number, paymentId: string | null): PaymentSignal {
    const local = charge.pricing?.local;
    return {
      provider: 'coinbase',
      paymentId: paymentId ?? charge.metadata?.paymentId ?? null,
      providerRef: charge.code,
      target,
      occurredAt,
      ...(target === 'captured' && local
        ? { amount: decimalToMinorUnits(local.amount, local.currency), currency: local.currency, fee: 0, captureRef: charge.code }
        : {}),
    };
  }

  toSignal(rawBody: string): PaymentSignal | null {
    const body = JSON.parse(rawBody) as { event: { type: string; created_at?: string; data: Charge } };
    const target = EVENT_STATE[body.event.type];
    if (!target) return null;
    return this.chargeSignal(body.event.data, target, Date.parse(body.event.created_at ?? '') || Date.now(), null);
  }

  async resolvePaymentId(signal: PaymentSignal): Promise<string | null> {
    return signal.paymentId;
  }

  async fetchPayment(payment: PaymentLookup): Promise<PaymentSignal> {
    if (!payment.providerRef) throw new ProviderError('coinbase', 0, 'no_reference', `payment ${payment.id} has no Coinbase charge`);
    const { data } = await this.request<{ data: Charge }>('GET', `/charges/${encodeURIComponent(payment.providerRef)}`);
    const last = data.timeline?.at(-1);
    const target = TIMELINE_STATE[last?.status ?? 'NEW'] ?? 'pending';
    return this.chargeSignal(data, target, Date.parse(last?.time ?? '') || Date.now(), payment.id);
  }

  async refund(): Promise<{ refundId: string }> {
    throw new ProviderError(
      'coinbase',
      409,
      'refund_not_supported',
      'Coinbase Commerce has no refund API; refund from the Coinbase dashboard',
    );
  }

  async listMovements(fromMs: number, toMs: number): Promise<ProviderMovement[]> {
    const movements: ProviderMovement[] = [];
    let cursor: string | undefined;
    // Newest first; stop paging once charges are older than the window.
    for (let page = 0; page < 100; page += 1) {
      const query = new URLSearchParams({ limit: '100', order: 'desc', ...(cursor ? { starting_after: cursor } : {}) });
      const result = await this.request<{ data: Charge[]; pagination?: { next_uri?: string | null } }>('GET', `/charges?${query}`);
      let older = false;
      for (const charge of result.data ?? []) {
        const completed = charge.timeline?.find((entry) => entry.status === 'COMPLETED' || entry.status === 'RESOLVED');
        const created = Date.parse(charge.created_at ?? '');
        if (created < fromMs) older = true;
        const at = Date.parse(completed?.time ?? '');
        if (!completed || !(at >= fromMs && at < toMs) || !charge.pricing?.local) continue;
        const local = charge.pricing.local;
        movements.push({
          provider: 'coinbase',
          kind: 'charge',
          reference: charge.code,
          amount: decimalToMinorUnits(local.amount, local.currency),
          currency: local.currency,
          fee: 0,
          occurredAt: at,
        });
      }
      cursor = result.data?.at(-1)?.id;
      if (older || !result.pagination?.next_uri || !cursor) break;
    }
    return movements;
  }
}
