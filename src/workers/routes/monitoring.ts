// System monitoring for operators and scrapers: fleet-wide request counts, latency histograms, queue outcomes,
// Durable Object activity and the event backlog. Prometheus text by default (point a scraper here with an API
// key holding the "admin" scope); JSON with ?format=json or Accept: application/json.
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { readBacklog } from '../../adapters/db/monitoring-repo';
import { flushMonitoring, registryStub } from '../../app/monitoring/isolate-metrics';
import { jsonReport, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../domain/monitoring/exposition';
import type { MetricsSnapshot } from '../../domain/monitoring/metrics';
import type { Env } from '../../env';
import { requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses } from '../openapi';

export const monitoringRoutes = createRouter();

/** This isolate's pending counts first, so a scrape includes at least the isolate answering it. */
export async function readSnapshot(env: Env): Promise<MetricsSnapshot> {
  await flushMonitoring(env);
  const [totals, backlog] = await Promise.all([registryStub(env).totals(), readBacklog(openDatabase(env.DB))]);
  return { ...totals, ...backlog };
}

monitoringRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/monitoring/metrics',
    tags: ['Operations'],
    summary: 'Request, latency, queue and backlog metrics (Prometheus text 0.0.4, or JSON)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'admin', scope: 'admin' })] as const,
    request: {
      query: z.strictObject({
        format: z.enum(['prometheus', 'json']).optional().openapi({ description: 'Overrides the Accept header' }),
      }),
    },
    responses: {
      200: {
        description: 'Totals since the registry was created; backlog gauges read now',
        content: {
          'text/plain': { schema: z.string().openapi({ description: 'Prometheus text exposition format 0.0.4' }) },
          'application/json': { schema: z.record(z.string(), z.unknown()) },
        },
      },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const { format } = c.req.valid('query');
    const wantsJson = format === 'json' || (format === undefined && (c.req.header('Accept') ?? '').includes('application/json'));
    const snapshot = await readSnapshot(c.env);
    const headers = { 'Cache-Control': 'no-store' };
    if (wantsJson) return c.json(jsonReport(snapshot), 200, headers);
    return c.text(renderPrometheus(snapshot), 200, { ...headers, 'Content-Type': PROMETHEUS_CONTENT_TYPE });
  },
);
