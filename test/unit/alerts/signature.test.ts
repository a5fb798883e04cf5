import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../../src/domain/alerts/signature';

const secret = 'whsec_test_secret';
const body = JSON.stringify({ id: 'evt_1', type: 'alert.opened', alert: { value: 2.4 } });

describe('webhook signature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 as t=<unix>,v1=<hex>', async () => {
    const header = await signPayload(body, secret, 1_700_000_000);
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature within the tolerance', async () => {
    const header = await signPayload(body, secret, 1_700_000_000);
    expect(await verifySignature(header, body, secret, 1_700_000_100)).toEqual({ ok: true, timestamp: 1_700_000_000 });
  });

  it('rejects a tampered body, a wrong secret and a malformed header', async () => {
    const header = await signPayload(body, secret, 1_700_000_000);
    expect(await verifySignature(header, `${body} `, secret, 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifySignature(header, body, 'other', 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifySignature('v1=abc', body, secret, 1_700_000_000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects a webhook signed more than 5 minutes ago', async () => {
    const header = await signPayload(body, secret, 1_700_000_000);
    expect(await verifySignature(header, body, secret, 1_700_000_301)).toEqual({ ok: false, reason: 'expired' });
  });
});
