// Derives malformed requests from the OpenAPI document: for every operation, mutations of its body (bad JSON,
// wrong types, missing/extra fields, hostile strings, wrong content types, oversized), its path and query
// parameters and its headers, sent with credentials that get past authentication. Deterministic for a seed.
import type { FuzzOperation, JsonSchema } from './openapi';
import { Rng } from './prng';
import {
  BAD_PATH_SEGMENTS,
  badQueryValue,
  deepNesting,
  edgeValue,
  HOSTILE_STRINGS,
  idPrefixOf,
  type KnownIds,
  validValue,
  wrongTypeValue,
} from './values';

export interface Credential {
  label: string;
  headers: Record<string, string>;
}

export interface FuzzRequest {
  /** "POST /api/v1/videos" */
  operation: string;
  mutation: string;
  credential: string;
  method: string;
  /** Path and query string, already encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface FuzzOptions {
  seed: number;
  /** Requests in total, spread evenly over the operations. */
  count: number;
  /** Credentials able to reach the operation's validation (tokens of several roles, API keys, narrow tokens). */
  credentialsFor: (operation: FuzzOperation) => Credential[];
  known: KnownIds;
  /** The API's body limit: oversized bodies go just past it. */
  maxBodyBytes: number;
}

type Mutation =
  | 'bad-json'
  | 'non-object-json'
  | 'empty-body'
  | 'wrong-content-type'
  | 'oversized-body'
  | 'missing-required'
  | 'extra-fields'
  | 'wrong-type'
  | 'edge-value'
  | 'deep-nesting'
  | 'binary-garbage'
  | 'unexpected-body'
  | 'bad-path-param'
  | 'bad-query-param'
  | 'unknown-query'
  | 'bad-header'
  | 'bad-credential';

const ANONYMOUS: Credential = { label: 'anonymous', headers: {} };
const BAD_CREDENTIALS: readonly Credential[] = [
  { label: 'forged jwt', headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ.c2ln' } },
  { label: 'alg none', headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c3JfYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ.' } },
  { label: 'bearer only', headers: { Authorization: 'Bearer' } },
  { label: 'basic auth', headers: { Authorization: 'Basic Zm9vOmJhcg==' } },
  { label: 'garbage key', headers: { 'X-API-Key': 'vsk_nothere_xxxxxxxxxxxxxxxxxxxx' } },
  { label: 'huge bearer', headers: { Authorization: `Bearer ${'a'.repeat(8192)}` } },
  { label: 'two spaces', headers: { Authorization: 'Bearer  a b' } },
];

const BAD_JSON: readonly string[] = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '{"a":NaN}',
  '{"a":undefined}',
  '\u0000',
  '[',
  '{"a":"\\x"}',
  '{"a":"unterminated}',
  '\ufeff{}',
  'nul',
  '{"__proto__":{"role":"admin"}}x',
];

const NON_OBJECT_JSON: readonly string[] = ['null', '[]', '[{}]', '"string"', '12', 'true', '-0', '1e999'];

const WRONG_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'image/png',
  '',
];

interface Field {
  path: (string | number)[];
  schema: JsonSchema;
}

/** Every field of a generated body, nested objects and first array items included. */
function fieldsOf(schema: JsonSchema, value: unknown, path: (string | number)[] = [], depth = 0): Field[] {
  const fields: Field[] = [];
  if (depth > 3) return fields;
  if (schema.properties && value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      fields.push({ path: [...path, name], schema: property });
      const child = (value as Record<string, unknown>)[name];
      if (child !== undefined) fields.push(...fieldsOf(property, child, [...path, name], depth + 1));
    }
  } else if (schema.items && Array.isArray(value) && value.length > 0) {
    fields.push({ path: [...path, 0], schema: schema.items });
    fields.push(...fieldsOf(schema.items, value[0], [...path, 0], depth + 1));
  }
  return fields;
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i] as string | number;
    const next = node[step];
    if (!next || typeof next !== 'object') node[step] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

function requiredFields(schema: JsonSchema, value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (!schema.properties || !value || typeof value !== 'object') return out;
  for (const name of schema.required ?? []) {
    out.push([...path, name]);
    const property = schema.properties[name];
    const child = (value as Record<string, unknown>)[name];
    if (property) out.push(...requiredFields(property.items ?? property, Array.isArray(child) ? child[0] : child, [...path, name]));
  }
  return out;
}

function weighted<T>(rng: Rng, choices: [T, number][]): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [choice, weight] of choices) {
    roll -= weight;
    if (roll < 0) return choice;
  }
  return (choices[choices.length - 1] as [T, number])[0];
}

function mutationsFor(op: FuzzOperation): [Mutation, number][] {
  const list: [Mutation, number][] = [
    ['bad-header', 3],
    ['bad-credential', 4],
    ['unknown-query', 3],
  ];
  if (op.pathParams.length) list.push(['bad-path-param', 10]);
  if (op.queryParams.length) list.push(['bad-query-param', 14]);
  const body = op.body;
  if (!body) {
    if (op.method !== 'GET') list.push(['unexpected-body', 6]);
    if (!op.pathParams.length && !op.queryParams.length) list.push(['unknown-query', 8]);
    return list;
  }
  if (body.contentType !== 'application/json') {
    list.push(['binary-garbage', 8], ['empty-body', 4], ['wrong-content-type', 6], ['oversized-body', 1]);
    return list;
  }
  list.push(
    ['bad-json', 8],
    ['non-object-json', 6],
    ['empty-body', 3],
    ['wrong-content-type', 6],
    ['oversized-body', 0.6],
    ['missing-required', 10],
    ['extra-fields', 8],
    ['wrong-type', 16],
    ['edge-value', 18],
    ['deep-nesting', 2],
  );
  return list;
}

function fillPath(op: FuzzOperation, rng: Rng, known: KnownIds, broken?: string): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === broken) return rng.pick(BAD_PATH_SEGMENTS);
    const param = op.pathParams.find((p) => p.name === name);
    const value = param ? validValue(param.schema, rng, known) : 'x';
    if (typeof value === 'string' && !idPrefixOf(param?.schema.pattern) && name === 'path') return '360p/seg_00000.m4s';
    return encodeURIComponent(String(value));
  });
}

function validQuery(op: FuzzOperation, rng: Rng, known: KnownIds, skip?: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const param of op.queryParams) {
    if (param.name === skip) continue;
    if (param.required || rng.chance(0.3)) pairs.push([param.name, String(validValue(param.schema, rng, known))]);
  }
  return pairs;
}

function queryString(pairs: [string, string][], raw: string[] = []): string {
  const parts = [...pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`), ...raw];
  return parts.length ? `?${parts.join('&')}` : '';
}

export function generateRequests(operations: FuzzOperation[], options: FuzzOptions): FuzzRequest[] {
  const rng = new Rng(options.seed);
  const requests: FuzzRequest[] = [];
  // An operation without parameters or body has little to get wrong: it gets a small share.
  const weightOf = (op: FuzzOperation) => (op.body || op.pathParams.length || op.queryParams.length ? 1 : 0.15);
  const totalWeight = operations.reduce((sum, op) => sum + weightOf(op), 0);
  for (const op of operations) {
    const credentials = options.credentialsFor(op);
    const mutations = mutationsFor(op);
    const share = Math.ceil((options.count * weightOf(op)) / Math.max(1, totalWeight));
    for (let i = 0; i < share; i++) {
      const mutation = weighted(rng, mutations);
      let credential = credentials.length ? rng.pick(credentials) : ANONYMOUS;
      if (mutation === 'bad-credential') credential = rng.chance(0.2) ? ANONYMOUS : rng.pick(BAD_CREDENTIALS);
      const headers: Record<string, string> = { ...credential.headers };
      const brokenParam = mutation === 'bad-path-param' ? rng.pick(op.pathParams).name : undefined;
      let path = fillPath(op, rng, options.known, brokenParam);
      const brokenQuery = mutation === 'bad-query-param' ? rng.pick(op.queryParams) : undefined;
      const pairs = validQuery(op, rng, options.known, brokenQuery?.name);
      const raw: string[] = [];
      if (brokenQuery) {
        raw.push(`${brokenQuery.name}=${badQueryValue(brokenQuery.schema, rng)}`);
        if (rng.chance(0.2)) raw.push(`${brokenQuery.name}=${badQueryValue(brokenQuery.schema, rng)}`); // repeated
      }
      if (mutation === 'unknown-query')
        raw.push(
          rng.pick(['unknown=1', '__proto__[x]=1', 'a[]=1&a[]=2', '=', '&&&', `q=${'z'.repeat(5000)}`, '%%=%%', 'limit=-5&cursor=%%%']),
        );
      path += queryString(pairs, raw);
      for (const param of op.headerParams) {
        if (param.name.toLowerCase() === 'content-length') continue;
        if (param.required || rng.chance(0.5)) headers[param.name] = String(validValue(param.schema, rng, options.known));
      }
      if (mutation === 'bad-header') {
        const header = op.headerParams.find((p) => p.name.toLowerCase() !== 'content-length');
        const bad = rng.pick(['', ' ', 'short', 'x'.repeat(5000), '\t', 'a,b,c']);
        if (header && rng.chance(0.6)) headers[header.name] = bad;
        else headers[rng.pick(['Accept', 'Accept-Encoding', 'If-None-Match', 'Range', 'X-Request-Id', 'Origin'])] = bad;
      }
      let body: string | Uint8Array | undefined;
      if (op.body) {
        const schema = op.body.schema;
        const valid = validValue(schema, rng, options.known);
        const json = (value: unknown) => {
          headers['Content-Type'] ??= 'application/json';
          return JSON.stringify(value);
        };
        switch (mutation) {
          case 'bad-json':
            headers['Content-Type'] = 'application/json';
            body = rng.pick(BAD_JSON);
            break;
          case 'non-object-json':
            headers['Content-Type'] = 'application/json';
            body = rng.pick(NON_OBJECT_JSON);
            break;
          case 'empty-body':
            headers['Content-Type'] = op.body.contentType;
            body = '';
            break;
          case 'wrong-content-type': {
            const type = rng.pick(WRONG_CONTENT_TYPES.filter((t) => t !== op.body?.contentType));
            if (type) headers['Content-Type'] = type;
            body = rng.chance(0.5) ? JSON.stringify(valid) : 'a=1&b=2';
            break;
          }
          case 'oversized-body':
            headers['Content-Type'] = op.body.contentType;
            body = `{"pad":"${'y'.repeat(options.maxBodyBytes + 1 + rng.int(1000))}"}`;
            break;
          case 'binary-garbage': {
            headers['Content-Type'] = op.body.contentType;
            const bytes = new Uint8Array(rng.pick([1, 17, 4096]));
            for (let b = 0; b < bytes.length; b++) bytes[b] = rng.int(256);
            body = bytes;
            break;
          }
          case 'missing-required': {
            const required = requiredFields(schema, valid);
            body = json(required.length ? setAt(valid, rng.pick(required), undefined, true) : {});
            break;
          }
          case 'extra-fields': {
            const extra = rng.pick(['__proto__', 'constructor', 'role', 'id', 'creatorId', 'userId', 'isAdmin', 'surprise', '']);
            const withExtra = { ...(valid as object), [extra]: rng.pick([true, 'admin', 1, { role: 'admin' }]) };
            // A body made only of unknown keys also happens (clients sending another version's shape).
            body = json(rng.chance(0.3) ? { [extra]: 1 } : withExtra);
            break;
          }
          case 'wrong-type':
          case 'edge-value': {
            const fields = fieldsOf(schema, valid);
            if (!fields.length) {
              body = json(mutation === 'wrong-type' ? wrongTypeValue(schema, rng) : edgeValue(schema, rng));
              break;
            }
            const field = rng.pick(fields);
            const value = mutation === 'wrong-type' ? wrongTypeValue(field.schema, rng) : edgeValue(field.schema, rng);
            body = json(setAt(valid, field.path, value));
            break;
          }
          case 'deep-nesting':
            body = json(rng.chance(0.5) ? deepNesting(400) : { ...(valid as object), nested: deepNesting(400) });
            break;
          default:
            // A parameter or header mutation: the body stays valid so the request fails for that reason alone.
            body = op.body.contentType === 'application/json' ? json(valid) : new Uint8Array([1, 2, 3]);
            if (op.body.contentType !== 'application/json') headers['Content-Type'] = op.body.contentType;
        }
      } else if (mutation === 'unexpected-body') {
        headers['Content-Type'] = rng.pick(['application/json', 'text/plain']);
        body = rng.pick(['{"surprise":true}', rng.pick(HOSTILE_STRINGS).slice(0, 2000), '{']);
      }
      requests.push({ operation: op.key, mutation, credential: credential.label, method: op.method, url: path, headers, body });
    }
  }
  return requests;
}
