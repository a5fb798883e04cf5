// A local stand-in for the Stripe API, holding to what Stripe documents (docs.stripe.com/api):
// - auth: `Authorization: Bearer <secret key>` (401 `invalid_request_error` otherwise);
// - `Stripe-Version` header on every request, equal to the version the SDK pins;
// - POST bodies `application/x-www-form-urlencoded` with bracket notation (`line_items[0][price_data][currency]`);
// - `Idempotency-Key`: required here on every create (our policy); a replay with the same key and body answers the
//   first response, another body with the same key is a 400 `idempotency_error` (docs "Idempotent requests");
// - objects and lists in Stripe's shapes: checkout.session, payment_intent, charge, refund, balance_transaction,
//   dispute, invoice (API 2025-03-31+: subscription under parent.subscription_details, `payments` includable
//   through expand, service period on lines.data[].period), subscription (ended_at, items with
//   current_period_end), list {object: "list", data, has_more}, with `expand[]`.
// Subscription checkouts are paid by the subscription's first invoice (the session's payment_intent stays
// null, as Stripe documents for mode=subscription).
// Test controls stand in for the buyer and Stripe's back office (paying a session, disputing a charge) and build
// webhook events; tests sign them with the SDK's generateTestHeaderStringAsync.
import { parseStripeForm, type RecordedCall, randomId } from './fetch-server';

export interface StripeContractOptions {
  secretKey: string;
  apiVersion: string;
  /** Where a session's `url` points (a local hosted checkout page); default Stripe's own checkout.stripe.com. */
  checkoutPageUrl?: (sessionId: string) => string;
}

type Obj = Record<string, any>;

export class StripeContract {
  readonly calls: RecordedCall[] = [];
  readonly sessions = new Map<string, Obj>();
  readonly intents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly balanceTransactions: Obj[] = [];
  readonly invoices = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  private readonly idempotency = new Map<string, { body: string; status: number; response: Obj }>();
  /** Seconds; tests move it to place objects in time. */
  clock = () => Math.floor(Date.now() / 1000);

  constructor(readonly options: StripeContractOptions) {}

  private error(status: number, type: string, message: string, code?: string): Response {
    return Response.json({ error: { type, message, ...(code ? { code } : {}) } }, { status });
  }

  handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    // Decoded by hand: form bodies are bytes to a fetch Request (workerd warns on .text() for them).
    const raw = request.method === 'POST' ? new TextDecoder().decode(await request.arrayBuffer()) : '';
    const headers = Object.fromEntries(request.headers);
    const form = request.method === 'POST' ? parseStripeForm(raw) : parseStripeForm(url.search.slice(1));
    this.calls.push({ method: request.method, path: url.pathname, headers, body: form });

    if (request.headers.get('authorization') !== `Bearer ${this.options.secretKey}`) {
      return this.error(401, 'invalid_request_error', 'Invalid API Key provided');
    }
    if (request.headers.get('stripe-version') !== this.options.apiVersion) {
      return this.error(400, 'invalid_request_error', `Stripe-Version must be ${this.options.apiVersion}`);
    }
    if (request.method === 'POST') {
      if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
        return this.error(400, 'invalid_request_error', 'POST bodies are form encoded');
      }
      const key = request.headers.get('idempotency-key');
      if (!key) return this.error(400, 'invalid_request_error', 'Idempotency-Key required for creates');
      const seen = this.idempotency.get(key);
      if (seen) {
        if (seen.body !== raw) {
          return this.error(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters');
        }
        return Response.json(seen.response, { status: seen.status, headers: { 'Idempotent-Replayed': 'true' } });
      }
      const response = await this.route(request.method, url.pathname, form);
      if (response.status < 500) this.idempotency.set(key, { body: raw, status: response.status, response: await response.clone().json() });
      return response;
    }
    return this.route(request.method, url.pathname, form);
  };

  private async route(method: string, path: string, params: Obj): Promise<Response> {
    const expand = new Set<string>(Object.values((params.expand as Obj) ?? {}) as string[]);
    if (method === 'POST' && path === '/v1/checkout/sessions') return this.createSession(params);
    let match = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const session = this.sessions.get(match[1] as string);
      if (!session) return this.error(404, 'invalid_request_error', 'No such checkout.session', 'resource_missing');
      return Response.json(this.expandSession(session, expand));
    }
    match = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const intent = this.intents.get(match[1] as string);
      if (!intent) return this.error(404, 'invalid_request_error', 'No such payment_intent', 'resource_missing');
      if (!expand.has('latest_charge') && !expand.has('latest_charge.balance_transaction')) return Response.json(intent);
      const charge = { ...this.charges.get(intent.latest_charge) } as Obj;
      if (expand.has('latest_charge.balance_transaction')) {
        charge.balance_transaction = this.balanceTransactions.find((tx) => tx.id === charge.balance_transaction) ?? null;
      }
      return Response.json({ ...intent, latest_charge: charge });
    }
    match = /^\/v1\/invoices\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const invoice = this.invoices.get(match[1] as string);
      if (!invoice) return this.error(404, 'invalid_request_error', 'No such invoice', 'resource_missing');
      const { _payments: payments, ...shown } = invoice;
      // `payments` is an includable field: present only when expanded.
      return Response.json(
        expand.has('payments')
          ? { ...shown, payments: { object: 'list', data: payments, has_more: false, url: '/v1/invoice_payments' } }
          : shown,
      );
    }
    match = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const subscription = this.subscriptions.get(match[1] as string);
      if (!subscription) return this.error(404, 'invalid_request_error', 'No such subscription', 'resource_missing');
      return Response.json(subscription);
    }
    if (method === 'POST' && path === '/v1/refunds') return this.createRefund(params);
    if (method === 'GET' && path === '/v1/balance_transactions') return this.listBalanceTransactions(params, expand);
    return this.error(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path})`);
  }

  private createSession(params: Obj): Response {
    const mode = params.mode;
    const item = params.line_items?.[0];
    const price = item?.price_data;
    if (mode !== 'payment' && mode !== 'subscription')
      return this.error(400, 'invalid_request_error', 'mode must be payment or subscription');
    if (!params.success_url || !params.cancel_url) return this.error(400, 'invalid_request_error', 'success_url and cancel_url required');
    if (!price?.currency || !/^[a-z]{3}$/.test(price.currency) || !/^\d+$/.test(price.unit_amount ?? '') || !price.product_data?.name) {
      return this.error(400, 'invalid_request_error', 'line_items[0][price_data] needs currency, unit_amount, product_data[name]');
    }
    if ((mode === 'subscription') !== Boolean(price.recurring?.interval)) {
      return this.error(400, 'invalid_request_error', 'recurring prices go with subscription mode only');
    }
    const id = randomId('cs_test_', 40);
    const session = {
      id,
      object: 'checkout.session',
      mode,
      status: 'open',
      payment_status: 'unpaid',
      amount_total: Number(price.unit_amount) * Number(item.quantity ?? 1),
      currency: price.currency,
      client_reference_id: params.client_reference_id ?? null,
      metadata: params.metadata ?? {},
      payment_intent: null,
      subscription: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url,
      url: this.options.checkoutPageUrl?.(id) ?? `https://checkout.stripe.com/c/pay/${id}`,
      created: this.clock(),
      livemode: false,
      _intentMetadata: params.payment_intent_data?.metadata ?? params.subscription_data?.metadata ?? {},
      // What the hosted checkout page shows; Stripe keeps it on the session's line items, not the session itself.
      _productName: price.product_data.name,
    };
    this.sessions.set(id, session);
    return Response.json(this.publicSession(session));
  }

  /** The session as the API shows it: without the fields this contract keeps for itself (`_…`). */
  publicSession(session: Obj): Obj {
    return Object.fromEntries(Object.entries(session).filter(([key]) => !key.startsWith('_')));
  }

  private expandSession(session: Obj, expand: Set<string>): Obj {
    const out = this.publicSession(session);
    if (out.payment_intent && [...expand].some((path) => path.startsWith('payment_intent'))) {
      const intent = { ...this.intents.get(out.payment_intent) } as Obj;
      if (expand.has('payment_intent.latest_charge') || expand.has('payment_intent.latest_charge.balance_transaction')) {
        const charge = { ...this.charges.get(intent.latest_charge) } as Obj;
        if (expand.has('payment_intent.latest_charge.balance_transaction')) {
          charge.balance_transaction = this.balanceTransactions.find((tx) => tx.id === charge.balance_transaction) ?? null;
        }
        intent.latest_charge = charge;
      }
      out.payment_intent = intent;
    }
    return out;
  }

  /** A succeeded payment intent with its charge and balance transaction (fee as given). */
  private charge(amount: number, currency: string, fee: number, metadata: Obj): { intent: Obj; charge: Obj } {
    const now = this.clock();
    const intentId = randomId('pi_');
    const chargeId = randomId('ch_');
    const txId = randomId('txn_');
    const intent = {
      id: intentId,
      object: 'payment_intent',
      amount,
      currency,
      status: 'succeeded',
      latest_charge: chargeId,
      metadata,
      created: now,
    };
    const charge = {
      id: chargeId,
      object: 'charge',
      amount,
      amount_refunded: 0,
      currency,
      payment_intent: intentId,
      balance_transaction: txId,
      refunded: false,
      disputed: false,
      paid: true,
      status: 'succeeded',
      metadata: {},
      created: now,
    };
    this.intents.set(intentId, intent);
    this.charges.set(chargeId, charge);
    this.balanceTransactions.push({
      id: txId,
      object: 'balance_transaction',
      amount,
      fee,
      net: amount - fee,
      currency,
      type: 'charge',
      source: chargeId,
      status: 'available',
      created: now,
    });
    return { intent, charge };
  }

  /**
   * The buyer pays. Payment mode: payment intent, charge and balance transaction, session complete.
   * Subscription mode: a subscription and its first invoice (billing_reason subscription_create) paid by the
   * intent; the session names the subscription and the invoice.
   */
  paySession(sessionId: string, fee: number): { session: Obj; intent: Obj; charge: Obj; invoice: Obj | null; subscription: Obj | null } {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    const amount = session.amount_total as number;
    const metadata = session._intentMetadata;
    const { intent, charge } = this.charge(amount, session.currency, fee, session.mode === 'subscription' ? {} : metadata);
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    if (session.mode !== 'subscription') {
      Object.assign(session, { payment_intent: intent.id });
      return { session: this.publicSession(session), intent, charge, invoice: null, subscription: null };
    }
    const start = this.clock();
    const subscription: Obj = {
      id: randomId('sub_'),
      object: 'subscription',
      status: 'active',
      currency: session.currency,
      metadata,
      start_date: start,
      created: start,
      canceled_at: null,
      ended_at: null,
      cancel_at_period_end: false,
      latest_invoice: null,
      items: { object: 'list', has_more: false, url: '/v1/subscription_items', data: [] as Obj[] },
      livemode: false,
      _amount: amount,
    };
    this.subscriptions.set(subscription.id, subscription);
    const invoice = this.issueInvoice(subscription, 'subscription_create', start, { intent, charge });
    Object.assign(session, { subscription: subscription.id, invoice: invoice.id });
    return { session: this.publicSession(session), intent, charge, invoice, subscription: this.publicSubscription(subscription) };
  }

  private publicSubscription(subscription: Obj): Obj {
    const { _amount: _hidden, ...rest } = subscription;
    return rest;
  }

  /** One month after `start` (Stripe bills monthly plans on the same day of the next month). */
  private monthAfter(start: number): number {
    const date = new Date(start * 1000);
    date.setUTCMonth(date.getUTCMonth() + 1);
    return Math.floor(date.getTime() / 1000);
  }

  /** An invoice for the period starting at `periodStart`, paid by `paid` (or open with a failed attempt). */
  private issueInvoice(subscription: Obj, billingReason: string, periodStart: number, paid: { intent: Obj; charge: Obj } | null): Obj {
    const periodEnd = this.monthAfter(periodStart);
    const amount = subscription._amount as number;
    const id = randomId('in_');
    const invoice: Obj = {
      id,
      object: 'invoice',
      status: paid ? 'paid' : 'open',
      billing_reason: billingReason,
      collection_method: 'charge_automatically',
      currency: subscription.currency,
      amount_due: amount,
      amount_paid: paid ? amount : 0,
      amount_remaining: paid ? 0 : amount,
      attempt_count: 1,
      attempted: true,
      customer: 'cus_contract',
      // The invoice's own period is the previous one for subscription invoices; the service period is on lines.
      period_start: periodStart,
      period_end: periodStart,
      lines: {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
        data: [
          {
            id: randomId('il_'),
            object: 'line_item',
            amount,
            currency: subscription.currency,
            period: { start: periodStart, end: periodEnd },
          },
        ],
      },
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { subscription: subscription.id, metadata: subscription.metadata },
      },
      status_transitions: { finalized_at: periodStart, paid_at: paid ? this.clock() : null },
      metadata: {},
      created: this.clock(),
      livemode: false,
      _payments: paid ? [this.invoicePayment(id, paid.intent)] : [],
    };
    this.invoices.set(id, invoice);
    subscription.latest_invoice = id;
    subscription.items.data = [
      { id: randomId('si_'), object: 'subscription_item', current_period_start: periodStart, current_period_end: periodEnd, quantity: 1 },
    ];
    subscription.status = paid ? 'active' : 'past_due';
    return this.publicInvoice(invoice);
  }

  private invoicePayment(invoiceId: string, intent: Obj): Obj {
    return {
      id: randomId('inpay_'),
      object: 'invoice_payment',
      amount_paid: intent.amount,
      amount_requested: intent.amount,
      currency: intent.currency,
      invoice: invoiceId,
      is_default: true,
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status_transitions: { paid_at: this.clock(), canceled_at: null },
      created: this.clock(),
      livemode: false,
    };
  }

  private publicInvoice(invoice: Obj): Obj {
    const { _payments: _hidden, ...rest } = invoice;
    return rest;
  }

  /** The next billing cycle: an invoice for the period after the current one, paid (fee as given) or failed. */
  renewSubscription(subscriptionId: string, outcome: { fee: number } | 'payment_failed'): Obj {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    const periodStart = subscription.items.data[0].current_period_end as number;
    const paid = outcome === 'payment_failed' ? null : this.charge(subscription._amount, subscription.currency, outcome.fee, {});
    return this.issueInvoice(subscription, 'subscription_cycle', periodStart, paid);
  }

  /** Stripe's retry of an open invoice succeeds. */
  payInvoice(invoiceId: string, fee: number): Obj {
    const invoice = this.invoices.get(invoiceId) as Obj;
    const subscription = this.subscriptions.get(invoice.parent.subscription_details.subscription) as Obj;
    const paid = this.charge(invoice.amount_due, invoice.currency, fee, {});
    Object.assign(invoice, {
      status: 'paid',
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempt_count: invoice.attempt_count + 1,
      status_transitions: { ...invoice.status_transitions, paid_at: this.clock() },
      _payments: [this.invoicePayment(invoiceId, paid.intent)],
    });
    subscription.status = 'active';
    return this.publicInvoice(invoice);
  }

  /** The subscription is canceled now (customer.subscription.deleted carries this object). */
  cancelSubscription(subscriptionId: string): Obj {
    const subscription = this.subscriptions.get(subscriptionId) as Obj;
    Object.assign(subscription, { status: 'canceled', canceled_at: this.clock(), ended_at: this.clock() });
    return this.publicSubscription(subscription);
  }

  private createRefund(params: Obj): Response {
    const intent = this.intents.get(params.payment_intent);
    if (!intent) return this.error(400, 'invalid_request_error', 'No such payment_intent', 'resource_missing');
    const charge = this.charges.get(intent.latest_charge) as Obj;
    const amount = params.amount === undefined ? charge.amount - charge.amount_refunded : Number(params.amount);
    if (!(amount > 0) || charge.amount_refunded + amount > charge.amount) {
      return this.error(400, 'invalid_request_error', 'Refund amount is greater than unrefunded amount', 'amount_too_large');
    }
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refund = {
      id: randomId('re_'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: intent.id,
      status: 'succeeded',
      metadata: params.metadata ?? {},
      created: this.clock(),
    };
    this.balanceTransactions.push({
      id: randomId('txn_'),
      object: 'balance_transaction',
      amount: -amount,
      fee: 0,
      net: -amount,
      currency: charge.currency,
      type: 'refund',
      source: refund,
      status: 'available',
      created: this.clock(),
    });
    return Response.json(refund);
  }

  /** A buyer's bank disputes the charge: Stripe withdraws the amount and a dispute fee. */
  disputeCharge(intentId: string, disputeFee = 1500): Obj {
    const intent = this.intents.get(intentId) as Obj;
    const charge = this.charges.get(intent.latest_charge) as Obj;
    charge.disputed = true;
    const amount = charge.amount - charge.amount_refunded;
    const withdrawal = {
      id: randomId('txn_'),
      object: 'balance_transaction',
      amount: -amount - disputeFee,
      fee: disputeFee,
      net: -amount - disputeFee,
      currency: charge.currency,
      type: 'adjustment',
      source: null,
      created: this.clock(),
    };
    this.balanceTransactions.push(withdrawal);
    return {
      id: randomId('dp_'),
      object: 'dispute',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: intentId,
      reason: 'fraudulent',
      status: 'needs_response',
      balance_transactions: [withdrawal],
      metadata: {},
      created: this.clock(),
    };
  }

  /**
   * The dispute is decided. Won: Stripe returns the disputed amount (and here `feeReturned` of the fee) in a
   * second balance transaction with a negative fee; lost: nothing more moves.
   */
  closeDispute(dispute: Obj, status: 'won' | 'lost', feeReturned = 0): Obj {
    const transactions = [...dispute.balance_transactions];
    if (status === 'won') {
      const reinstatement = {
        id: randomId('txn_'),
        object: 'balance_transaction',
        amount: dispute.amount + feeReturned,
        fee: -feeReturned,
        net: dispute.amount + feeReturned,
        currency: dispute.currency,
        type: 'adjustment',
        source: null,
        created: this.clock(),
      };
      this.balanceTransactions.push(reinstatement);
      transactions.push(reinstatement);
    }
    return { ...dispute, status, balance_transactions: transactions };
  }

  private listBalanceTransactions(params: Obj, expand: Set<string>): Response {
    const gte = Number(params.created?.gte ?? 0);
    const lt = Number(params.created?.lt ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(Number(params.limit ?? 10), 100);
    let items = this.balanceTransactions.filter((tx) => tx.created >= gte && tx.created < lt).sort((a, b) => b.created - a.created);
    if (params.starting_after) {
      const index = items.findIndex((tx) => tx.id === params.starting_after);
      items = items.slice(index + 1);
    }
    const page = items.slice(0, limit).map((tx) => {
      if (!expand.has('data.source') || typeof tx.source !== 'string') return tx;
      return { ...tx, source: this.charges.get(tx.source) ?? tx.source };
    });
    return Response.json({ object: 'list', url: '/v1/balance_transactions', has_more: items.length > limit, data: page });
  }

  /** A webhook event in Stripe's envelope. */
  event(type: string, object: Obj, created = this.clock()): { id: string; body: string } {
    const id = randomId('evt_');
    const body = JSON.stringify({
      id,
      object: 'event',
      api_version: this.options.apiVersion,
      created,
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object },
    });
    return { id, body };
  }
}

export async function startStripeServer(options: StripeContractOptions) {
  const { serveFetchHandler } = await import('./fetch-server');
  const contract = new StripeContract(options);
  const served = await serveFetchHandler(contract.handle);
  return { contract, ...served };
}
