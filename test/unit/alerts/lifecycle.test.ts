import { describe, expect, it } from 'vitest';
import { type AlertRecord, advanceAlert, resolveManually } from '../../../src/domain/alerts/lifecycle';
import type { Evaluation } from '../../../src/domain/alerts/rules';

const rule = { id: 'rul_mos', comparator: 'lt' as const, threshold: 3.1, hysteresis: 0.2 };
let counter = 0;
const context = (now: number) => ({ scopeKey: 'ses_one', now, newId: () => `alt_${++counter}` });
const firing = (value: number): Evaluation => ({ status: 'firing', value });
const ok = (value: number): Evaluation => ({ status: 'ok', value });

function open(): AlertRecord {
  const transition = advanceAlert(rule, null, firing(2.5), context(1000));
  if (transition.kind !== 'opened') throw new Error('expected an opened alert');
  return transition.alert;
}

describe('alert lifecycle', () => {
  it('opens an alert when the rule fires and nothing is open', () => {
    const alert = open();
    expect(alert).toMatchObject({ ruleId: 'rul_mos', scopeKey: 'ses_one', state: 'firing', startedAt: 1000, lastValue: 2.5 });
  });

  it('updates the open alert on repeated firing instead of opening another', () => {
    const alert = open();
    const again = advanceAlert(rule, alert, firing(2.2), context(61_000));
    expect(again.kind).toBe('updated');
    if (again.kind !== 'updated') return;
    expect(again.alert).toEqual({ ...alert, lastValue: 2.2, lastEvaluatedAt: 61_000 });
  });

  it('does nothing when the rule is ok and nothing is open', () => {
    expect(advanceAlert(rule, null, ok(4), context(1000))).toEqual({ kind: 'unchanged' });
  });

  it('keeps the alert open while the value is within the hysteresis band', () => {
    const alert = open();
    expect(advanceAlert(rule, alert, ok(3.2), context(2000)).kind).toBe('updated');
  });

  it('resolves once the value recovers past the hysteresis band', () => {
    const alert = open();
    const resolved = advanceAlert(rule, alert, ok(3.5), context(5000));
    expect(resolved).toEqual({
      kind: 'resolved',
      alert: { ...alert, state: 'resolved', resolvedAt: 5000, lastValue: 3.5, lastEvaluatedAt: 5000 },
    });
  });

  it('changes nothing on insufficient data, open or not', () => {
    const gap: Evaluation = { status: 'insufficient-data', value: null };
    expect(advanceAlert(rule, open(), gap, context(9000))).toEqual({ kind: 'unchanged' });
    expect(advanceAlert(rule, null, gap, context(9000))).toEqual({ kind: 'unchanged' });
  });

  it('refuses to advance an alert that is already resolved', () => {
    const resolved = { ...open(), state: 'resolved' as const, resolvedAt: 2000 };
    expect(() => advanceAlert(rule, resolved, firing(2), context(3000))).toThrow(/not open/);
  });

  it('resolves manually, once', () => {
    const alert = open();
    const manual = resolveManually(alert, 7000);
    expect(manual).toMatchObject({ kind: 'resolved', alert: { state: 'resolved', resolvedAt: 7000 } });
    if (manual.kind !== 'resolved') return;
    expect(resolveManually(manual.alert, 8000)).toEqual({ kind: 'unchanged' });
  });
});
