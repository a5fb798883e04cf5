// Sends malformed requests to every route of the OpenAPI document and checks that each one gets a 4xx in
// the API error shape — never a 5xx — and that a rejected request writes nothing.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, signUp, signUpAdmin } from './helpers';

const TABLES = ['users', 'refresh_tokens', 'api_keys', 'videos', 'video_tags', 'interactions', 'dead_letters', 'audit_log', 'event_outbox'];

const SNAPSHOT_SQL = `SELECT ${TABLES.map((table) => `(SELECT COUNT(*) FROM ${table}) AS ${table}`).join(', ')}`;
async function snapshot(): Promise<Record<string, number>> {
  return (await env.DB.prepare(SNAPSHOT_SQL).first<Record<string, number>>()) ?? {};
}

async function quiesce() {
  // Let the queue consumer finish the events of the set-up sign-ups so counts only move by our requests.
  let previous = '';
  for (let i = 0; i < 40; i++) {
    const now = JSON.stringify(await snapshot());
    if (now === previous) return;
    previous = now;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
  bodySchema?: { properties?: Record<string, { type?: string | string[] }> };
}

const longString = 'x'.repeat(70_000);
const weirdStrings = [
  '',
  ' ',
  '\u0000',
  '🙂'.repeat(300),
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  longString.slice(0, 5000),
];
const badIds = ['x', '%00', '..%2F..%2Fetc', 'vid_', `vid_${'a'.repeat(300)}`, '🙂', "1' OR '1'='1"];

function wrongValueFor(type: string | string[] | undefined): unknown[] {
  const t = Array.isArray(type) ? type[0] : type;
  switch (t) {
    case 'string':
      return [123, true, null, [], {}, longString];
    case 'number':
    case 'integer':
      return ['12', -1e308, 1.5, null, {}, Number.MAX_SAFE_INTEGER * 4];
    case 'boolean':
      return ['true', 0, null];
    case 'array':
      return ['a,b', {}, Array.from({ length: 500 }, () => 'tag')];
    default:
      return [null, 12, 'x'];
  }
}

function bodiesFor(op: Operation): { label: string; init: { rawBody?: string; body?: unknown; headers?: Record<string, string> } }[] {
  const json = { 'Content-Type': 'application/json' };
  const cases: { label: string; init: { rawBody?: string; body?: unknown; headers?: Record<string, string> } }[] = [
    { label: 'malformed JSON', init: { rawBody: '{"email": ', headers: json } },
    { label: 'JSON array', init: { body: [] } },
    { label: 'JSON null', init: { rawBody: 'null', headers: json } },
    { label: 'JSON string', init: { body: 'hello' } },
    { label: 'empty object', init: { body: {} } },
    { label: 'empty body', init: { rawBody: '', headers: json } },
    { label: 'text/plain', init: { rawBody: '{}', headers: { 'Content-Type': 'text/plain' } } },
    { label: 'form body', init: { rawBody: 'a=1&b=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } },
    { label: 'unknown field only', init: { body: { surprise: 1 } } },
    { label: 'oversized', init: { rawBody: JSON.stringify({ pad: 'y'.repeat(1_100_000) }), headers: json } },
  ];
  for (const [name, schema] of Object.entries(op.bodySchema?.properties ?? {})) {
    for (const value of wrongValueFor(schema.type))
      cases.push({ label: `${name}=${JSON.stringify(value)?.slice(0, 20)}`, init: { body: { [name]: value } } });
    for (const value of weirdStrings)
      cases.push({ label: `${name}="${value.slice(0, 10)}"`, init: { body: { [name]: value, extra: true } } });
  }
  return cases;
}

function resolvePath(path: string, id: string) {
  return path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
}

describe('malformed requests to every route', () => {
  const operations: Operation[] = [];
  let admin: Awaited<ReturnType<typeof signUpAdmin>>;
  let creator: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, Operation['bodySchema']> };
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const schemaRef = op.requestBody?.content['application/json']?.schema;
        const bodySchema = schemaRef?.$ref
          ? doc.components.schemas[schemaRef.$ref.split('/').pop() as string]
          : (schemaRef as Operation['bodySchema']);
        operations.push({ method: method.toUpperCase(), path, hasBody: op.requestBody !== undefined, bodySchema });
      }
    }
    admin = await signUpAdmin();
    creator = await signUp('creator');
    await quiesce();
  });

  it('found the routes', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('never answers 5xx and never writes on rejection', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const op of operations) {
      const requests: { label: string; path: string; init: Parameters<typeof api>[2] }[] = [];
      const hasParam = op.path.includes('{');
      // Anonymous and forged callers: rejected before validation on protected routes.
      for (const token of [undefined, 'garbage.token.value']) {
        const path = resolvePath(op.path, 'vid_aaaaaaaaaaaaaaaaaaaaaaaa');
        requests.push({ label: 'no body', path, init: { token } });
        if (op.hasBody)
          requests.push({
            label: 'malformed JSON',
            path,
            init: { token, rawBody: '{"a":', headers: { 'Content-Type': 'application/json' } },
          });
      }
      // Signed-in callers with every role that can reach validation.
      for (const token of [admin.accessToken, creator.accessToken]) {
        if (hasParam)
          for (const id of badIds)
            requests.push({ label: `id=${id}`, path: resolvePath(op.path, id), init: { token, ...(op.hasBody ? { body: {} } : {}) } });
        const path = resolvePath(op.path, 'vid_aaaaaaaaaaaaaaaaaaaaaaaa');
        if (op.hasBody) for (const body of bodiesFor(op)) requests.push({ label: body.label, path, init: { token, ...body.init } });
        requests.push({ label: 'unknown query', path: `${path}?limit=-5&cursor=%%%&unknown=1`, init: { token } });
        requests.push({ label: 'huge query', path: `${path}?q=${'z'.repeat(5000)}`, init: { token } });
      }
      for (const request of requests) {
        const writes = op.method !== 'GET';
        const before = writes ? await snapshot() : {};
        const response = await api(op.method, request.path, request.init);
        sent++;
        const where = `${op.method} ${op.path} [${request.label}] token=${request.init?.token ? 'yes' : 'no'} → ${response.status}`;
        // A well-formed call to a feature switched off in this deployment (IPFS, SFU, Analytics Engine SQL) answers
        // 503 not_configured by design; that is a documented answer, not a failure to handle input.
        const switchedOff = response.status === 503 && (response.body as { error?: { code?: string } })?.error?.code === 'not_configured';
        if (response.status >= 500 && !switchedOff) failures.push(`${where} ${JSON.stringify(response.body).slice(0, 200)}`);
        if (response.status >= 400) {
          if (typeof response.body?.error?.code !== 'string' || typeof response.body?.error?.message !== 'string')
            failures.push(`${where}: not the error shape`);
          if (writes) {
            const after = await snapshot();
            if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${where}: wrote ${JSON.stringify({ before, after })}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    console.info(`sent ${sent} malformed requests to ${operations.length} operations`);
  }, 180_000);
});
