// Storage alerts, through the ordinary alert lifecycle (domain/alerts/lifecycle.ts) and recorder, on the two
// rules migrations/0008_ipfs_storage.sql seeds: a node's free space ratio below its threshold (one alert per
// node, scope key `fleet:ipfsNode=<name>`) and store jobs dead-lettered (`fleet:ipfsJobs`). Operators can
// disable or retune those rules like any other (threshold, hysteresis, webhook).
import { findRule, openAlertsOfRules, toAlertRecord, toAlertRule } from '../../adapters/db/alerts-repo';
import type { Database } from '../../adapters/db/client';
import { queuesOf } from '../../adapters/queues/event-bus';
import { newAlertId, type RuleTransition, recordTransitions } from '../../app/alerts/record-transitions';
import { advanceAlert } from '../../domain/alerts/lifecycle';
import { evaluateRule, type MetricReading } from '../../domain/alerts/rules';
import type { Env } from '../../env';

export const LOW_FREE_SPACE_RULE_ID = 'rul_ipfs_low_free_space';
export const FAILED_JOBS_RULE_ID = 'rul_ipfs_job_failed';

export const nodeScopeKey = (node: string) => `fleet:ipfsNode=${node}`;
export const FAILED_JOBS_SCOPE_KEY = 'fleet:ipfsJobs';

/** Evaluates one storage rule for several scope keys (null value = no data: nothing changes). */
export async function evaluateStorageRule(
  db: Database,
  env: Env,
  ruleId: string,
  values: { scopeKey: string; value: number | null }[],
  now: number,
): Promise<{ opened: number; updated: number; resolved: number }> {
  const row = await findRule(db, ruleId);
  if (!row?.enabled) return { opened: 0, updated: 0, resolved: 0 };
  const rule = toAlertRule(row);
  const open = await openAlertsOfRules(db, [rule.id]);
  const items: RuleTransition[] = [];
  for (const { scopeKey, value } of values) {
    const current = open.find((alert) => alert.scopeKey === scopeKey);
    const reading: MetricReading = { value, samples: value === null ? 0 : 1 };
    const evaluation = evaluateRule(rule, { [rule.metric]: reading } as never);
    items.push({
      rule,
      transition: advanceAlert(rule, current ? toAlertRecord(current) : null, evaluation, { scopeKey, now, newId: newAlertId }),
    });
  }
  return recordTransitions(db, queuesOf(env), items);
}
