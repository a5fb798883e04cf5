// Alerting: rules (what to watch), alerts (one row per firing episode) and webhook notification attempts.
// An alert keeps a copy of its rule's name, metric, scope and threshold as they were when it opened, so history
// still reads correctly after the rule is edited.
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { AlertState } from '../../domain/alerts/lifecycle';
import type { AlertFilter, AlertMetric, AlertScope, Comparator } from '../../domain/alerts/rules';

export const alertRules = sqliteTable(
  'alert_rules',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    metric: text('metric').$type<AlertMetric>().notNull(),
    comparator: text('comparator').$type<Comparator>().notNull(),
    threshold: real('threshold').notNull(),
    windowSeconds: integer('window_seconds').notNull(),
    scope: text('scope').$type<AlertScope>().notNull(),
    // {videoId?, roomId?, country?} narrowing a fleet rule; null for the whole fleet.
    filter: text('filter', { mode: 'json' }).$type<AlertFilter>(),
    minSamples: integer('min_samples').notNull().default(0),
    hysteresis: real('hysteresis').notNull().default(0),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    notifyUrl: text('notify_url'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  // The cron and every aggregator object load "enabled rules of scope X".
  (t) => [index('alert_rules_scope_enabled').on(t.scope, t.enabled)],
);

export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    ruleId: text('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    ruleName: text('rule_name').notNull(),
    metric: text('metric').notNull(),
    scope: text('scope').$type<AlertScope>().notNull(),
    // "fleet" (or "fleet:videoId=…") for fleet rules, the session id for session rules.
    scopeKey: text('scope_key').notNull(),
    state: text('state').$type<AlertState>().notNull(),
    threshold: real('threshold').notNull(),
    lastValue: real('last_value'),
    startedAt: integer('started_at').notNull(),
    resolvedAt: integer('resolved_at'),
    lastEvaluatedAt: integer('last_evaluated_at').notNull(),
    // null while firing; "evaluation" when the data recovered, else the id of the user who resolved it.
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    // At most one open alert per (rule, scope key), even if two evaluations race: the second insert is ignored.
    uniqueIndex('alerts_open_unique').on(t.ruleId, t.scopeKey).where(sql`state = 'firing'`),
    // GET /alerts?state=…: newest first, keyset cursor on (started_at, id).
    index('alerts_state_started').on(t.state, t.startedAt, t.id),
    // A session's aggregator reloads its own open alerts.
    index('alerts_scope_key').on(t.scopeKey, t.state),
  ],
);

/** Every webhook delivery attempt for an alert, successful or not. */
export const alertNotifications = sqliteTable(
  'alert_notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    alertId: text('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    transition: text('transition').$type<'opened' | 'resolved'>().notNull(),
    url: text('url').notNull(),
    attempt: integer('attempt').notNull(),
    // HTTP status of the receiver's answer; null when the request itself failed.
    status: integer('status'),
    error: text('error'),
    attemptedAt: integer('attempted_at').notNull(),
  },
  (t) => [index('alert_notifications_alert').on(t.alertId, t.attemptedAt)],
);
