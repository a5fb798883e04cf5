// Worker entry: HTTP (Hono app), queue consumers and cron triggers, plus the Durable Object classes that
// wrangler.toml binds.

import type { Env } from '../env';
import { createApp } from './app';
import { consumeBatch } from './events/consumer';
import { runScheduled } from './scheduled';

export { CallRoom } from '../durable-objects/call-room';
export { MonitoringRegistry } from '../durable-objects/monitoring-registry';
export { PeerMetricsAggregator } from '../durable-objects/peer-metrics-aggregator';
export { RateLimiter } from '../durable-objects/rate-limiter';
export { SwarmTracker } from '../durable-objects/swarm-tracker';

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, unknown>;
