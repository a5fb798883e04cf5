import { describe, expect, it } from 'vitest';
import { api, countRows, markVideoReady, signUp, signUpAdmin } from './helpers';

const newVideo = { title: 'Quarterly town hall', language: 'en', visibility: 'public' };

describe('roles', () => {
  it('anonymous callers get 401 on protected routes, viewers 403 on creator routes', async () => {
    expect((await api('POST', '/api/v1/videos', { body: newVideo })).status).toBe(401);
    const viewer = await signUp('viewer');
    const response = await api('POST', '/api/v1/videos', { token: viewer.accessToken, body: newVideo });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });

  it("creators change only their own videos; admins change anyone's", async () => {
    const owner = await signUp('creator');
    const other = await signUp('creator');
    const admin = await signUpAdmin();
    const created = await api('POST', '/api/v1/videos', { token: owner.accessToken, body: newVideo });
    expect(created.status).toBe(201);
    const path = `/api/v1/videos/${created.body.id}`;
    // A draft does not exist for anyone else; once it plays, others see it but cannot change it.
    expect((await api('PATCH', path, { token: other.accessToken, body: { title: 'Hijacked' } })).status).toBe(404);
    await markVideoReady(created.body.id);

    const byOther = await api('PATCH', path, { token: other.accessToken, body: { title: 'Hijacked' } });
    expect(byOther.status).toBe(403);
    expect((await api('DELETE', path, { token: other.accessToken })).status).toBe(403);

    const byAdmin = await api('PATCH', path, { token: admin.accessToken, body: { title: 'Moderated title' } });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.title).toBe('Moderated title');
  });

  it('admin routes are for admins only', async () => {
    const creator = await signUp('creator');
    const admin = await signUpAdmin();
    expect((await api('GET', '/api/v1/admin/users')).status).toBe(401);
    expect((await api('GET', '/api/v1/admin/users', { token: creator.accessToken })).status).toBe(403);
    const users = await api('GET', '/api/v1/admin/users?limit=100', { token: admin.accessToken });
    expect(users.status).toBe(200);
    expect(users.body.items.some((u: { id: string }) => u.id === creator.user.id)).toBe(true);
  });

  it('an admin promotes a viewer to creator, which signs the viewer out of existing sessions', async () => {
    const admin = await signUpAdmin();
    const viewer = await signUp('viewer');
    const promoted = await api('PATCH', `/api/v1/admin/users/${viewer.user.id}`, { token: admin.accessToken, body: { role: 'creator' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('creator');
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: viewer.refreshToken } })).status).toBe(401);
    const login = await api('POST', '/api/v1/auth/login', { body: { email: viewer.email, password: viewer.password } });
    expect((await api('POST', '/api/v1/videos', { token: login.body.accessToken, body: newVideo })).status).toBe(201);
  });

  it('admins cannot demote or disable themselves', async () => {
    const admin = await signUpAdmin();
    const response = await api('PATCH', `/api/v1/admin/users/${admin.user.id}`, { token: admin.accessToken, body: { role: 'viewer' } });
    expect(response.status).toBe(409);
  });
});

describe('API keys', () => {
  it('a scoped key acts for its owner, is shown once, stored hashed, and can be revoked', async () => {
    const creator = await signUp('creator');
    const created = await api('POST', '/api/v1/api-keys', {
      token: creator.accessToken,
      body: { name: 'publishing bot', scopes: ['catalog:read', 'catalog:write'] },
    });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^vsk_[a-z2-9]{24}_[A-Za-z0-9_-]{43}$/);

    const { env } = await import('cloudflare:workers');
    const stored = await env.DB.prepare('SELECT secret_hash FROM api_keys WHERE id = ?')
      .bind(created.body.id)
      .first<{ secret_hash: string }>();
    expect(stored?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(stored?.secret_hash);

    const viaHeader = await api('POST', '/api/v1/videos', { headers: { 'X-API-Key': key }, body: newVideo });
    expect(viaHeader.status).toBe(201);
    expect(viaHeader.body.creatorId).toBe(creator.user.id);
    const viaBearer = await api('GET', '/api/v1/me/videos', { token: key });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.items).toHaveLength(1);

    const listed = await api('GET', '/api/v1/api-keys', { token: creator.accessToken });
    expect(listed.body.items[0]).not.toHaveProperty('key');

    expect((await api('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: creator.accessToken })).status).toBe(204);
    const afterRevoke = await api('GET', '/api/v1/me/videos', { token: key });
    expect(afterRevoke.status).toBe(401);
  });

  it('a key without the needed scope gets 403 insufficient_scope', async () => {
    const creator = await signUp('creator');
    const created = await api('POST', '/api/v1/api-keys', {
      token: creator.accessToken,
      body: { name: 'reader', scopes: ['catalog:read'] },
    });
    const response = await api('POST', '/api/v1/videos', { token: created.body.key, body: newVideo });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('insufficient_scope');
  });

  it('keys cannot manage keys, and roles limit the scopes a key may carry', async () => {
    const viewer = await signUp('viewer');
    const tooMuch = await api('POST', '/api/v1/api-keys', { token: viewer.accessToken, body: { name: 'x', scopes: ['catalog:write'] } });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.error.code).toBe('scope_not_allowed');

    const ok = await api('POST', '/api/v1/api-keys', { token: viewer.accessToken, body: { name: 'ingest', scopes: ['analytics:ingest'] } });
    expect(ok.status).toBe(201);
    const before = await countRows('api_keys');
    const viaKey = await api('POST', '/api/v1/api-keys', { token: ok.body.key, body: { name: 'child', scopes: ['analytics:ingest'] } });
    expect(viaKey.status).toBe(403);
    expect(await countRows('api_keys')).toBe(before);
  });

  it('rejects unknown, tampered and expired keys with 401', async () => {
    const viewer = await signUp('viewer');
    const created = await api('POST', '/api/v1/api-keys', {
      token: viewer.accessToken,
      body: { name: 'short-lived', scopes: ['catalog:read'], expiresInDays: 1 },
    });
    const key: string = created.body.key;
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect((await api('GET', '/api/v1/auth/me', { token: tampered })).status).toBe(401);
    expect((await api('GET', '/api/v1/auth/me', { token: 'vsk_nope' })).status).toBe(401);

    const { env } = await import('cloudflare:workers');
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, created.body.id)
      .run();
    const expired = await api('GET', '/api/v1/auth/me', { token: key });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('token_expired');
  });

  it("cannot revoke another user's key", async () => {
    const a = await signUp('viewer');
    const b = await signUp('viewer');
    const created = await api('POST', '/api/v1/api-keys', { token: a.accessToken, body: { name: 'mine', scopes: ['catalog:read'] } });
    expect((await api('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: b.accessToken })).status).toBe(404);
    expect((await api('GET', '/api/v1/auth/me', { token: created.body.key })).status).toBe(200);
  });
});
