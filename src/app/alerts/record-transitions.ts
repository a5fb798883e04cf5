// Persisting alert lifecycle transitions, shared by the fleet cron, the session aggregators, the IPFS node checks and
// the manual resolve route: each transition's D1 statement and, when the rule has a webhook, an `alert.notify` event
// go into one batch (transactional outbox), then the events are relayed to the domain-events queue.
import { transitionStatement } from '../../adapters/db/alerts-repo';
import type { Database } from '../../adapters/db/client';
import { outboxStatements, type QueueBindings, relay } from '../../adapters/queues/event-bus';
import type { AlertTransition } from '../../domain/alerts/lifecycle';
import type { AlertRule } from '../../domain/alerts/rules';
import { createEvent, type DomainEvent } from '../../domain/events';
import { randomToken } from '../../domain/ids';

export const newAlertId = () => `alt_${randomToken(24)}`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface RuleTransition {
  rule: AlertRule;
  transition: AlertTransition;
}

function notifyEvent(rule: AlertRule, transition: AlertTransition, actorId: string | null): DomainEvent<'alert.notify'> | null {
  if (!rule.notifyUrl || (transition.kind !== 'opened' && transition.kind !== 'resolved')) return null;
  const alert = transition.alert;
  return createEvent(
    'alert.notify',
    {
      notifyUrl: rule.notifyUrl,
      transition: transition.kind,
      alert: {
        id: alert.id,
        ruleId: rule.id,
        ruleName: rule.name,
        metric: rule.metric,
        scope: rule.scope,
        scopeKey: alert.scopeKey,
        state: alert.state,
        value: alert.lastValue,
        threshold: rule.threshold,
        startedAt: new Date(alert.startedAt).toISOString(),
        resolvedAt: iso(alert.resolvedAt),
      },
    },
    actorId,
  );
}

/** Commits the transitions (and their webhook events) in one batch; returns how many of each kind there were. */
export async function recordTransitions(
  db: Database,
  queues: QueueBindings,
  items: RuleTransition[],
  options: { resolvedBy?: string; actorId?: string | null } = {},
): Promise<{ opened: number; updated: number; resolved: number }> {
  const counts = { opened: 0, updated: 0, resolved: 0 };
  const statements = [];
  const events: DomainEvent<'alert.notify'>[] = [];
  for (const { rule, transition } of items) {
    const statement = transitionStatement(db, rule, transition, options.resolvedBy);
    if (statement === null || transition.kind === 'unchanged') continue;
    counts[transition.kind]++;
    statements.push(statement);
    const event = notifyEvent(rule, transition, options.actorId ?? null);
    if (event) events.push(event);
  }
  const [first, ...rest] = [...statements, ...outboxStatements(db, events)];
  if (!first) return counts;
  await db.batch([first, ...rest]);
  // A failed relay leaves the rows in the outbox; the */5 relay cron sends them.
  await relay(db, queues, events).catch((error) =>
    console.warn(JSON.stringify({ level: 'warn', msg: 'alert notify relay failed', error: String(error) })),
  );
  return counts;
}
