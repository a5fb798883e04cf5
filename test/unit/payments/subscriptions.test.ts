import { describe, expect, it } from 'vitest';
import { entitlementEnd, type InvoiceFigures, isFirstInvoice, renewalPaymentId } from '../../../src/domain/payments/subscriptions';

const invoice = (extra: Partial<InvoiceFigures> = {}): InvoiceFigures => ({
  invoiceId: 'in_1',
  paid: true,
  billingReason: 'subscription_cycle',
  subscriptionRef: 'sub_1',
  paymentId: 'pay_parent',
  amount: 500,
  currency: 'USD',
  fee: 45,
  captureRef: 'pi_1',
  periodEnd: 2_000_000,
  paidAt: 1_000_000,
  ...extra,
});

describe('subscription renewals', () => {
  it('runs access to the invoice period end, capped by the end of an ended subscription', () => {
    expect(entitlementEnd(invoice(), null)).toBe(2_000_000);
    expect(entitlementEnd(invoice(), { id: 'sub_1', status: 'active', endedAt: null })).toBe(2_000_000);
    expect(entitlementEnd(invoice(), { id: 'sub_1', status: 'canceled', endedAt: 1_500_000 })).toBe(1_500_000);
    expect(entitlementEnd(invoice({ periodEnd: null }), null)).toBeNull();
  });

  it('tells the checkout’s own invoice from renewals', () => {
    expect(isFirstInvoice(invoice({ billingReason: 'subscription_create' }))).toBe(true);
    expect(isFirstInvoice(invoice())).toBe(false);
  });

  it('derives one stable payment id per invoice', async () => {
    const id = await renewalPaymentId('in_1Abc');
    expect(id).toMatch(/^pay_[0-9a-f]{24}$/);
    expect(await renewalPaymentId('in_1Abc')).toBe(id);
    expect(await renewalPaymentId('in_1Abd')).not.toBe(id);
  });
});
