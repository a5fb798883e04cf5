// Access tokens stop working within seconds of the account changing under them: disabling, a password or role
// change and sign-out everywhere bump the account's token version, and every request checks its token's version
// (and the disabled flag) against the account through a per-isolate cache of ACCOUNT_CHECK_CACHE_MS.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, signUp, signUpAdmin } from './helpers';

// The default of ACCOUNT_CHECK_CACHE_MS (src/workers/config.ts): the longest a revocation made elsewhere may go
// unnoticed by an isolate that cached the account a moment before.
const CACHE_BOUND_MS = 5_000;

/** The three things the trust issue saw a stale token still do: a video, an API key, a room token. */
async function sensitiveCalls(token: string) {
  const video = await api('POST', '/api/v1/videos', { token, body: { title: 'After revocation', language: 'en', visibility: 'public' } });
  const key = await api('POST', '/api/v1/api-keys', { token, body: { name: 'after revocation', scopes: ['catalog:read'] } });
  // A room of the caller's own (a revoked token gets no room, and then no room token either).
  const hosted = await api('POST', '/api/v1/rooms', { token, body: {} });
  const room = await api('POST', '/api/v1/tokens/room', { token, body: { roomId: hosted.body.room?.id ?? 'standup' } });
  return [video, key, room];
}

function expectRevoked(response: { status: number; body: any; headers: Headers }) {
  expect(response.status).toBe(401);
  expect(response.body.error.code).toBe('token_revoked');
  expect(response.headers.get('WWW-Authenticate')).toContain('invalid_token');
}

describe('disabling an account', () => {
  it("refuses the account's existing access token on every route at once (video, API key, room token)", async () => {
    const admin = await signUpAdmin();
    const creator = await signUp('creator');
    // The token works, and this isolate has now cached the account as active.
    expect(
      (await api('POST', '/api/v1/api-keys', { token: creator.accessToken, body: { name: 'before', scopes: ['catalog:read'] } })).status,
    ).toBe(201);

    const disable = await api('PATCH', `/api/v1/admin/users/${creator.user.id}`, { token: admin.accessToken, body: { disabled: true } });
    expect(disable.status).toBe(200);

    for (const response of await sensitiveCalls(creator.accessToken)) expectRevoked(response);
    expect((await api('GET', '/api/v1/auth/me', { token: creator.accessToken })).body.error.code).toBe('token_revoked');
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: creator.refreshToken } })).status).toBe(401);
  });

  it('is noticed within the cache bound by an isolate that cached the account before (disabled elsewhere)', async () => {
    const creator = await signUp('creator');
    expect((await api('GET', '/api/v1/auth/me', { token: creator.accessToken })).status).toBe(200);
    // Another isolate (or an operator's SQL) disables the account: nothing tells this isolate's cache.
    const disabledAt = Date.now();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(disabledAt, creator.user.id).run();

    let refused: Awaited<ReturnType<typeof api>> | undefined;
    while (Date.now() - disabledAt < CACHE_BOUND_MS + 2_000) {
      const response = await api('POST', '/api/v1/videos', {
        token: creator.accessToken,
        body: { title: 'Racing the cache', language: 'en', visibility: 'public' },
      });
      if (response.status !== 201) {
        refused = response;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(refused).toBeDefined();
    expectRevoked(refused as Awaited<ReturnType<typeof api>>);
    expect(Date.now() - disabledAt).toBeLessThanOrEqual(CACHE_BOUND_MS + 1_000);
    for (const response of await sensitiveCalls(creator.accessToken)) expectRevoked(response);
  }, 15_000);
});

describe('changing the password', () => {
  it("refuses every access token issued before, while the caller's new session works", async () => {
    const user = await signUp('creator');
    const otherDevice = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    expect(otherDevice.status).toBe(200);

    const change = await api('POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
    });
    expect(change.status).toBe(200);
    expect(change.body.accessToken).not.toBe(user.accessToken);

    for (const stale of [user.accessToken, otherDevice.body.accessToken]) {
      for (const response of await sensitiveCalls(stale)) expectRevoked(response);
    }
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: otherDevice.body.refreshToken } })).status).toBe(401);

    // The caller's fresh session: its access token creates things, its refresh token rotates.
    const [video, key, room] = await sensitiveCalls(change.body.accessToken);
    expect([video?.status, key?.status, room?.status]).toEqual([201, 201, 201]);
    const refreshed = await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: change.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await api('GET', '/api/v1/auth/me', { token: refreshed.body.accessToken })).status).toBe(200);
  });
});

describe('changing the role', () => {
  it('refuses the access token issued under the old role; a new sign-in carries the new one', async () => {
    const admin = await signUpAdmin();
    const creator = await signUp('creator');
    expect((await sensitiveCalls(creator.accessToken))[0]?.status).toBe(201);

    const demote = await api('PATCH', `/api/v1/admin/users/${creator.user.id}`, { token: admin.accessToken, body: { role: 'viewer' } });
    expect(demote.status).toBe(200);

    const [video] = await sensitiveCalls(creator.accessToken);
    expectRevoked(video as Awaited<ReturnType<typeof api>>);
    const again = await api('POST', '/api/v1/auth/login', { body: { email: creator.email, password: creator.password } });
    expect(again.body.user.role).toBe('viewer');
    const asViewer = await api('POST', '/api/v1/videos', {
      token: again.body.accessToken,
      body: { title: 'No longer a creator', language: 'en', visibility: 'public' },
    });
    expect(asViewer.status).toBe(403);
  });
});

describe('signing out everywhere', () => {
  it('revokes every refresh token and refuses every access token of the account, on every device', async () => {
    const user = await signUp('creator');
    const laptop = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    const bystander = await signUp('creator');

    const out = await api('POST', '/api/v1/auth/logout-all', { token: user.accessToken });
    expect(out.status).toBe(204);

    for (const stale of [user.accessToken, laptop.body.accessToken]) {
      for (const response of await sensitiveCalls(stale)) expectRevoked(response);
    }
    for (const refreshToken of [user.refreshToken, laptop.body.refreshToken]) {
      expect((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken } })).status).toBe(401);
    }
    // Another account is untouched, and the owner can sign in again.
    expect((await api('GET', '/api/v1/auth/me', { token: bystander.accessToken })).status).toBe(200);
    const back = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    expect((await api('GET', '/api/v1/auth/me', { token: back.body.accessToken })).status).toBe(200);
  });

  it('cannot be called with an API key', async () => {
    const user = await signUp('creator');
    const key = await api('POST', '/api/v1/api-keys', { token: user.accessToken, body: { name: 'server', scopes: ['catalog:read'] } });
    const out = await api('POST', '/api/v1/auth/logout-all', { headers: { 'X-API-Key': key.body.key } });
    expect(out.status).toBe(403);
    expect((await api('GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
  });
});
