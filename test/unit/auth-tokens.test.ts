import { describe, expect, it } from 'vitest';
import {
  accessTokenStanding,
  formatApiKey,
  issueToken,
  parseApiKey,
  sfuSessionGrant,
  verifySfuSessionGrant,
  verifyToken,
} from '../../src/domain/auth-tokens';
import { randomSecret } from '../../src/domain/hash';
import { randomToken } from '../../src/domain/ids';

const SECRET = 'unit-test-secret-unit-test-secret-0123';

describe('signed tokens', () => {
  it('round-trips claims of an access token', async () => {
    const issued = await issueToken('access', { userId: 'usr_1', role: 'creator' }, SECRET, 900, 1_700_000_000_000);
    expect(issued.expiresAt).toBe(1_700_000_900);
    const now = await issueToken('access', { userId: 'usr_1', role: 'creator' }, SECRET, 900);
    const verified = await verifyToken('access', now.token, SECRET);
    expect(verified).toMatchObject({ ok: true, claims: { userId: 'usr_1', role: 'creator' } });
  });

  it('keeps token kinds apart by audience', async () => {
    const room = await issueToken('room', { userId: 'u', roomId: 'r', peerId: 'p' }, SECRET, 300);
    expect(await verifyToken('access', room.token, SECRET)).toEqual({ ok: false, reason: 'invalid' });
    expect((await verifyToken('room', room.token, SECRET)).ok).toBe(true);
  });

  it('reports expiry separately from invalidity', async () => {
    const old = await issueToken('access', { userId: 'u', role: 'viewer' }, SECRET, 60, Date.now() - 120_000);
    expect(await verifyToken('access', old.token, SECRET)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyToken('access', old.token.replace(/.$/, 'x'), SECRET)).toMatchObject({ ok: false });
    expect(await verifyToken('access', 'not.a.jwt', SECRET)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a token whose signature was made with another secret or alg none', async () => {
    const forged = await issueToken('access', { userId: 'u', role: 'admin' }, 'x'.repeat(40), 60);
    expect((await verifyToken('access', forged.token, SECRET)).ok).toBe(false);
    const payload = btoa(JSON.stringify({ userId: 'u', role: 'admin', iss: 'vibestream', aud: 'vibestream:access', exp: 9e9 })).replace(
      /=+$/,
      '',
    );
    const none = `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')}.${payload}.`;
    expect((await verifyToken('access', none, SECRET)).ok).toBe(false);
  });
});

describe('API key format', () => {
  it('parses what it formats and rejects anything else', () => {
    const id = randomToken(24);
    const secret = randomSecret(32);
    expect(parseApiKey(formatApiKey(id, secret))).toEqual({ id, secret });
    for (const bad of ['', 'vsk_', `vsk_${id}`, `vsk_${id}_short`, `key_${id}_${secret}`, `vsk_${id.toUpperCase()}_${secret}`]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });
});

describe('SFU session grants', () => {
  it('verifies only for the same room, user and session under the same secret', async () => {
    const grant = await sfuSessionGrant(SECRET, 'standup', 'usr_1', 'sess1');
    expect(grant).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifySfuSessionGrant(SECRET, 'standup', 'usr_1', 'sess1', grant)).toBe(true);
    expect(await verifySfuSessionGrant(SECRET, 'retro', 'usr_1', 'sess1', grant)).toBe(false);
    expect(await verifySfuSessionGrant(SECRET, 'standup', 'usr_2', 'sess1', grant)).toBe(false);
    expect(await verifySfuSessionGrant(SECRET, 'standup', 'usr_1', 'sess2', grant)).toBe(false);
    expect(await verifySfuSessionGrant(`${SECRET}x`, 'standup', 'usr_1', 'sess1', grant)).toBe(false);
    for (const bad of ['', '!!!', grant.slice(0, -1), `${grant}A`]) {
      expect(await verifySfuSessionGrant(SECRET, 'standup', 'usr_1', 'sess1', bad)).toBe(false);
    }
  });
});

describe('access token standing', () => {
  it('is current only while the account exists, is enabled and has the version the token was issued under', () => {
    expect(accessTokenStanding({ tokenVersion: 2 }, { tokenVersion: 2, disabled: false })).toBe('current');
    expect(accessTokenStanding({ tokenVersion: 2 }, { tokenVersion: 3, disabled: false })).toBe('revoked');
    expect(accessTokenStanding({ tokenVersion: 3 }, { tokenVersion: 3, disabled: true })).toBe('disabled');
    expect(accessTokenStanding({ tokenVersion: 0 }, null)).toBe('deleted');
  });

  it('reads a token from before versions as version 0: good until the first bump', () => {
    expect(accessTokenStanding({}, { tokenVersion: 0, disabled: false })).toBe('current');
    expect(accessTokenStanding({}, { tokenVersion: 1, disabled: false })).toBe('revoked');
  });

  it('a trusted-device token is no access token', async () => {
    const device = await issueToken('device', { userId: 'usr_1', deviceId: 'dev_1' }, SECRET, 900);
    expect((await verifyToken('access', device.token, SECRET)).ok).toBe(false);
    expect(await verifyToken('device', device.token, SECRET)).toMatchObject({ ok: true, claims: { userId: 'usr_1', deviceId: 'dev_1' } });
  });
});
