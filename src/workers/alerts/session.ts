// Session alert evaluation, run by a PeerMetricsAggregator right after each ingested batch. Kept cheap for the
// ingest path: the enabled session rules and this session's open alerts are read from D1 at most once a minute
// per object (and again after the object is evicted); between reloads the object trusts its own copy. A batch
// that changes nothing touches D1 not at all; a still-firing alert's value is written at most once a minute.
import { listEnabledRules, openAlertsOfScopeKey, toAlertRecord } from '../../adapters/db/alerts-repo';
import { openDatabase } from '../../adapters/db/client';
import { type AlertRecord, advanceAlert } from '../../domain/alerts/lifecycle';
import { type AlertRule, evaluateRule, matchesFilter, type SessionSnapshot, sessionReadings } from '../../domain/alerts/rules';
import type { Env } from '../env';
import { newAlertId, type RuleTransition, recordTransitions } from './record';

export const SESSION_RULES_TTL_MS = 60_000;
export const SESSION_UPDATE_INTERVAL_MS = 60_000;

export interface SessionScope {
  sessionId: string;
  videoId: string | null;
  roomId: string | null;
  country: string | null;
}

export class SessionAlerts {
  private rules: AlertRule[] = [];
  // Open alerts of this session by rule id: the scope key is the session id, so one per rule at most.
  private open = new Map<string, AlertRecord>();
  private loadedAt: number | null = null;

  constructor(private readonly env: Env) {}

  async evaluate(session: SessionScope, snapshot: SessionSnapshot, now: number): Promise<void> {
    const db = openDatabase(this.env.DB);
    if (this.loadedAt === null || now - this.loadedAt >= SESSION_RULES_TTL_MS || now < this.loadedAt) {
      const [rules, open] = await Promise.all([listEnabledRules(db, 'session'), openAlertsOfScopeKey(db, session.sessionId)]);
      this.rules = rules;
      this.open = new Map(open.map((row) => [row.ruleId, toAlertRecord(row)]));
      this.loadedAt = now;
    }
    if (this.rules.length === 0) return;
    const readings = sessionReadings(snapshot);
    const items: RuleTransition[] = [];
    for (const rule of this.rules) {
      if (!matchesFilter(rule.filter, session)) continue;
      const current = this.open.get(rule.id) ?? null;
      const transition = advanceAlert(rule, current, evaluateRule(rule, readings), {
        scopeKey: session.sessionId,
        now,
        newId: newAlertId,
      });
      if (transition.kind === 'unchanged') continue;
      if (transition.kind === 'updated' && current && now - current.lastEvaluatedAt < SESSION_UPDATE_INTERVAL_MS) continue;
      items.push({ rule, transition });
    }
    if (items.length === 0) return;
    try {
      await recordTransitions(db, this.env, items);
    } catch (error) {
      // Our copy may now disagree with D1: reload on the next batch.
      this.loadedAt = null;
      throw error;
    }
    for (const { rule, transition } of items) {
      if (transition.kind === 'resolved') this.open.delete(rule.id);
      else if (transition.kind !== 'unchanged') this.open.set(rule.id, transition.alert);
    }
  }
}
