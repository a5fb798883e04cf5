// Fleet alert evaluation (cron, every 5 minutes): each enabled fleet rule is evaluated on the same summary the
// analytics API serves for the rule's window and filter, then its open alert advances through the lifecycle.

import { listEnabledRules, openAlertsOfRules, toAlertRecord } from '../../adapters/db/alerts-repo';
import { aggregate, sessionCounts } from '../../adapters/db/analytics-queries';
import { openDatabase } from '../../adapters/db/client';
import { queuesOf } from '../../adapters/queues/event-bus';
import { newAlertId, type RuleTransition, recordTransitions } from '../../app/alerts/record-transitions';
import { advanceAlert } from '../../domain/alerts/lifecycle';
import { evaluateRule, fleetReadings, fleetScopeKey } from '../../domain/alerts/rules';
import type { Env } from '../../env';
import { summaryReport } from '../analytics/reports';

export async function evaluateFleetRules(env: Env, now: number) {
  const db = openDatabase(env.DB);
  const rules = await listEnabledRules(db, 'fleet');
  const open = new Map(
    (
      await openAlertsOfRules(
        db,
        rules.map((rule) => rule.id),
      )
    ).map((row) => [`${row.ruleId}\u0000${row.scopeKey}`, row]),
  );
  const items: RuleTransition[] = [];
  const outcomes: Record<string, string> = {};
  for (const rule of rules) {
    const filter = { from: now - rule.windowSeconds * 1000, to: now, ...rule.filter };
    const [row, counts] = await Promise.all([aggregate(db, filter), sessionCounts(db, filter)]);
    const evaluation = evaluateRule(rule, fleetReadings(summaryReport(row, counts, filter)));
    outcomes[rule.id] = evaluation.status;
    const scopeKey = fleetScopeKey(rule.filter);
    const current = open.get(`${rule.id}\u0000${scopeKey}`);
    const transition = advanceAlert(rule, current ? toAlertRecord(current) : null, evaluation, { scopeKey, now, newId: newAlertId });
    items.push({ rule, transition });
  }
  const recorded = await recordTransitions(db, queuesOf(env), items);
  return { rules: rules.length, outcomes, ...recorded };
}
