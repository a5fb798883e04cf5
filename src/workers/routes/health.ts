// Liveness of every dependency: D1 answers a query, each Durable Object namespace reaches an object, each
// queue accepts a message. 200 when all answer, 503 (with the per-check detail) when any does not.
import { createRoute, z } from '@hono/zod-openapi';
import { errorMessage } from '../../domain/errors';
import { createEvent } from '../../domain/events';
import type { Env } from '../../env';
import { createRouter, jsonResponse } from '../openapi';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() }).openapi('HealthCheck');
const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    environment: z.string(),
    time: z.string(),
    checks: z.record(z.string(), Check),
  })
  .openapi('Health');

const CHECK_TIMEOUT_MS = 3000;

async function timed(run: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    return { ok: false, latencyMs: Date.now() - started, error: errorMessage(error) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export async function runHealthChecks(env: Env) {
  const probes: Record<string, () => Promise<unknown>> = {
    d1: () => env.DB.prepare('SELECT 1').first(),
    swarmTracker: () => env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName('health')).health(),
    callRoom: () => env.CALL_ROOM.get(env.CALL_ROOM.idFromName('health')).health(),
    peerMetrics: () => env.PEER_METRICS.get(env.PEER_METRICS.idFromName('health')).health(),
    domainEventsQueue: () => env.DOMAIN_EVENTS.send(createEvent('system.ping', { queue: 'domain' }), { contentType: 'json' }),
    paymentEventsQueue: () => env.PAYMENT_EVENTS.send(createEvent('system.ping', { queue: 'payments' }), { contentType: 'json' }),
    ipfsJobsQueue: () => env.IPFS_JOBS.send(createEvent('system.ping', { queue: 'ipfs' }), { contentType: 'json' }),
  };
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((name) => timed(probes[name] as () => Promise<unknown>)));
  const checks = Object.fromEntries(names.map((name, i) => [name, results[i] as z.infer<typeof Check>]));
  return { ok: results.every((result) => result.ok), checks };
}

export const healthRoutes = createRouter();

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/health',
    tags: ['Operations'],
    summary: 'Whether D1, the Durable Objects and the queues answer',
    responses: {
      200: jsonResponse(HealthSchema, 'Every dependency answered'),
      503: jsonResponse(HealthSchema, 'At least one dependency did not answer'),
    },
  }),
  async (c) => {
    const { ok, checks } = await runHealthChecks(c.env);
    const body = {
      status: ok ? ('ok' as const) : ('degraded' as const),
      environment: c.env.APP_ENV ?? 'production',
      time: new Date().toISOString(),
      checks,
    };
    c.header('Cache-Control', 'no-store');
    return ok ? c.json(body, 200) : c.json(body, 503);
  },
);

healthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/ping',
    tags: ['Operations'],
    summary: 'Liveness only: answers without touching any dependency (load balancers, benchmarks)',
    responses: { 200: jsonResponse(z.object({ ok: z.literal(true) }).openapi('Pong'), 'Alive') },
  }),
  (c) => c.json({ ok: true as const }, 200),
);
