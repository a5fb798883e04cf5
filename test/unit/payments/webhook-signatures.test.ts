import { createHmac, createSign, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificatePublicKey,
  crc32,
  importPaypalCertificate,
  isAllowedCertUrl,
  paypalSignedMessage,
  pemToDer,
  verifyCoinbaseSignature,
  verifyPaypalSignature,
} from '../../../src/domain/payments/webhook-signatures';
import { PAYPAL_TEST_CERTIFICATE_PEM, PAYPAL_TEST_PRIVATE_KEY_PEM } from '../../contract/paypal-test-certificate';

describe('webhook signatures', () => {
  it('computes CRC-32 (IEEE) like zlib: the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('verifies a Coinbase HMAC-SHA256 signature computed by Node crypto, and nothing else', async () => {
    const body = '{"event":{"id":"1","type":"charge:confirmed"}}';
    const signature = createHmac('sha256', 'secret').update(body).digest('hex');
    expect(await verifyCoinbaseSignature(body, signature, 'secret')).toBe(true);
    expect(await verifyCoinbaseSignature(body, signature.toUpperCase(), 'secret')).toBe(true);
    expect(await verifyCoinbaseSignature(`${body}\n`, signature, 'secret')).toBe(false);
    expect(await verifyCoinbaseSignature(body, signature, 'other')).toBe(false);
    expect(await verifyCoinbaseSignature(body, 'not-hex', 'secret')).toBe(false);
    expect(await verifyCoinbaseSignature(body, signature.slice(0, 10), 'secret')).toBe(false);
  });

  it('extracts the certificate public key exactly as Node does, with its expiry', () => {
    const { spki, notAfter } = certificatePublicKey(pemToDer(PAYPAL_TEST_CERTIFICATE_PEM));
    const node = new X509Certificate(PAYPAL_TEST_CERTIFICATE_PEM);
    expect(Buffer.from(spki).equals(node.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(notAfter).toBe(Date.parse(node.validTo));
  });

  it('verifies the PayPal signature input signed with SHA256withRSA by Node crypto', async () => {
    const body = '{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}';
    const message = paypalSignedMessage('tid', '2026-11-28T06:00:00Z', 'WH-ID', body);
    expect(message).toBe(`tid|2026-11-28T06:00:00Z|WH-ID|${crc32(new TextEncoder().encode(body))}`);
    const signature = createSign('sha256').update(message).sign(PAYPAL_TEST_PRIVATE_KEY_PEM, 'base64');
    const key = await importPaypalCertificate(PAYPAL_TEST_CERTIFICATE_PEM);
    expect(await verifyPaypalSignature(key, message, signature)).toBe(true);
    expect(await verifyPaypalSignature(key, message.replace('WH-ID', 'WH-OTHER'), signature)).toBe(false);
    expect(await verifyPaypalSignature(key, message, '%%%')).toBe(false);
    await expect(importPaypalCertificate(PAYPAL_TEST_CERTIFICATE_PEM, Date.parse('2200-01-01'))).rejects.toThrow(/expired/);
  });

  it('allows certificate URLs only on https PayPal hosts (http only on loopback)', () => {
    const hosts = ['api.paypal.com', 'api.sandbox.paypal.com', '127.0.0.1:9000'];
    expect(isAllowedCertUrl('https://api.paypal.com/v1/notifications/certs/CERT-1', hosts)).toBe(true);
    expect(isAllowedCertUrl('http://api.paypal.com/cert', hosts)).toBe(false);
    expect(isAllowedCertUrl('https://api.paypal.com.evil.example/cert', hosts)).toBe(false);
    expect(isAllowedCertUrl('http://127.0.0.1:9000/cert', hosts)).toBe(true);
    expect(isAllowedCertUrl('not a url', hosts)).toBe(false);
  });
});
