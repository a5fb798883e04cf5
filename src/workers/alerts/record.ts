// How an alert and a new rule look to the API; recording transitions is src/app/alerts/record-transitions.ts.
import type { AlertRow } from '../../adapters/db/alerts-repo';
import { randomToken } from '../../domain/ids';

export const newRuleId = () => `rul_${randomToken(24)}`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An alert as the API (and the dashboard) shows it. */
export function toAlertItem(row: AlertRow) {
  return {
    id: row.id,
    ruleId: row.ruleId,
    ruleName: row.ruleName,
    metric: row.metric,
    scope: row.scope,
    scopeKey: row.scopeKey,
    state: row.state,
    value: row.lastValue,
    threshold: row.threshold,
    startedAt: new Date(row.startedAt).toISOString(),
    resolvedAt: iso(row.resolvedAt),
  };
}
