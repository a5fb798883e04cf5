// Fuzzes every operation of the OpenAPI document with generated malformed requests (test/support/fuzz): wrong
// types, hostile strings, missing and extra fields, bad JSON, wrong content types, oversized bodies, bad path and
// query parameters and headers, sent with valid credentials of several roles so they get past authentication.
// Every answer must be below 500 (a feature switched off here answers its documented 503 not_configured), every
// 4xx must carry the API error shape, and a rejected request must not add or remove a row anywhere in D1.
//
// The run is seeded: the seed is printed, and FUZZ_SEED=<seed> repeats it exactly; FUZZ_COUNT changes its size.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import worker from '../../src/workers/index';
import { type Credential, type FuzzRequest, generateRequests } from '../support/fuzz/generator';
import { type FuzzOperation, type OpenApiDocument, operationsOf } from '../support/fuzz/openapi';
import { seedFrom } from '../support/fuzz/prng';
import type { KnownIds } from '../support/fuzz/values';
import { api, BASE, markVideoReady, signUp, signUpAdmin } from './helpers';
import { routeProvidersToContracts } from './payments-fixtures';

const SEED = seedFrom(env.FUZZ_SEED);
const COUNT = Number(env.FUZZ_COUNT) > 0 ? Number(env.FUZZ_COUNT) : 10_000;

// Every table but D1's own bookkeeping, the FTS index's shadow tables (its content table `videos` is counted), and
// the tables only queue consumers and Durable Object alarms write, seconds after the request that caused them: a
// request that wrongly emitted an event would have written its own table in the same batch (transactional outbox).
const WRITTEN_LATER = new Set([
  'audit_log',
  'processed_events',
  'event_failures',
  'dead_letters',
  'session_minutes',
  'peer_sessions',
  'connection_events',
  'rollup_flushes',
  'analytics_minutes',
  'analytics_hours',
  'alerts',
  'alert_notifications',
]);
let snapshotSql = '';
async function prepareSnapshot() {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
  const tables = results
    .map((r) => r.name)
    .filter((name) => !/^(sqlite_|_cf_|d1_migrations$|videos_fts)/.test(name) && !WRITTEN_LATER.has(name));
  snapshotSql = `SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM "${t}") AS "${t}"`).join(', ')}`;
  return tables;
}
const spentMs = { sending: 0, counting: 0, settling: 0 };
const perOperationMs = new Map<string, number>();
async function snapshot(): Promise<Record<string, number>> {
  const started = Date.now();
  const counts = (await env.DB.prepare(snapshotSql).first<Record<string, number>>()) ?? {};
  spentMs.counting += Date.now() - started;
  return counts;
}
function changedTables(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter((table) => before[table] !== after[table]);
}

/** Waits until background work of the set-up requests stops changing row counts. */
async function settle() {
  const started = Date.now();
  let previous = '';
  for (let i = 0; i < 40; i++) {
    const now = JSON.stringify(await snapshot());
    if (now === previous) break;
    previous = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  spentMs.settling += Date.now() - started;
}

/** Mutations that leave a request valid apart from something the API may ignore: these can be accepted. */
const LIKELY_ACCEPTED = new Set(['bad-header', 'extra-fields', 'unknown-query', 'unexpected-body']);

async function send(request: FuzzRequest): Promise<{ status: number; body: any; text: string }> {
  const started = Date.now();
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  const text = await response.text();
  // Background work of this request (relays, key touches) finishes before the next one is judged.
  await waitOnExecutionContext(ctx);
  spentMs.sending += Date.now() - started;
  perOperationMs.set(request.operation, (perOperationMs.get(request.operation) ?? 0) + Date.now() - started);
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: response.status, body, text };
}

describe('generated malformed requests to every operation', () => {
  let operations: FuzzOperation[] = [];
  let requests: FuzzRequest[] = [];

  beforeAll(async () => {
    // Payment providers answer from their in-process contract servers (checkout, refunds and reconciliation reach
    // them instead of failing DNS lookups of hosts that do not exist).
    routeProvidersToContracts();
    const doc = (await api('GET', '/api/v1/openapi.json')).body as OpenApiDocument;
    operations = operationsOf(doc);

    const admin = await signUpAdmin();
    const creator = await signUp('creator');
    const viewer = await signUp('viewer');
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const key = async (token: string, scopes: string[]) => {
      const created = await api('POST', '/api/v1/api-keys', { token, body: { name: 'fuzz', scopes } });
      expect(created.status).toBe(201);
      return created.body.key as string;
    };
    const videos: string[] = [];
    for (const visibility of ['public', 'private']) {
      const created = await api('POST', '/api/v1/videos', {
        token: creator.accessToken,
        body: { title: 'Fuzz target', language: 'en', visibility },
      });
      videos.push(created.body.id);
    }
    await markVideoReady(videos[0] as string);
    const ingest = await api('POST', '/api/v1/tokens/ingest', { token: viewer.accessToken, body: { videoId: videos[0] } });
    const hosted = await api('POST', '/api/v1/rooms', { token: viewer.accessToken, body: { title: 'Fuzz room' } });
    const room = await api('POST', '/api/v1/tokens/room', { token: viewer.accessToken, body: { roomId: hosted.body.room.id } });
    expect([ingest.status, room.status]).toEqual([201, 201]);
    const rules = await api('GET', '/api/v1/alerts/rules', { token: admin.accessToken });

    // Admins reach the most code, so they send most requests.
    const people: Credential[] = [
      { label: 'admin', headers: bearer(admin.accessToken) },
      { label: 'admin', headers: bearer(admin.accessToken) },
      { label: 'admin', headers: bearer(admin.accessToken) },
      { label: 'creator', headers: bearer(creator.accessToken) },
      { label: 'viewer', headers: bearer(viewer.accessToken) },
      { label: 'admin key', headers: { 'X-API-Key': await key(admin.accessToken, ['admin']) } },
      { label: 'creator key', headers: bearer(await key(creator.accessToken, ['catalog:read', 'catalog:write', 'payments:read'])) },
    ];
    // Which of them get past authorization on each operation, found by one probe each (authorization runs before
    // validation, so an empty body is enough): requests then go deep instead of stopping at 401/403. Refused
    // credentials are still fuzzed by the bad-credential mutation.
    const allowed = new Map<string, Credential[]>();
    for (const op of operations) {
      const path = op.path.replace(/\{[^}]+\}/g, 'probe');
      const admitted: Credential[] = [];
      for (const credential of people) {
        const probe = await send({
          operation: op.key,
          mutation: 'probe',
          credential: credential.label,
          method: op.method,
          url: path,
          headers: { ...credential.headers, ...(op.method === 'GET' ? {} : { 'Content-Type': 'application/json' }) },
          ...(op.method === 'GET' ? {} : { body: '{}' }),
        });
        if (probe.status !== 401 && probe.status !== 403) admitted.push(credential);
      }
      allowed.set(op.key, admitted.length > 0 ? admitted : people);
    }
    const credentialsFor = (op: FuzzOperation): Credential[] => {
      if (op.key.includes('/sfu/') || op.key.endsWith('/ws')) return [{ label: 'room token', headers: bearer(room.body.token) }];
      if (op.key === 'POST /api/v1/analytics/samples')
        return [{ label: 'ingest token', headers: bearer(ingest.body.token) }, people[5] as Credential];
      return allowed.get(op.key) ?? people;
    };
    const known: KnownIds = {
      vid_: videos,
      usr_: [creator.user.id, viewer.user.id],
      ses_: [ingest.body.sessionId],
      rul_: (rules.body.items ?? []).map((rule: { id: string }) => rule.id).slice(0, 3),
    };
    requests = generateRequests(operations, { seed: SEED, count: COUNT, credentialsFor, known, maxBodyBytes: 1_048_576 });
    await prepareSnapshot();
    await settle();
  });

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(70);
    const covered = new Set(requests.map((r) => r.operation));
    expect(operations.filter((op) => !covered.has(op.key)).map((op) => op.key)).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(Math.min(COUNT, 10_000));
  });

  it('never answers 5xx, always in the error shape, and never writes on rejection', async () => {
    const started = Date.now();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // Row counts are compared per window of rejected requests rather than per request (a D1 round trip costs as
    // much as the request). A window whose counts moved is replayed one request at a time to name the culprit.
    // Mutations that leave a request valid may well be accepted and write: each runs in a window of its own.
    let windowStart = await snapshot();
    let window: FuzzRequest[] = [];
    let replayed = 0;
    // Operation × mutation pairs seen accepted: later requests of the pair run in a window of their own.
    const acceptedBefore = new Set<string>();
    const replayWindow = async () => {
      for (const request of window) {
        const before = await snapshot();
        const replay = await send(request);
        replayed++;
        const changed = changedTables(before, await snapshot());
        if (replay.status >= 400 && changed.length > 0)
          failures.push(
            `${request.operation} [${request.mutation}, ${request.credential}] ${request.url.slice(0, 160)} → ${replay.status}: wrote to ${changed.join(', ')}`,
          );
      }
    };
    const closeWindow = async () => {
      if (window.length === 0) return;
      const now = await snapshot();
      if (changedTables(windowStart, now).length === 0) {
        window = [];
        windowStart = now;
        return;
      }
      await replayWindow();
      window = [];
      windowStart = await snapshot();
    };
    for (const request of requests) {
      const writes = request.method !== 'GET';
      const combination = `${request.operation} ${request.mutation}`;
      const isolated = writes && (LIKELY_ACCEPTED.has(request.mutation) || acceptedBefore.has(combination));
      if (isolated) await closeWindow();
      const response = await send(request);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `${request.operation} [${request.mutation}, ${request.credential}] ${request.method} ${request.url.slice(0, 160)} → ${response.status}`;
      const switchedOff = response.status === 503 && response.body?.error?.code === 'not_configured';
      if (response.status >= 500 && !switchedOff) failures.push(`${where} ${response.text.slice(0, 300)}`);
      if (/\bat [\w.<>]+ \(|\.ts:\d+/.test(response.text)) failures.push(`${where}: stack trace in the body`);
      if (response.status >= 400 && (typeof response.body?.error?.code !== 'string' || typeof response.body?.error?.message !== 'string'))
        failures.push(`${where}: not the error shape: ${response.text.slice(0, 200)}`);
      if (response.status < 400) {
        if (!writes) continue;
        acceptedBefore.add(combination);
        // Accepted, so it may have written. If counts moved, the rejected requests sent before it in this window
        // are judged one by one.
        const now = await snapshot();
        if (window.length > 0 && changedTables(windowStart, now).length > 0) {
          await replayWindow();
          windowStart = await snapshot();
        } else windowStart = now;
        window = [];
        continue;
      }
      if (writes) window.push(request);
      if (isolated || window.length >= 12) await closeWindow();
    }
    await closeWindow();
    const seconds = (Date.now() - started) / 1000;
    console.info(
      `fuzz: ${requests.length} requests over ${operations.length} operations in ${seconds.toFixed(1)} s (${replayed} replayed), ` +
        `seed ${SEED} (repeat with FUZZ_SEED=${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    const slowest = [...perOperationMs].sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.info(`fuzz time (ms): ${JSON.stringify(spentMs)}; slowest operations: ${JSON.stringify(slowest)}`);
    if (failures.length) console.error(`fuzz seed ${SEED}: ${failures.length} failures`);
    expect(failures.slice(0, 40)).toEqual([]);
  }, 240_000);
});
