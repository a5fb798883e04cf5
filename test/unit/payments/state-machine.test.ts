import { describe, expect, it } from 'vitest';
import { planTransition } from '../../../src/domain/payments/state-machine';
import type { PaymentSignal, PaymentState } from '../../../src/domain/payments/types';

const snapshot = (state: PaymentState, refundedTotal = 0) => ({ state, amount: 1000, refundedTotal, disputedAmount: 0 });
const signal = (target: PaymentState, extra: Partial<PaymentSignal> = {}): PaymentSignal => ({
  provider: 'stripe',
  paymentId: 'pay_x',
  providerRef: null,
  target,
  occurredAt: 0,
  ...extra,
});
const money = { amount: 1000, fee: 59 };

describe('payment state machine', () => {
  it('walks created → pending → authorized → captured → refunded', () => {
    expect(planTransition(snapshot('created'), signal('pending'))).toEqual({ kind: 'apply', steps: ['pending'] });
    expect(planTransition(snapshot('pending'), signal('authorized'))).toEqual({ kind: 'apply', steps: ['authorized'] });
    expect(planTransition(snapshot('authorized'), signal('captured', money))).toEqual({ kind: 'apply', steps: ['captured'] });
    expect(planTransition(snapshot('captured'), signal('refunded', { refundedTotal: 1000 }))).toEqual({
      kind: 'apply',
      steps: ['refunded'],
    });
  });

  it('ignores a late event for an earlier state (pending after captured)', () => {
    expect(planTransition(snapshot('captured'), signal('pending')).kind).toBe('ignore');
    expect(planTransition(snapshot('captured'), signal('captured', money)).kind).toBe('ignore');
    expect(planTransition(snapshot('refunded', 1000), signal('captured', money)).kind).toBe('ignore');
  });

  it('asks for a re-query when a capture arrives without amount and fee', () => {
    expect(planTransition(snapshot('pending'), signal('captured'))).toMatchObject({ kind: 'requery' });
  });

  it('posts the capture first when a refund or dispute arrives before it, if the figures are known', () => {
    expect(planTransition(snapshot('pending'), signal('refunded', { ...money, refundedTotal: 1000 }))).toEqual({
      kind: 'apply',
      steps: ['captured', 'refunded'],
    });
    expect(planTransition(snapshot('pending'), signal('disputed'))).toMatchObject({ kind: 'requery' });
    expect(planTransition(snapshot('created'), signal('disputed', money))).toEqual({ kind: 'apply', steps: ['captured', 'disputed'] });
  });

  it('applies a further partial refund only when the refunded total grew', () => {
    expect(planTransition(snapshot('refunded', 300), signal('refunded', { refundedTotal: 500 }))).toEqual({
      kind: 'apply',
      steps: ['refunded'],
    });
    expect(planTransition(snapshot('refunded', 500), signal('refunded', { refundedTotal: 500 })).kind).toBe('ignore');
    expect(planTransition(snapshot('refunded', 500), signal('refunded', { refundedTotal: 300 })).kind).toBe('ignore');
  });

  it('never fails a captured payment, and re-queries a capture reported after a failure', () => {
    expect(planTransition(snapshot('captured'), signal('failed')).kind).toBe('ignore');
    expect(planTransition(snapshot('pending'), signal('failed'))).toEqual({ kind: 'apply', steps: ['failed'] });
    expect(planTransition(snapshot('failed'), signal('captured', money)).kind).toBe('requery');
    expect(planTransition(snapshot('failed'), signal('pending')).kind).toBe('ignore');
  });

  it('plans dispute outcomes: won reinstates once, lost is recorded, a late opening after a win is ignored', () => {
    const disputed = { ...snapshot('disputed'), disputeStatus: 'open' as const };
    expect(planTransition(disputed, signal('captured', { disputeStatus: 'won' }))).toEqual({ kind: 'apply', steps: ['reinstated'] });
    expect(planTransition(snapshot('captured'), signal('captured', { disputeStatus: 'won' }))).toEqual({
      kind: 'apply',
      steps: ['disputed', 'reinstated'],
    });
    const won = { ...snapshot('captured'), disputeStatus: 'won' as const };
    expect(planTransition(won, signal('captured', { disputeStatus: 'won' })).kind).toBe('ignore');
    expect(planTransition(won, signal('disputed', { disputeStatus: 'open' })).kind).toBe('ignore');
    expect(planTransition(disputed, signal('disputed', { disputeStatus: 'lost' }))).toEqual({ kind: 'apply', steps: ['dispute_lost'] });
    expect(planTransition({ ...disputed, disputeStatus: 'lost' }, signal('disputed', { disputeStatus: 'lost' })).kind).toBe('ignore');
    expect(planTransition(snapshot('pending'), signal('captured', { disputeStatus: 'won' })).kind).toBe('requery');
    expect(planTransition(snapshot('refunded', 1000), signal('captured', { disputeStatus: 'won' })).kind).toBe('ignore');
  });
});
