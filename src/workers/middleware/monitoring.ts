// Per-route request counts by status class and latency histograms (see src/app/monitoring/isolate-metrics.ts for where
// they go). The route label is the route pattern Hono matched ("/api/v1/videos/:id"), never the raw path:
// raw paths carry ids and would make the label set unbounded.
// Latency is wall time around the rest of the chain. Workers advance the clock only across I/O, so pure CPU
// work reads as 0 ms: these histograms measure waiting on D1, Durable Objects and fetches.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { flushMonitoringIfDue, recordRequest } from '../../app/monitoring/isolate-metrics';
import type { AppEnv } from '../env';

export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The handler's route pattern. `app.use` middleware is registered with method "ALL"; when one of them answered
 * (401 from authentication, 413 from the body limit) the route the request was headed for is still the label.
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  const current = routes[c.req.routeIndex];
  if (current && current.method !== 'ALL') return current.path;
  return routes.find((route) => route.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
}

export const monitorRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  try {
    await next();
  } finally {
    recordRequest(routeLabel(c), c.req.method, c.res.status, Date.now() - started);
    let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
    try {
      const ctx = c.executionCtx;
      waitUntil = (promise) => ctx.waitUntil(promise);
    } catch {
      // No execution context (app.request in a test): counts wait for the next flush.
    }
    if (waitUntil) void flushMonitoringIfDue(c.env, waitUntil);
  }
};
