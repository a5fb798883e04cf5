import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, hashPassword, needsRehash, PBKDF2_ITERATIONS, verifyPassword } from '../../src/domain/password';

describe('password hashing', () => {
  it('produces PBKDF2-HMAC-SHA256 with 100,000 iterations, matching an independent implementation', async () => {
    const stored = await hashPassword('correct horse battery');
    const [scheme, iterations, salt, hash] = stored.split('$');
    expect(scheme).toBe('pbkdf2-sha256');
    expect(Number(iterations)).toBe(100_000);
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(100_000);
    const expected = pbkdf2Sync('correct horse battery', Buffer.from(salt as string, 'base64'), 100_000, 32, 'sha256');
    expect(Buffer.from(hash as string, 'base64').equals(expected)).toBe(true);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hashPassword('tr0ub4dor&3 is long');
    expect(await verifyPassword('tr0ub4dor&3 is long', stored)).toBe(true);
    expect(await verifyPassword('tr0ub4dor&3 is lonG', stored)).toBe(false);
  });

  it('salts every hash differently', async () => {
    expect(await hashPassword('same input here')).not.toBe(await hashPassword('same input here'));
  });

  it('rejects malformed or tampered stored strings instead of throwing', async () => {
    for (const stored of [
      '',
      'plain',
      'pbkdf2-sha256$abc$x$y',
      'md5$1$a$b',
      'pbkdf2-sha256$999999999$AA==$AA==',
      'pbkdf2-sha256$1000$%%%$AA==',
    ]) {
      expect(await verifyPassword('whatever', stored)).toBe(false);
    }
  });

  it('asks for a rehash when the stored iteration count is below the current one', async () => {
    expect(needsRehash(await hashPassword('x'.repeat(12), 10_000))).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)))).toBe(false);
  });

  it('compares bytes of different lengths without short-circuiting to true', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
  });
});
