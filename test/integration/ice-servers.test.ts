// GET /api/v1/ice-servers and the /rooms/{roomId}/sfu routes in workerd. Realtime itself is stubbed with a
// fetch spy here; the adapter's requests are checked against the documented contract in
// test/tooling/realtime.test.ts.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/workers/app';
import { api, signUp } from './helpers';

let user: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  user = await signUp('viewer');
});
afterEach(() => {
  vi.restoreAllMocks();
});

const REALTIME = 'https://realtime.example';

async function call(
  method: string,
  path: string,
  overrides: Record<string, string>,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const ctx = createExecutionContext();
  const response = await createApp().fetch(
    new Request(`http://vibestream.test${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
    { ...env, REALTIME_API_URL: REALTIME, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

const realtimeCalls = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.filter(([url]) => String(url).startsWith(REALTIME));

const turnAnswer = {
  iceServers: [
    { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.cloudflare.com:53'] },
    {
      urls: ['turn:turn.cloudflare.com:3478?transport=udp', 'turns:turn.cloudflare.com:443?transport=tcp'],
      username: 'user-from-realtime',
      credential: 'credential-from-realtime',
    },
  ],
};

describe('GET /api/v1/ice-servers', () => {
  it('gives anonymous callers STUN only, and TURN only to a signed-in user or an API key', async () => {
    const anonymous = await call('GET', '/api/v1/ice-servers', { TURN_KEY_ID: 'key-anon', TURN_KEY_API_TOKEN: 'turn-token-anon' }, {});
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({
      iceServers: [{ urls: ['stun:stun.cloudflare.com:3478'] }],
      ttlSeconds: 3600,
      turn: 'sign_in_required',
    });
    const created = await api('POST', '/api/v1/api-keys', { token: user.accessToken, body: { name: 'ice', scopes: ['catalog:read'] } });
    expect(created.status).toBe(201);
    expect((await api('GET', '/api/v1/ice-servers', { headers: { 'X-API-Key': created.body.key } })).status).toBe(200);
  });

  it('answers STUN only when no TURN key is configured', async () => {
    const response = await api('GET', '/api/v1/ice-servers', { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ iceServers: [{ urls: ['stun:stun.cloudflare.com:3478'] }], ttlSeconds: 3600, turn: 'not_configured' });
    expect(response.headers.get('Cache-Control')).toBe('private, max-age=3600');
  });

  it('uses STUN_URLS', async () => {
    const response = await call(
      'GET',
      '/api/v1/ice-servers',
      { STUN_URLS: 'stun:stun.example:3478,stun:stun.example:19302' },
      { token: user.accessToken },
    );
    expect(response.body.iceServers).toEqual([{ urls: ['stun:stun.example:3478', 'stun:stun.example:19302'] }]);
  });

  it('fetches TURN credentials once and serves later callers from the isolate cache', async () => {
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => Response.json(turnAnswer, { status: 201 }));
    const configured = { TURN_KEY_ID: 'key-cache-test', TURN_KEY_API_TOKEN: 'turn-token-1' };
    const first = await call('GET', '/api/v1/ice-servers', configured, { token: user.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.turn).toBe('ok');
    expect(first.body.iceServers).toEqual([
      { urls: ['stun:stun.cloudflare.com:3478'] },
      { urls: ['stun:stun.cloudflare.com:53'] },
      turnAnswer.iceServers[1],
    ]);
    // 24 h credentials, handed out until one hour before they expire.
    expect(first.body.ttlSeconds).toBeGreaterThan(82_790);
    expect(first.body.ttlSeconds).toBeLessThanOrEqual(82_800);
    expect(first.headers.get('Cache-Control')).toBe(`private, max-age=${first.body.ttlSeconds}`);

    const second = await call('GET', '/api/v1/ice-servers', configured, { token: user.accessToken });
    expect(second.body.iceServers).toEqual(first.body.iceServers);
    expect(second.body.ttlSeconds).toBeLessThanOrEqual(first.body.ttlSeconds);

    const calls = realtimeCalls(spy);
    expect(calls).toHaveLength(1);
    const [url, init] = calls[0] as [string, RequestInit];
    expect(url).toBe(`${REALTIME}/v1/turn/keys/key-cache-test/credentials/generate-ice-servers`);
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer turn-token-1');
    expect(JSON.parse(String(init.body))).toEqual({ ttl: 86_400 });
  });

  it('falls back to STUN with turn "unavailable" when Realtime fails, and backs off', async () => {
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('{"errorCode":"boom"}', { status: 500 }));
    const configured = { TURN_KEY_ID: 'key-failure-test', TURN_KEY_API_TOKEN: 'turn-token-2' };
    const first = await call('GET', '/api/v1/ice-servers', configured, { token: user.accessToken });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ iceServers: [{ urls: ['stun:stun.cloudflare.com:3478'] }], ttlSeconds: 30, turn: 'unavailable' });
    const second = await call('GET', '/api/v1/ice-servers', configured, { token: user.accessToken });
    expect(second.body.turn).toBe('unavailable');
    expect(realtimeCalls(spy)).toHaveLength(1);
  });

  it('treats an answer without usable servers as unavailable', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () =>
      Response.json({ iceServers: [{ urls: 'turn:x.example' }] }, { status: 201 }),
    );
    const response = await call(
      'GET',
      '/api/v1/ice-servers',
      { TURN_KEY_ID: 'key-empty-test', TURN_KEY_API_TOKEN: 't' },
      { token: user.accessToken },
    );
    expect(response.body.turn).toBe('unavailable');
  });
});

describe('SFU routes', () => {
  const sfuConfigured = { REALTIME_APP_ID: 'app-test', REALTIME_APP_TOKEN: 'app-secret-1' };
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const answer = { type: 'answer', sdp: 'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };

  // Rooms by name for this file, hosted by `user`; anyone else joins through the invite link.
  const roomsByName = new Map<string, { id: string; inviteToken: string }>();
  async function roomNamed(name: string) {
    let room = roomsByName.get(name);
    if (!room) {
      const created = await api('POST', '/api/v1/rooms', { token: user.accessToken, body: { title: name } });
      room = { id: created.body.room.id as string, inviteToken: created.body.inviteToken as string };
      roomsByName.set(name, room);
    }
    return room;
  }
  const roomPath = async (name: string) => `/api/v1/rooms/${(await roomNamed(name)).id}`;
  async function roomToken(name: string, who = user) {
    const room = await roomNamed(name);
    if (who !== user)
      await api('POST', `/api/v1/rooms/${room.id}/join`, { token: who.accessToken, body: { inviteToken: room.inviteToken } });
    const issued = await api('POST', '/api/v1/tokens/room', { token: who.accessToken, body: { roomId: room.id } });
    expect(issued.status).toBe(201);
    return issued.body.token as string;
  }

  function stubRealtime() {
    return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = new URL(String(input));
      const method = init?.method;
      if (url.pathname === '/v1/apps/app-test/sessions/new' && method === 'POST') {
        return Response.json({ sessionId: 'e017a2629c754fedc1f7d8587e06d126', sessionDescription: answer }, { status: 201 });
      }
      if (url.pathname.endsWith('/tracks/new') && method === 'POST') {
        return Response.json({
          requiresImmediateRenegotiation: true,
          sessionDescription: offer,
          tracks: [{ location: 'remote', sessionId: 'abc', trackName: 'camera', mid: '1', secretInternalField: 'x' }],
        });
      }
      if (url.pathname.endsWith('/renegotiate') && method === 'PUT') return Response.json({});
      if (url.pathname.endsWith('/tracks/close') && method === 'PUT') {
        return Response.json({ requiresImmediateRenegotiation: false, tracks: [{ mid: '1' }] });
      }
      return Response.json({ errorCode: 'not_found', errorDescription: 'unexpected call' }, { status: 404 });
    });
  }

  it('requires the room token of this room', async () => {
    const path = `${await roomPath('standup')}/sfu/sessions`;
    const body = { sessionDescription: offer };
    expect((await call('POST', path, sfuConfigured, { body })).status).toBe(401);
    const withAccessToken = await call('POST', path, sfuConfigured, { token: user.accessToken, body });
    expect(withAccessToken.status).toBe(403);
    const otherRoom = await call('POST', path, sfuConfigured, { token: await roomToken('retro'), body });
    expect(otherRoom.status).toBe(403);
    expect(otherRoom.body.error.code).toBe('room_mismatch');
    // …and the room token opens nothing else.
    expect((await api('GET', '/api/v1/ice-servers', { token: await roomToken('standup') })).status).toBe(401);
  });

  it('validates the offer and answers 503 not_configured without the app id and secret', async () => {
    const token = await roomToken('standup');
    const path = `${await roomPath('standup')}/sfu/sessions`;
    for (const body of [{}, { sessionDescription: answer }, { sessionDescription: { type: 'offer', sdp: 'x'.repeat(70_000) } }]) {
      expect((await call('POST', path, sfuConfigured, { token, body })).status).toBe(400);
    }
    const response = await call('POST', path, {}, { token, body: { sessionDescription: offer } });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('not_configured');
  });

  it('relays session → tracks → renegotiate → close, each bound to the session grant', async () => {
    const spy = stubRealtime();
    const token = await roomToken('standup');
    const created = await call('POST', `${await roomPath('standup')}/sfu/sessions`, sfuConfigured, {
      token,
      body: { sessionDescription: offer },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sessionId: 'e017a2629c754fedc1f7d8587e06d126', sessionDescription: answer });
    const grant = created.body.sessionGrant as string;
    expect(grant).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [newUrl, newInit] = realtimeCalls(spy)[0] as [string, RequestInit];
    expect(newUrl).toBe(`${REALTIME}/v1/apps/app-test/sessions/new`);
    expect((newInit.headers as Record<string, string>).Authorization).toBe('Bearer app-secret-1');
    expect(JSON.parse(String(newInit.body))).toEqual({ sessionDescription: offer });

    const base = `${await roomPath('standup')}/sfu/sessions/${created.body.sessionId}`;
    const headers = { 'X-SFU-Session-Grant': grant };
    const tracks = await call('POST', `${base}/tracks`, sfuConfigured, {
      token,
      headers,
      body: { tracks: [{ location: 'remote', sessionId: 'abc', trackName: 'camera' }] },
    });
    expect(tracks.status).toBe(200);
    expect(tracks.body).toEqual({
      requiresImmediateRenegotiation: true,
      sessionDescription: offer,
      tracks: [{ location: 'remote', sessionId: 'abc', trackName: 'camera', mid: '1' }],
    });

    const renegotiated = await call('PUT', `${base}/renegotiate`, sfuConfigured, { token, headers, body: { sessionDescription: answer } });
    expect(renegotiated.status).toBe(204);
    const closed = await call('PUT', `${base}/tracks/close`, sfuConfigured, {
      token,
      headers,
      body: { tracks: [{ mid: '1' }], force: true },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.tracks).toEqual([{ mid: '1' }]);

    const sent = realtimeCalls(spy).map(([url, init]) => `${(init as RequestInit).method} ${new URL(String(url)).pathname}`);
    expect(sent).toEqual([
      'POST /v1/apps/app-test/sessions/new',
      `POST /v1/apps/app-test/sessions/${created.body.sessionId}/tracks/new`,
      `PUT /v1/apps/app-test/sessions/${created.body.sessionId}/renegotiate`,
      `PUT /v1/apps/app-test/sessions/${created.body.sessionId}/tracks/close`,
    ]);
    expect(JSON.parse(String((realtimeCalls(spy)[3] as [string, RequestInit])[1].body))).toEqual({ tracks: [{ mid: '1' }], force: true });
  });

  it('refuses calls on a session without its grant, or with the grant of another user', async () => {
    const spy = stubRealtime();
    const token = await roomToken('standup');
    const created = await call('POST', `${await roomPath('standup')}/sfu/sessions`, sfuConfigured, {
      token,
      body: { sessionDescription: offer },
    });
    const path = `${await roomPath('standup')}/sfu/sessions/${created.body.sessionId}/renegotiate`;
    const body = { sessionDescription: answer };
    const missing = await call('PUT', path, sfuConfigured, { token, body });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('session_mismatch');
    const someoneElse = await signUp('viewer');
    const theirToken = await roomToken('standup', someoneElse);
    const stolen = await call('PUT', path, sfuConfigured, {
      token: theirToken,
      body,
      headers: { 'X-SFU-Session-Grant': created.body.sessionGrant },
    });
    expect(stolen.status).toBe(403);
    expect(realtimeCalls(spy)).toHaveLength(1);
  });

  it('answers 502 upstream_error when Realtime fails, without echoing its body', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      async () => new Response(JSON.stringify({ errorCode: 'internal', errorDescription: 'secret upstream detail' }), { status: 500 }),
    );
    const token = await roomToken('standup');
    const response = await call('POST', `${await roomPath('standup')}/sfu/sessions`, sfuConfigured, {
      token,
      body: { sessionDescription: offer },
    });
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_error');
    expect(response.text).not.toContain('secret upstream detail');
  });
});
