// New passwords a strength estimator rates guessable (zxcvbn score below 3) are refused, at sign-up and at a
// password change, with a message that says why; nothing is written.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, signUp, uniqueEmail } from './helpers';

const WEAK = ['1234567890', 'password123'];

describe('sign-up', () => {
  it.each(WEAK)('refuses %s with 400 weak_password and the reason, creating no account', async (password) => {
    const email = uniqueEmail('weak');
    const response = await api('POST', '/api/v1/auth/signup', { body: { email, password, displayName: 'Weak' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('weak_password');
    expect(response.body.error.message).toMatch(/too weak: .*(common|most used)/i);
    expect(response.body.error.details.score).toBeLessThan(3);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').bind(email).first('n')).toBe(0);
  });

  it('refuses a password that is the email address, or leans on the display name', async () => {
    const email = uniqueEmail('mirror');
    const same = await api('POST', '/api/v1/auth/signup', { body: { email, password: email, displayName: 'Mirror' } });
    expect(same.status).toBe(400);
    expect(same.body.error.code).toBe('weak_password');
    expect(same.body.error.message).toContain('your email address or name');
    const named = await api('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('named'), password: 'Wilhelmina1990', displayName: 'Wilhelmina' },
    });
    expect(named.status).toBe(400);
    expect(named.body.error.code).toBe('weak_password');
  });

  it('accepts a long passphrase', async () => {
    const response = await api('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('strong'), password: 'marble orchard tuesday kettle', displayName: 'Strong' },
    });
    expect(response.status).toBe(201);
  });
});

describe('password change', () => {
  it.each([...WEAK, 'the email'])('refuses %s as the new password and keeps the old one and the session', async (weak) => {
    const user = await signUp('viewer');
    const newPassword = weak === 'the email' ? user.email : weak;
    const response = await api('POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('weak_password');
    expect(response.body.error.message).toMatch(/too weak/);
    expect((await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
    expect((await api('GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
  });
});
