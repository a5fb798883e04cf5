// Cron dispatcher: wrangler.toml [triggers] crons → jobs. Each job is independent; one failing does not
// stop the others, and every failure is logged (Cloudflare also records the failed invocation).
import { openDatabase } from '../adapters/db/client';
import { purgeProcessedEvents } from '../adapters/db/events-repo';
import { purgeRefreshTokensStatement } from '../adapters/db/refresh-tokens-repo';
import { queuesOf, relayStaleOutbox } from '../adapters/queues/event-bus';
import { errorMessage } from '../domain/errors';
import type { Env } from '../env';
import { evaluateFleetRules } from './alerts/fleet';
import { runStorageMaintenance } from './ipfs/maintenance';
import { runReconciliation } from './payments/reconciliation';
import { precomputeRecommendations } from './recommendations/precompute';

export interface CronJob {
  name: string;
  run(env: Env, now: number): Promise<unknown>;
}

const DAY_MS = 86_400_000;
// Outbox rows younger than this still belong to a request that may be relaying them right now.
const OUTBOX_GRACE_MS = 60_000;

export const relayOutboxJob: CronJob = {
  name: 'relay-outbox',
  run: (env, now) => relayStaleOutbox(openDatabase(env.DB), queuesOf(env), OUTBOX_GRACE_MS, now),
};

export const authHousekeepingJob: CronJob = {
  name: 'auth-housekeeping',
  async run(env, now) {
    const db = openDatabase(env.DB);
    // Keep a week of expired/revoked refresh tokens so reuse of a recently rotated token is still detected.
    await purgeRefreshTokensStatement(db, now - 7 * DAY_MS).run();
    // Redeliveries happen within minutes to hours; 30 days of processed markers is ample.
    await purgeProcessedEvents(db, now - 30 * DAY_MS);
  },
};

// Fleet alert rules over the same aggregates as GET /analytics/summary (see workers/alerts/fleet.ts).
export const fleetAlertsJob: CronJob = {
  name: 'fleet-alerts',
  run: (env, now) => evaluateFleetRules(env, now),
};

// Recommendation neighbours, trending per region and swarm health (see workers/recommendations/precompute.ts).
export const recommendationsJob: CronJob = {
  name: 'recommendations',
  run: (env, now) => precomputeRecommendations(env, now),
};

// IPFS storage: node health and free-space alerts, pin checks and replica repair, dead-lettered store jobs
// (see workers/ipfs/maintenance.ts). Does nothing when IPFS_API_URLS is unset.
export const storageMaintenanceJob: CronJob = {
  name: 'storage-maintenance',
  run: (env, now) => runStorageMaintenance(env, now),
};

// Payment reconciliation: re-query waiting payments, match provider records to the ledger, alert on mismatches.
export const paymentReconciliationJob: CronJob = {
  name: 'payment-reconciliation',
  run: (env, now) => runReconciliation(env, now),
};

export const cronJobs: Record<string, CronJob[]> = {
  '*/5 * * * *': [relayOutboxJob, fleetAlertsJob, storageMaintenanceJob],
  '0 * * * *': [authHousekeepingJob, recommendationsJob],
  '30 3 * * *': [paymentReconciliationJob],
};

export async function runScheduled(cron: string, env: Env, now = Date.now()): Promise<{ job: string; ok: boolean; error?: string }[]> {
  const jobs = cronJobs[cron] ?? [];
  if (jobs.length === 0) console.warn(JSON.stringify({ level: 'warn', msg: 'no jobs for cron', cron }));
  const results = [];
  for (const job of jobs) {
    try {
      await job.run(env, now);
      results.push({ job: job.name, ok: true });
    } catch (error) {
      const message = errorMessage(error);
      console.error(JSON.stringify({ level: 'error', msg: 'cron job failed', cron, job: job.name, error: message }));
      results.push({ job: job.name, ok: false, error: message });
    }
  }
  return results;
}
