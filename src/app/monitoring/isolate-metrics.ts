// The isolate's side of system monitoring: record into an in-memory accumulator on the hot path (no await,
// no I/O), and hand the totals to the global MonitoringRegistry object now and then: every FLUSH_INTERVAL_MS
// or FLUSH_MAX_RECORDS observations, whichever comes first, in `waitUntil` so no response waits for it.
// An isolate evicted between flushes loses at most those few seconds of counts: acceptable for monitoring,
// and the price of not writing storage on every request.

import { errorMessage } from '../../domain/errors';
import { bucketIndex } from '../../domain/monitoring/histogram';
import { MetricsAccumulator, type QueueOutcome } from '../../domain/monitoring/metrics';
import type { Env } from '../../env';

export const FLUSH_INTERVAL_MS = 10_000;
export const FLUSH_MAX_RECORDS = 500;
export const REGISTRY_NAME = 'global';
const INFLIGHT_WAIT_MS = 2_000;

const accumulator = new MetricsAccumulator();
// 0 until the first observation: module scope has no meaningful clock in Workers.
let lastFlushAt = 0;
let inflight: Promise<void> | null = null;

type MonitoringEnv = Pick<Env, 'MONITORING_REGISTRY'>;

export function registryStub(env: MonitoringEnv) {
  return env.MONITORING_REGISTRY.get(env.MONITORING_REGISTRY.idFromName(REGISTRY_NAME));
}

export function recordRequest(route: string, method: string, status: number, durationMs: number): void {
  accumulator.recordRequest(route, method, status, durationMs, bucketIndex(durationMs));
}

export function recordQueueOutcome(queue: string, outcome: QueueOutcome, count = 1): void {
  accumulator.recordQueue(queue, outcome, count);
}

export function recordObjectEvent(object: string, event: string): void {
  accumulator.recordObjectEvent(object, event);
}

function startFlush(env: MonitoringEnv): Promise<void> {
  const delta = accumulator.drain();
  const sending = (async () => {
    try {
      await registryStub(env).ingest(delta);
    } catch (error) {
      // Keep the counts for the next flush rather than losing them to a transient failure.
      accumulator.restore(delta);
      console.error(JSON.stringify({ level: 'warn', msg: 'monitoring flush failed', error: errorMessage(error) }));
    }
  })();
  const tracked = sending.finally(() => {
    if (inflight === tracked) inflight = null;
  });
  inflight = tracked;
  return tracked;
}

/**
 * Flushes when enough time or observations have piled up. With `waitUntil` the flush runs after the response;
 * without it the returned promise is the flush (callers off the request path, like queue consumers, await it).
 */
export function flushMonitoringIfDue(env: Partial<MonitoringEnv>, waitUntil?: (promise: Promise<unknown>) => void, now = Date.now()) {
  if (!env.MONITORING_REGISTRY || accumulator.recorded === 0) return Promise.resolve();
  if (lastFlushAt === 0) lastFlushAt = now;
  if (inflight || (accumulator.recorded < FLUSH_MAX_RECORDS && now - lastFlushAt < FLUSH_INTERVAL_MS)) return Promise.resolve();
  lastFlushAt = now;
  const flushing = startFlush(env as MonitoringEnv);
  waitUntil?.(flushing);
  return flushing;
}

/** Flushes everything recorded in this isolate now (the metrics endpoint does, so a scrape sees its own isolate). */
export async function flushMonitoring(env: Partial<MonitoringEnv>): Promise<void> {
  if (!env.MONITORING_REGISTRY) return;
  // A flush another request started may be running; wait for it briefly (its counts land in the registry), but
  // never hang a scrape on another request's promise.
  if (inflight) await Promise.race([inflight, new Promise((resolve) => setTimeout(resolve, INFLIGHT_WAIT_MS))]);
  lastFlushAt = Date.now();
  if (accumulator.recorded === 0) return;
  await startFlush(env as MonitoringEnv);
}

/** One-line hook for Durable Objects: count an event and flush through the object's own waitUntil when due. */
export function noteObjectEvent(
  env: Partial<MonitoringEnv>,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  object: string,
  event: string,
) {
  accumulator.recordObjectEvent(object, event);
  void flushMonitoringIfDue(env, (promise) => ctx.waitUntil(promise));
}
