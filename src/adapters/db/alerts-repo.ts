// Alert rules, alerts and notification attempts in D1. Transitions of the lifecycle (domain/alerts/lifecycle.ts)
// become statements here, so the caller can commit them in one batch with the outbox rows of their webhooks.

import { and, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { AlertRecord, AlertState, AlertTransition } from '../../domain/alerts/lifecycle';
import type { AlertRule, AlertScope } from '../../domain/alerts/rules';
import { alertNotifications, alertRules, alerts } from './alerts-schema';
import type { Database } from './client';
import { beforeKeyset } from './keyset';

export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;

export function toAlertRule(row: AlertRuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    metric: row.metric,
    comparator: row.comparator,
    threshold: row.threshold,
    windowSeconds: row.windowSeconds,
    scope: row.scope,
    filter: row.filter ?? undefined,
    minSamples: row.minSamples,
    hysteresis: row.hysteresis,
    enabled: row.enabled,
    notifyUrl: row.notifyUrl,
  };
}

export function toAlertRecord(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    ruleId: row.ruleId,
    scopeKey: row.scopeKey,
    state: row.state,
    startedAt: row.startedAt,
    resolvedAt: row.resolvedAt,
    lastValue: row.lastValue,
    lastEvaluatedAt: row.lastEvaluatedAt,
  };
}

export async function listRules(db: Database): Promise<AlertRuleRow[]> {
  return db.select().from(alertRules).orderBy(alertRules.createdAt, alertRules.id).all();
}

export async function listEnabledRules(db: Database, scope: AlertScope): Promise<AlertRule[]> {
  const rows = await db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.scope, scope), eq(alertRules.enabled, true)))
    .all();
  return rows.map(toAlertRule);
}

export async function findRule(db: Database, id: string) {
  return db.select().from(alertRules).where(eq(alertRules.id, id)).get();
}

export async function insertRule(db: Database, row: typeof alertRules.$inferInsert) {
  await db.insert(alertRules).values(row);
}

export async function updateRule(db: Database, id: string, changes: Partial<typeof alertRules.$inferInsert>) {
  await db.update(alertRules).set(changes).where(eq(alertRules.id, id));
}

/** Deletes the rule; its alerts and their notification records go with it (ON DELETE CASCADE). */
export async function deleteRule(db: Database, id: string): Promise<boolean> {
  const deleted = await db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id });
  return deleted.length > 0;
}

export async function findAlert(db: Database, id: string) {
  return db.select().from(alerts).where(eq(alerts.id, id)).get();
}

/** Open alerts of some rules (fleet evaluation loads them all at once). */
export async function openAlertsOfRules(db: Database, ruleIds: string[]): Promise<AlertRow[]> {
  if (ruleIds.length === 0) return [];
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.state, 'firing'), inArray(alerts.ruleId, ruleIds)))
    .all();
}

/** Open alerts of one scope key (a session's aggregator loads its own). */
export async function openAlertsOfScopeKey(db: Database, scopeKey: string): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.scopeKey, scopeKey), eq(alerts.state, 'firing')))
    .all();
}

export async function listAlerts(
  db: Database,
  state: AlertState | undefined,
  after: { startedAt: number; id: string } | null,
  limit: number,
): Promise<AlertRow[]> {
  const conditions: SQL[] = [];
  if (state) conditions.push(eq(alerts.state, state));
  if (after) {
    conditions.push(beforeKeyset(alerts.startedAt, alerts.id, [after.startedAt, after.id]));
  }
  return db
    .select()
    .from(alerts)
    .where(and(...conditions))
    .orderBy(desc(alerts.startedAt), desc(alerts.id))
    .limit(limit + 1)
    .all();
}

/**
 * The statement that persists a lifecycle transition (none for "unchanged"). Opening inserts or-ignore: the
 * partial unique index alerts_open_unique turns a racing second open of the same (rule, scope key) into a no-op.
 * Updates and resolves only touch a row that is still firing, so a late evaluation never reopens a resolved alert.
 */
export function transitionStatement(db: Database, rule: AlertRule, transition: AlertTransition, resolvedBy = 'evaluation') {
  switch (transition.kind) {
    case 'unchanged':
      return null;
    case 'opened': {
      const alert = transition.alert;
      return db
        .insert(alerts)
        .values({
          id: alert.id,
          ruleId: rule.id,
          ruleName: rule.name,
          metric: rule.metric,
          scope: rule.scope,
          scopeKey: alert.scopeKey,
          state: 'firing',
          threshold: rule.threshold,
          lastValue: alert.lastValue,
          startedAt: alert.startedAt,
          resolvedAt: null,
          lastEvaluatedAt: alert.lastEvaluatedAt,
        })
        .onConflictDoNothing();
    }
    case 'updated':
      return db
        .update(alerts)
        .set({ lastValue: transition.alert.lastValue, lastEvaluatedAt: transition.alert.lastEvaluatedAt })
        .where(and(eq(alerts.id, transition.alert.id), eq(alerts.state, 'firing')));
    case 'resolved':
      return db
        .update(alerts)
        .set({
          state: 'resolved',
          resolvedAt: transition.alert.resolvedAt,
          lastValue: transition.alert.lastValue,
          lastEvaluatedAt: transition.alert.lastEvaluatedAt,
          resolvedBy,
        })
        .where(and(eq(alerts.id, transition.alert.id), eq(alerts.state, 'firing')));
  }
}

export async function recordNotificationAttempt(db: Database, row: typeof alertNotifications.$inferInsert) {
  await db.insert(alertNotifications).values(row);
}

export function notificationAttemptStatement(db: Database, row: typeof alertNotifications.$inferInsert) {
  return db.insert(alertNotifications).values(row);
}
