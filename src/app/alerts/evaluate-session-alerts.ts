// Session alert evaluation, run by a PeerMetricsAggregator right after each ingested batch. Kept cheap for the
// ingest path: the enabled session rules and this session's open alerts are read from D1 at most once a minute
// per object (and again after the object is evicted); between reloads the object trusts its own copy (the cache).
// A batch that changes nothing touches D1 not at all; a still-firing alert's value is written at most once a minute.
//
// A session's numbers come from the browser that holds its ingest token, so they may be made up. The lifecycle
// already keeps one open alert per rule and session; on top of that each session has a budget of alerts it may
// open per hour, so a flapping condition (or a forged one) cannot page without end. Webhooks follow from it: an
// alert sends at most two (opened, resolved), so one session triggers at most twice its budget in deliveries.
// The budget is a token bucket kept in the object's storage, so eviction does not refill it.
import { listEnabledRules, openAlertsOfScopeKey, toAlertRecord } from '../../adapters/db/alerts-repo';
import type { Database } from '../../adapters/db/client';
import type { QueueBindings } from '../../adapters/queues/event-bus';
import { type AlertRecord, advanceAlert } from '../../domain/alerts/lifecycle';
import { type AlertRule, evaluateRule, matchesFilter, type SessionSnapshot, sessionReadings } from '../../domain/alerts/rules';
import { fullBucket, type TokenBucketConfig, type TokenBucketState, takeToken } from '../../domain/token-bucket';
import { newAlertId, type RuleTransition, recordTransitions } from './record-transitions';

export const SESSION_RULES_TTL_MS = 60_000;
export const SESSION_UPDATE_INTERVAL_MS = 60_000;

/** Alerts one session may open: 3 at once (one per default rule), then one every 20 minutes. */
export const SESSION_ALERT_OPEN_RATE: TokenBucketConfig = { capacity: 3, refillPerSecond: 3 / 3600 };

/** Where the budget lives between batches: the aggregator object's storage. */
export interface BudgetStore {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
}
const BUDGET_KEY = 'alertBudget';

export interface SessionScope {
  sessionId: string;
  videoId: string | null;
  roomId: string | null;
  country: string | null;
}

/** The object's in-memory copy of the enabled session rules and of this session's open alerts (by rule id). */
export interface SessionAlertCache {
  rules: AlertRule[];
  // The scope key is the session id, so one open alert per rule at most.
  open: Map<string, AlertRecord>;
  loadedAt: number | null;
}

export interface SessionAlertDeps {
  db: Database;
  queues: QueueBindings;
  budget: BudgetStore;
  // Held by the object for its lifetime; starts empty (`loadedAt: null`), which forces a read from D1.
  cache: SessionAlertCache;
  now: number;
}

export interface SessionAlertOutcome {
  recorded: number;
  suppressedOpens: number;
}

async function budgetOf(store: BudgetStore, now: number): Promise<TokenBucketState> {
  return (await store.get<TokenBucketState>(BUDGET_KEY)) ?? fullBucket(SESSION_ALERT_OPEN_RATE, now);
}

/** Advances every enabled session rule for one batch's snapshot and records what changed. */
export async function evaluateSessionAlerts(
  { db, queues, budget: budgetStore, cache, now }: SessionAlertDeps,
  session: SessionScope,
  snapshot: SessionSnapshot,
): Promise<SessionAlertOutcome> {
  if (cache.loadedAt === null || now - cache.loadedAt >= SESSION_RULES_TTL_MS || now < cache.loadedAt) {
    const [rules, open] = await Promise.all([listEnabledRules(db, 'session'), openAlertsOfScopeKey(db, session.sessionId)]);
    cache.rules = rules;
    cache.open = new Map(open.map((row) => [row.ruleId, toAlertRecord(row)]));
    cache.loadedAt = now;
  }
  if (cache.rules.length === 0) return { recorded: 0, suppressedOpens: 0 };
  const readings = sessionReadings(snapshot);
  const items: RuleTransition[] = [];
  let budget: TokenBucketState | null = null;
  let suppressedOpens = 0;
  for (const rule of cache.rules) {
    if (!matchesFilter(rule.filter, session)) continue;
    const current = cache.open.get(rule.id) ?? null;
    const transition = advanceAlert(rule, current, evaluateRule(rule, readings), {
      scopeKey: session.sessionId,
      now,
      newId: newAlertId,
    });
    if (transition.kind === 'unchanged') continue;
    if (transition.kind === 'updated' && current && now - current.lastEvaluatedAt < SESSION_UPDATE_INTERVAL_MS) continue;
    if (transition.kind === 'opened') {
      const taken = takeToken(SESSION_ALERT_OPEN_RATE, budget ?? (await budgetOf(budgetStore, now)), now);
      budget = taken.state;
      // Not opened now; if the condition still holds once the budget refills, a later batch opens it.
      if (!taken.allowed) {
        suppressedOpens++;
        continue;
      }
    }
    items.push({ rule, transition });
  }
  if (budget) await budgetStore.put(BUDGET_KEY, budget);
  if (suppressedOpens > 0) {
    console.warn(
      JSON.stringify({
        level: 'warn',
        msg: 'session alert budget spent, alerts not opened',
        sessionId: session.sessionId,
        suppressedOpens,
      }),
    );
  }
  if (items.length === 0) return { recorded: 0, suppressedOpens };
  try {
    await recordTransitions(db, queues, items);
  } catch (error) {
    // Our copy may now disagree with D1: reload on the next batch.
    cache.loadedAt = null;
    throw error;
  }
  for (const { rule, transition } of items) {
    if (transition.kind === 'resolved') cache.open.delete(rule.id);
    else if (transition.kind !== 'unchanged') cache.open.set(rule.id, transition.alert);
  }
  return { recorded: items.length, suppressedOpens };
}
