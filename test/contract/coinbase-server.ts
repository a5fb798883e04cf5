// A local stand-in for the Coinbase Commerce API, holding to what Coinbase documents
// (docs.cdp.coinbase.com/commerce-onchain/docs/…, "Charges" and "Webhooks"):
// - every request: `X-CC-Api-Key: <key>` (401 authorization_error otherwise) and `X-CC-Version: 2018-03-22`
//   (400 otherwise); JSON bodies;
// - POST /charges {name, description, pricing_type: "fixed_price", local_price {amount, currency}, metadata,
//   redirect_url, cancel_url} → 201 {data: charge} with code, hosted_url, pricing, timeline [NEW];
// - GET /charges/{code_or_id} → {data: charge}; GET /charges?limit&order&starting_after → {pagination, data};
// - webhooks: {id, scheduled_for, attempt_number, event {id, resource: "event", type, api_version, created_at,
//   data: charge}} signed with `X-CC-Webhook-Signature` = hex HMAC-SHA256(shared secret, raw body).
import { hmacSha256Hex } from '../../src/domain/payments/webhook-signatures';
import { type RecordedCall, randomId } from './fetch-server';

export interface CoinbaseContractOptions {
  apiKey: string;
  webhookSecret: string;
  /** Where a charge's hosted_url points (a local payment page); default Coinbase's commerce.coinbase.com. */
  hostedPageUrl?: (code: string) => string;
}

type Obj = Record<string, any>;

export class CoinbaseContract {
  readonly calls: RecordedCall[] = [];
  readonly charges: Obj[] = [];

  constructor(readonly options: CoinbaseContractOptions) {}

  private fail(status: number, type: string, message: string): Response {
    return Response.json({ error: { type, message } }, { status });
  }

  handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    let body: Obj = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return this.fail(400, 'invalid_request', 'Malformed JSON');
    }
    this.calls.push({ method: request.method, path: url.pathname + url.search, headers: Object.fromEntries(request.headers), body });
    if (request.headers.get('x-cc-api-key') !== this.options.apiKey) return this.fail(401, 'authorization_error', 'No such API key.');
    if (request.headers.get('x-cc-version') !== '2018-03-22')
      return this.fail(400, 'invalid_request', 'X-CC-Version header must be 2018-03-22');
    if (request.method === 'POST' && url.pathname === '/charges') return this.createCharge(request, body);
    if (request.method === 'GET' && url.pathname === '/charges') return this.list(url.searchParams);
    const match = /^\/charges\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && match) {
      const charge = this.charges.find((c) => c.code === match[1] || c.id === match[1]);
      return charge ? Response.json({ data: charge }) : this.fail(404, 'not_found', 'Charge not found');
    }
    return this.fail(404, 'not_found', 'Not found');
  };

  private createCharge(request: Request, body: Obj): Response {
    if (!(request.headers.get('content-type') ?? '').includes('application/json'))
      return this.fail(400, 'invalid_request', 'JSON body required');
    if (typeof body.name !== 'string' || typeof body.description !== 'string')
      return this.fail(400, 'invalid_request', 'name and description are required');
    if (
      body.pricing_type !== 'fixed_price' ||
      !/^\d+(\.\d+)?$/.test(body.local_price?.amount ?? '') ||
      !/^[A-Z]{3}$/.test(body.local_price?.currency ?? '')
    ) {
      return this.fail(400, 'invalid_request', 'fixed_price charges need local_price {amount, currency}');
    }
    const code = randomId('', 8).toUpperCase();
    const now = new Date();
    const charge = {
      id: crypto.randomUUID(),
      resource: 'charge',
      code,
      name: body.name,
      description: body.description,
      hosted_url: this.options.hostedPageUrl?.(code) ?? `https://commerce.coinbase.com/charges/${code}`,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
      pricing_type: 'fixed_price',
      pricing: { local: body.local_price },
      metadata: body.metadata ?? {},
      redirect_url: body.redirect_url,
      cancel_url: body.cancel_url,
      timeline: [{ status: 'NEW', time: now.toISOString() }],
      payments: [],
    };
    this.charges.unshift(charge);
    return Response.json({ data: charge }, { status: 201 });
  }

  private list(query: URLSearchParams): Response {
    const limit = Math.min(Number(query.get('limit') ?? 25), 100);
    let items = [...this.charges];
    const after = query.get('starting_after');
    if (after) items = items.slice(items.findIndex((c) => c.id === after) + 1);
    const page = items.slice(0, limit);
    const more = items.length > limit;
    return Response.json({
      pagination: {
        order: 'desc',
        starting_after: after,
        ending_before: null,
        total: this.charges.length,
        limit,
        yielded: page.length,
        cursor_range: [page[0]?.id ?? null, page.at(-1)?.id ?? null],
        previous_uri: null,
        next_uri: more ? `/charges?limit=${limit}&starting_after=${page.at(-1)?.id}` : null,
      },
      data: page,
    });
  }

  /** The buyer pays on-chain: PENDING (seen) then COMPLETED (confirmed). */
  confirm(code: string, at = new Date()): Obj {
    const charge = this.charges.find((c) => c.code === code);
    if (!charge) throw new Error(`no charge ${code}`);
    charge.timeline.push({ status: 'PENDING', time: at.toISOString() }, { status: 'COMPLETED', time: at.toISOString() });
    charge.payments.push({
      network: 'ethereum',
      transaction_id: `0x${randomId('', 40).toLowerCase()}`,
      status: 'CONFIRMED',
      value: { local: charge.pricing.local, crypto: { amount: '0.0042', currency: 'ETH' } },
    });
    return charge;
  }

  async webhook(type: string, charge: Obj): Promise<{ id: string; body: string; headers: Record<string, string> }> {
    const id = crypto.randomUUID();
    const body = JSON.stringify({
      id: Math.floor(Math.random() * 1e6),
      scheduled_for: new Date().toISOString(),
      attempt_number: 1,
      event: { id, resource: 'event', type, api_version: '2018-03-22', created_at: new Date().toISOString(), data: charge },
    });
    return {
      id,
      body,
      headers: { 'Content-Type': 'application/json', 'X-CC-Webhook-Signature': await hmacSha256Hex(this.options.webhookSecret, body) },
    };
  }
}

export async function startCoinbaseServer(options: CoinbaseContractOptions) {
  const { serveFetchHandler } = await import('./fetch-server');
  const contract = new CoinbaseContract(options);
  const served = await serveFetchHandler(contract.handle);
  return { contract, ...served };
}
