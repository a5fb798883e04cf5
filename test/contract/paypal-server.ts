// A local stand-in for the PayPal REST API, holding to what PayPal documents (developer.paypal.com/api/rest):
// - OAuth 2.0 client credentials: POST /v1/oauth2/token, `Authorization: Basic base64(client_id:secret)`,
//   form body `grant_type=client_credentials` → { access_token, token_type: "Bearer", expires_in, … };
//   every other call needs `Authorization: Bearer <that token>` (401 AUTHENTICATION_FAILURE otherwise);
// - Orders v2 JSON: POST /v2/checkout/orders (intent CAPTURE, purchase_units[].amount {currency_code, value as a
//   decimal string}, payment_source.paypal.experience_context return/cancel URLs) → PAYER_ACTION_REQUIRED with a
//   `payer-action` link; POST /v2/checkout/orders/{id}/capture only once APPROVED (422 ORDER_NOT_APPROVED);
//   GET /v2/checkout/orders/{id}; GET /v2/payments/captures/{id}; POST /v2/payments/captures/{id}/refund;
// - `PayPal-Request-Id` idempotency on creates, captures and refunds: a repeat answers the first response;
// - GET /v1/reporting/transactions (T0006 payments, T1107 refunds) for reconciliation;
// - webhooks: the contract serves a test certificate at /certs/webhook.pem and signs event bodies with its key:
//   SHA256withRSA over `transmissionId|transmissionTime|webhookId|crc32(body)`.
import { crc32 } from '../../src/domain/payments/webhook-signatures';
import { type RecordedCall, randomId } from './fetch-server';
import { PAYPAL_TEST_CERTIFICATE_PEM, PAYPAL_TEST_PRIVATE_KEY_PEM } from './paypal-test-certificate';

export interface PaypalContractOptions {
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** The origin clients see (cert URLs and links point here). */
  origin: string;
  /** Where an order's payer-action link points (a local approval page); default PayPal's sandbox checkoutnow. */
  approvalPageUrl?: (orderId: string) => string;
}

type Obj = Record<string, any>;
const DECIMAL = /^\d{1,10}(\.\d{2})?$/;
const money = (currency: string, cents: number) => ({ currency_code: currency, value: (cents / 100).toFixed(2) });
const cents = (value: string) => Math.round(Number(value) * 100);

export class PaypalContract {
  readonly calls: RecordedCall[] = [];
  readonly orders = new Map<string, Obj>();
  readonly captures = new Map<string, { capture: Obj; orderId: string }>();
  readonly tokensIssued: string[] = [];
  readonly transactions: Obj[] = [];
  /** Where the buyer goes after approving or cancelling each order (the order resource does not show it). */
  readonly experience = new Map<string, { returnUrl: string; cancelUrl: string }>();
  private readonly idempotency = new Map<string, { status: number; body: Obj }>();
  /** Fee PayPal keeps on the next captures, in cents. */
  captureFee = 59;

  constructor(readonly options: PaypalContractOptions) {}

  get certUrl() {
    return `${this.options.origin}/certs/webhook.pem`;
  }

  private fail(status: number, name: string, message: string, issue?: string): Response {
    return Response.json(
      { name, message, debug_id: randomId('', 13), ...(issue ? { details: [{ issue, description: message }] } : {}) },
      { status },
    );
  }

  handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : new TextDecoder().decode(await request.arrayBuffer());
    const headers = Object.fromEntries(request.headers);
    let body: unknown = text;
    if ((request.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    this.calls.push({ method: request.method, path: url.pathname + url.search, headers, body });

    if (url.pathname === '/certs/webhook.pem')
      return new Response(PAYPAL_TEST_CERTIFICATE_PEM, { headers: { 'Content-Type': 'application/x-pem-file' } });
    if (request.method === 'POST' && url.pathname === '/v1/oauth2/token') return this.token(request, text);

    const bearer = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    if (!bearer || !this.tokensIssued.includes(bearer))
      return this.fail(401, 'AUTHENTICATION_FAILURE', 'Authentication failed due to invalid authentication credentials');

    const requestId = request.headers.get('paypal-request-id');
    if (request.method === 'POST') {
      if (!(request.headers.get('content-type') ?? '').includes('application/json'))
        return this.fail(415, 'UNSUPPORTED_MEDIA_TYPE', 'JSON only');
      if (!requestId) return this.fail(400, 'INVALID_REQUEST', 'PayPal-Request-Id required', 'MISSING_REQUEST_ID');
      const seen = this.idempotency.get(`${url.pathname}|${requestId}`);
      if (seen) return Response.json(seen.body, { status: seen.status });
      const response = this.route(request.method, url, body as Obj);
      // Only completed requests are remembered: a capture refused before approval may be retried with the same id.
      if (response.status < 300)
        this.idempotency.set(`${url.pathname}|${requestId}`, { status: response.status, body: await response.clone().json() });
      return response;
    }
    return this.route(request.method, url, body as Obj);
  };

  private token(request: Request, text: string): Response {
    const expected = `Basic ${btoa(`${this.options.clientId}:${this.options.clientSecret}`)}`;
    if (request.headers.get('authorization') !== expected)
      return Response.json({ error: 'invalid_client', error_description: 'Client Authentication failed' }, { status: 401 });
    if (
      !(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded') ||
      new URLSearchParams(text).get('grant_type') !== 'client_credentials'
    ) {
      return Response.json({ error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' }, { status: 400 });
    }
    const token = randomId('A21AA', 60);
    this.tokensIssued.push(token);
    return Response.json({
      scope: 'https://uri.paypal.com/services/payments/payment',
      access_token: token,
      token_type: 'Bearer',
      app_id: 'APP-80W284485P519543T',
      expires_in: 32400,
      nonce: `${new Date().toISOString()}${randomId('', 20)}`,
    });
  }

  private route(method: string, url: URL, body: Obj): Response {
    if (method === 'POST' && url.pathname === '/v2/checkout/orders') return this.createOrder(body);
    let match = /^\/v2\/checkout\/orders\/([A-Z0-9]+)(\/capture)?$/.exec(url.pathname);
    if (match) {
      const order = this.orders.get(match[1] as string);
      if (!order) return this.fail(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID');
      if (method === 'GET' && !match[2]) return Response.json(order);
      if (method === 'POST' && match[2]) return this.capture(order);
    }
    match = /^\/v2\/payments\/captures\/([A-Z0-9]+)(\/refund)?$/.exec(url.pathname);
    if (match) {
      const found = this.captures.get(match[1] as string);
      if (!found) return this.fail(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID');
      if (method === 'GET' && !match[2]) return Response.json(found.capture);
      if (method === 'POST' && match[2]) return this.refund(found.capture, found.orderId, body);
    }
    if (method === 'GET' && url.pathname === '/v1/reporting/transactions') return this.searchTransactions(url.searchParams);
    return this.fail(404, 'NOT_FOUND', `No route ${method} ${url.pathname}`);
  }

  private createOrder(body: Obj): Response {
    const unit = body?.purchase_units?.[0];
    const context = body?.payment_source?.paypal?.experience_context;
    if (body?.intent !== 'CAPTURE') return this.fail(400, 'INVALID_REQUEST', 'intent must be CAPTURE', 'INVALID_PARAMETER_VALUE');
    if (!unit?.amount?.currency_code || !DECIMAL.test(unit.amount.value ?? '')) {
      return this.fail(
        400,
        'INVALID_REQUEST',
        'purchase_units[0].amount needs currency_code and a decimal value',
        'INVALID_PARAMETER_SYNTAX',
      );
    }
    if (!context?.return_url || !context?.cancel_url)
      return this.fail(400, 'INVALID_REQUEST', 'experience_context return_url/cancel_url required', 'MISSING_REQUIRED_PARAMETER');
    const id = randomId('', 17).toUpperCase();
    const now = new Date().toISOString();
    const order = {
      id,
      intent: 'CAPTURE',
      status: 'PAYER_ACTION_REQUIRED',
      create_time: now,
      update_time: now,
      purchase_units: [
        { reference_id: unit.reference_id ?? 'default', amount: unit.amount, custom_id: unit.custom_id, description: unit.description },
      ],
      payment_source: { paypal: {} },
      links: [
        { href: `${this.options.origin}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
        {
          href: this.options.approvalPageUrl?.(id) ?? `https://www.sandbox.paypal.com/checkoutnow?token=${id}`,
          rel: 'payer-action',
          method: 'GET',
        },
      ],
    };
    this.orders.set(id, order);
    this.experience.set(id, { returnUrl: context.return_url, cancelUrl: context.cancel_url });
    // return=minimal: id, status and links only.
    return Response.json({ id, status: order.status, links: order.links }, { status: 200 });
  }

  /** The buyer approves on PayPal's page. */
  approve(orderId: string): void {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    order.status = 'APPROVED';
  }

  private capture(order: Obj): Response {
    if (order.status === 'COMPLETED') return this.fail(422, 'UNPROCESSABLE_ENTITY', 'Order already captured', 'ORDER_ALREADY_CAPTURED');
    if (order.status !== 'APPROVED')
      return this.fail(422, 'UNPROCESSABLE_ENTITY', 'Payer has not yet approved the Order for payment.', 'ORDER_NOT_APPROVED');
    const unit = order.purchase_units[0];
    const currency = unit.amount.currency_code;
    const gross = cents(unit.amount.value);
    const now = new Date().toISOString();
    const captureId = randomId('', 17).toUpperCase();
    const capture = {
      id: captureId,
      status: 'COMPLETED',
      amount: unit.amount,
      final_capture: true,
      custom_id: unit.custom_id,
      seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
      seller_receivable_breakdown: {
        gross_amount: unit.amount,
        paypal_fee: money(currency, this.captureFee),
        net_amount: money(currency, gross - this.captureFee),
      },
      supplementary_data: { related_ids: { order_id: order.id } },
      links: [{ href: `${this.options.origin}/v2/payments/captures/${captureId}`, rel: 'self', method: 'GET' }],
      create_time: now,
      update_time: now,
    };
    unit.payments = { captures: [capture], refunds: [] };
    order.status = 'COMPLETED';
    order.update_time = now;
    this.captures.set(captureId, { capture, orderId: order.id });
    this.transactions.push({
      transaction_info: {
        transaction_id: captureId,
        transaction_event_code: 'T0006',
        transaction_initiation_date: now,
        transaction_updated_date: now,
        transaction_amount: unit.amount,
        fee_amount: money(currency, -this.captureFee),
        transaction_status: 'S',
        custom_field: unit.custom_id,
      },
    });
    return Response.json(order, { status: 201 });
  }

  private refund(capture: Obj, orderId: string, body: Obj): Response {
    const currency = capture.amount.currency_code;
    const order = this.orders.get(orderId) as Obj;
    const refunds: Obj[] = order.purchase_units[0].payments.refunds;
    const already = refunds.reduce((sum, refund) => sum + cents(refund.amount.value), 0);
    const amount = body?.amount?.value ? cents(body.amount.value) : cents(capture.amount.value) - already;
    if (!(amount > 0) || already + amount > cents(capture.amount.value)) {
      return this.fail(
        422,
        'UNPROCESSABLE_ENTITY',
        'The refund amount must be less than or equal to the capture amount',
        'REFUND_AMOUNT_EXCEEDED',
      );
    }
    const now = new Date().toISOString();
    const refund = {
      id: randomId('', 17).toUpperCase(),
      status: 'COMPLETED',
      amount: money(currency, amount),
      custom_id: capture.custom_id,
      seller_payable_breakdown: {
        gross_amount: money(currency, amount),
        paypal_fee: money(currency, 0),
        net_amount: money(currency, amount),
        total_refunded_amount: money(currency, already + amount),
      },
      links: [
        { href: `${this.options.origin}/v2/payments/refunds/x`, rel: 'self', method: 'GET' },
        { href: `${this.options.origin}/v2/payments/captures/${capture.id}`, rel: 'up', method: 'GET' },
      ],
      create_time: now,
      update_time: now,
    };
    refunds.push(refund);
    capture.status = already + amount === cents(capture.amount.value) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    this.transactions.push({
      transaction_info: {
        transaction_id: refund.id,
        paypal_reference_id: capture.id,
        paypal_reference_id_type: 'TXN',
        transaction_event_code: 'T1107',
        transaction_initiation_date: now,
        transaction_updated_date: now,
        transaction_amount: money(currency, -amount),
        transaction_status: 'S',
      },
    });
    return Response.json(refund, { status: 201 });
  }

  private searchTransactions(query: URLSearchParams): Response {
    const start = Date.parse(query.get('start_date') ?? '');
    const end = Date.parse(query.get('end_date') ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end))
      return this.fail(400, 'INVALID_REQUEST', 'start_date and end_date required', 'INVALID_PARAMETER_SYNTAX');
    if (end - start > 31 * 86_400_000)
      return this.fail(400, 'INVALID_REQUEST', 'Date range is greater than 31 days', 'RESULTSET_TOO_LARGE');
    const pageSize = Number(query.get('page_size') ?? 100);
    const page = Number(query.get('page') ?? 1);
    const inRange = this.transactions.filter((t) => {
      const at = Date.parse(t.transaction_info.transaction_initiation_date);
      return at >= start && at <= end;
    });
    return Response.json({
      transaction_details: inRange.slice((page - 1) * pageSize, page * pageSize),
      account_number: 'TESTACCOUNT1',
      start_date: new Date(start).toISOString(),
      end_date: new Date(end).toISOString(),
      last_refreshed_datetime: new Date().toISOString(),
      page,
      total_items: inRange.length,
      total_pages: Math.max(1, Math.ceil(inRange.length / pageSize)),
      links: [],
    });
  }

  /** A webhook event signed like PayPal does, with the headers PayPal sends. */
  async webhook(eventType: string, resource: Obj, options: { transmissionTime?: Date; certUrl?: string } = {}) {
    const id = randomId('WH-', 17).toUpperCase();
    const body = JSON.stringify({
      id,
      event_version: '1.0',
      create_time: new Date().toISOString(),
      resource_type: eventType.startsWith('CHECKOUT') ? 'checkout-order' : eventType.startsWith('CUSTOMER') ? 'dispute' : 'capture',
      resource_version: '2.0',
      event_type: eventType,
      summary: eventType,
      resource,
    });
    return { id, body, headers: await this.sign(body, options) };
  }

  async sign(body: string, options: { transmissionTime?: Date; certUrl?: string } = {}): Promise<Record<string, string>> {
    const transmissionId = crypto.randomUUID();
    const transmissionTime = (options.transmissionTime ?? new Date()).toISOString();
    const message = `${transmissionId}|${transmissionTime}|${this.options.webhookId}|${crc32(new TextEncoder().encode(body))}`;
    const der = Uint8Array.from(atob(PAYPAL_TEST_PRIVATE_KEY_PEM.replace(/-----[^-]+-----|\s/g, '')), (ch) => ch.charCodeAt(0));
    const key = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(message)));
    return {
      'Content-Type': 'application/json',
      'PAYPAL-TRANSMISSION-ID': transmissionId,
      'PAYPAL-TRANSMISSION-TIME': transmissionTime,
      'PAYPAL-TRANSMISSION-SIG': btoa(String.fromCharCode(...signature)),
      'PAYPAL-CERT-URL': options.certUrl ?? this.certUrl,
      'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
    };
  }
}

export async function startPaypalServer(options: Omit<PaypalContractOptions, 'origin'>) {
  const { serveFetchHandler } = await import('./fetch-server');
  let contract: PaypalContract | undefined;
  const served = await serveFetchHandler((request) => (contract as PaypalContract).handle(request));
  contract = new PaypalContract({ ...options, origin: served.baseUrl });
  return { contract, ...served };
}
