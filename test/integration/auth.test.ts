import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { issueToken } from '../../src/domain/auth-tokens';
import { api, countRows, signUp, uniqueEmail } from './helpers';

const SECRET = env.JWT_SECRET;

describe('sign-up and login', () => {
  it('signs up, logs in with JSON { email, password } and reads /auth/me with the access token', async () => {
    const email = uniqueEmail('ada');
    const signup = await api('POST', '/api/v1/auth/signup', {
      body: { email: email.toUpperCase(), password: 'correct horse battery', displayName: 'Ada', role: 'creator' },
    });
    expect(signup.status).toBe(201);
    expect(signup.body.user).toMatchObject({ email, displayName: 'Ada', role: 'creator' });
    expect(signup.body.tokenType).toBe('Bearer');
    expect(signup.body.expiresIn).toBe(900);

    const login = await api('POST', '/api/v1/auth/login', { body: { email, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    expect(typeof login.body.accessToken).toBe('string');

    const me = await api('GET', '/api/v1/auth/me', { token: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(signup.body.user.id);
  });

  it('stores a PBKDF2 hash with a per-user salt, never the password', async () => {
    const a = await signUp();
    const b = await signUp();
    const rows = await env.DB.prepare('SELECT password_hash AS h FROM users WHERE id IN (?, ?)')
      .bind(a.user.id, b.user.id)
      .all<{ h: string }>();
    const [ha, hb] = rows.results.map((row) => row.h);
    expect(ha).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(ha?.split('$')[2]).not.toBe(hb?.split('$')[2]);
    expect(ha).not.toContain(a.password);
  });

  it('refuses a second account with the same email, whatever its case, and writes nothing', async () => {
    const first = await signUp();
    const before = await countRows('users');
    const again = await api('POST', '/api/v1/auth/signup', {
      body: { email: first.email.toUpperCase(), password: 'another passphrase', displayName: 'Copy' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('email_taken');
    expect(await countRows('users')).toBe(before);
  });

  it('cannot sign up as admin', async () => {
    const response = await api('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail(), password: 'a sturdy passphrase', displayName: 'Eve', role: 'admin' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const user = await signUp();
    const wrong = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'not the password' } });
    const unknown = await api('POST', '/api/v1/auth/login', { body: { email: uniqueEmail('ghost'), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(unknown.body.error).toMatchObject({ code: wrong.body.error.code, message: wrong.body.error.message });
  });

  it('refuses login to a disabled account', async () => {
    const user = await signUp();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), user.user.id).run();
    const login = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.status).toBe(403);
    expect(login.body.error.code).toBe('account_disabled');
  });
});

describe('access tokens', () => {
  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const response = await api('GET', '/api/v1/auth/me');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
    expect(response.headers.get('WWW-Authenticate')).toContain('Bearer');
  });

  it('rejects an expired token with code token_expired', async () => {
    const user = await signUp();
    const old = await issueToken('access', { userId: user.user.id, role: 'viewer' }, SECRET, 60, Date.now() - 3_600_000);
    const response = await api('GET', '/api/v1/auth/me', { token: old.token });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('token_expired');
  });

  it('rejects a token signed with another secret', async () => {
    const user = await signUp();
    const forged = await issueToken('access', { userId: user.user.id, role: 'admin' }, 'another-secret-of-sufficient-length-000000', 600);
    const response = await api('GET', '/api/v1/auth/me', { token: forged.token });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_token');
  });

  it('does not accept a room or ingest token as an access token', async () => {
    const user = await signUp();
    const hosted = await api('POST', '/api/v1/rooms', { token: user.accessToken, body: {} });
    const room = await api('POST', '/api/v1/tokens/room', { token: user.accessToken, body: { roomId: hosted.body.room.id } });
    expect(room.status).toBe(201);
    expect(room.body.peerId).toMatch(/^peer_/);
    const ingest = await api('POST', '/api/v1/tokens/ingest', { token: user.accessToken, body: {} });
    expect(ingest.status).toBe(201);
    expect(ingest.body.sessionId).toMatch(/^ses_/);
    // A room token opens only the SFU routes of its room; an ingest token is recognised but only for posting metrics.
    expect((await api('GET', '/api/v1/auth/me', { token: room.body.token })).status).toBe(401);
    const withIngest = await api('GET', '/api/v1/auth/me', { token: ingest.body.token });
    expect(withIngest.status).toBe(403);
    expect(withIngest.body.error.code).toBe('insufficient_scope');
  });

  it('rejects a malformed Authorization header', async () => {
    const response = await api('GET', '/api/v1/videos', { headers: { Authorization: 'Basic abc' } });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_token');
  });
});

describe('refresh tokens', () => {
  it('rotates: a refresh returns new tokens and the old refresh token stops working', async () => {
    const user = await signUp();
    const first = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    const me = await api('GET', '/api/v1/auth/me', { token: first.body.accessToken });
    expect(me.status).toBe(200);

    const second = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
  });

  it('revokes the whole family when a rotated token is presented again (token theft)', async () => {
    const user = await signUp();
    const rotated = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    const replay = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(replay.status).toBe(401);
    // The legitimate holder's newer token is now revoked too.
    const legit = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } });
    expect(legit.status).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const user = await signUp();
    const logout = await api('POST', '/api/v1/auth/logout', { body: { refreshToken: user.refreshToken } });
    expect(logout.status).toBe(204);
    const refresh = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refresh.status).toBe(401);
  });

  it('refuses an expired refresh token', async () => {
    const user = await signUp();
    await env.DB.prepare('UPDATE refresh_tokens SET expires_at = ? WHERE user_id = ?')
      .bind(Date.now() - 1, user.user.id)
      .run();
    const refresh = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error.code).toBe('token_expired');
  });

  it('changing the password signs out every session and the new password works', async () => {
    const user = await signUp();
    const change = await api('POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
    });
    expect(change.status).toBe(200);
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
    expect((await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
    expect((await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'a brand new passphrase' } })).status).toBe(200);
  });
});
