// The life of one alert: opened when its rule's condition holds, kept open (value refreshed) while it keeps
// holding, resolved once it no longer does. At most one open alert exists per (rule, scope key): a repeated
// "firing" verdict updates the open alert instead of opening another, which is what keeps a condition that lasts
// an hour from paging twelve times. Pure: the caller persists the transition it gets back.
//
//   (none) ──firing──▶ firing ──firing / within hysteresis──▶ firing (lastValue, lastEvaluatedAt updated)
//                        │
//                        └──ok beyond hysteresis (or resolved by an operator)──▶ resolved
//
// "Insufficient data" changes nothing: a quiet window proves neither that the problem persists nor that it ended.
import { type AlertRule, type Evaluation, stillFiring } from './rules';

export type AlertState = 'firing' | 'resolved';

export interface AlertRecord {
  id: string;
  ruleId: string;
  scopeKey: string;
  state: AlertState;
  startedAt: number;
  resolvedAt: number | null;
  lastValue: number | null;
  lastEvaluatedAt: number;
}

export type AlertTransition =
  | { kind: 'opened'; alert: AlertRecord }
  | { kind: 'updated'; alert: AlertRecord }
  | { kind: 'resolved'; alert: AlertRecord }
  | { kind: 'unchanged' };

export function advanceAlert(
  rule: Pick<AlertRule, 'id' | 'comparator' | 'threshold' | 'hysteresis'>,
  open: AlertRecord | null,
  evaluation: Evaluation,
  context: { scopeKey: string; now: number; newId: () => string },
): AlertTransition {
  const { now } = context;
  if (open !== null && open.state !== 'firing') throw new Error(`alert ${open.id} is not open`);
  if (evaluation.status === 'insufficient-data') return { kind: 'unchanged' };
  if (open === null) {
    if (evaluation.status !== 'firing') return { kind: 'unchanged' };
    return {
      kind: 'opened',
      alert: {
        id: context.newId(),
        ruleId: rule.id,
        scopeKey: context.scopeKey,
        state: 'firing',
        startedAt: now,
        resolvedAt: null,
        lastValue: evaluation.value,
        lastEvaluatedAt: now,
      },
    };
  }
  const refreshed = { ...open, lastValue: evaluation.value, lastEvaluatedAt: now };
  if (evaluation.status === 'firing' || stillFiring(rule, evaluation.value)) return { kind: 'updated', alert: refreshed };
  return { kind: 'resolved', alert: { ...refreshed, state: 'resolved', resolvedAt: now } };
}

/** An operator's manual resolve (acknowledgement): the next firing evaluation opens a fresh alert. */
export function resolveManually(open: AlertRecord, now: number): AlertTransition {
  if (open.state !== 'firing') return { kind: 'unchanged' };
  return { kind: 'resolved', alert: { ...open, state: 'resolved', resolvedAt: now } };
}
