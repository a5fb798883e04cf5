// The Cloudflare Realtime adapter (TURN credentials and SFU sessions) against a local server that holds to the
// documented contract (test/contract/realtime-server.ts). The adapter uses plain fetch, so it runs here in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_REALTIME_API_URL,
  RealtimeError,
  RealtimeSfuClient,
  RealtimeTurnClient,
  realtimeSfuFromEnv,
  realtimeTurnFromEnv,
} from '../../src/adapters/realtime';
import { mergeIceServers, sanitizeIceServers } from '../../src/domain/ice-servers';
import { type RealtimeContractServer, startRealtimeServer } from '../contract/realtime-server';

const TURN_KEY_ID = 'turnkey0123456789abcdef';
const TURN_TOKEN = 'turn-api-token';
const APP_ID = 'app0123456789abcdef';
const APP_TOKEN = 'app-secret';
const offer = (label: string) => ({ type: 'offer' as const, sdp: `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=${label}\r\nt=0 0\r\n` });
const answer = { type: 'answer' as const, sdp: 'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=answer\r\nt=0 0\r\n' };

let server: RealtimeContractServer;
let turn: RealtimeTurnClient;
let sfu: RealtimeSfuClient;

beforeAll(async () => {
  server = await startRealtimeServer({ turnKeyId: TURN_KEY_ID, turnKeyApiToken: TURN_TOKEN, appId: APP_ID, appToken: APP_TOKEN });
  turn = new RealtimeTurnClient(TURN_KEY_ID, { token: TURN_TOKEN, baseUrl: server.baseUrl });
  sfu = new RealtimeSfuClient(APP_ID, { token: APP_TOKEN, baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

describe('Realtime TURN (contract server)', () => {
  it('sends the documented request: POST to the key path, bearer token, JSON {"ttl"}', async () => {
    await turn.generateIceServers(86_400);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/turn/keys/${TURN_KEY_ID}/credentials/generate-ice-servers`,
      authorization: `Bearer ${TURN_TOKEN}`,
      contentType: 'application/json',
      body: { ttl: 86_400 },
    });
  });

  it('returns ice servers a browser can use, with TURN username and credential', async () => {
    const { iceServers } = await turn.generateIceServers(3600);
    const merged = mergeIceServers(['stun:stun.cloudflare.com:3478'], sanitizeIceServers(iceServers));
    const relay = merged.find((server) => server.username);
    expect(relay?.credential).toMatch(/^[0-9a-f]{96}$/);
    expect(relay?.urls).toContain('turns:turn.cloudflare.com:443?transport=tcp');
  });

  it('turns a rejected token or unknown key into a RealtimeError carrying the status', async () => {
    const wrongToken = new RealtimeTurnClient(TURN_KEY_ID, { token: 'nope', baseUrl: server.baseUrl });
    await expect(wrongToken.generateIceServers(60)).rejects.toMatchObject({
      name: 'RealtimeError',
      status: 401,
      errorCode: 'unauthorized',
    });
    const wrongKey = new RealtimeTurnClient('other-key', { token: TURN_TOKEN, baseUrl: server.baseUrl });
    await expect(wrongKey.generateIceServers(60)).rejects.toMatchObject({ status: 404 });
  });

  it('reports an unreachable API as status 0 and a timeout as a failure, not a hang', async () => {
    const unreachable = new RealtimeTurnClient(TURN_KEY_ID, { token: TURN_TOKEN, baseUrl: 'http://127.0.0.1:9' });
    await expect(unreachable.generateIceServers(60)).rejects.toMatchObject({ status: 0 });
    const slow = new RealtimeTurnClient(TURN_KEY_ID, {
      token: TURN_TOKEN,
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    });
    await expect(slow.generateIceServers(60)).rejects.toBeInstanceOf(RealtimeError);
  });

  it('is configured only by both TURN secrets and defaults to the public API root', () => {
    expect(realtimeTurnFromEnv({})).toBeNull();
    expect(realtimeTurnFromEnv({ TURN_KEY_ID })).toBeNull();
    expect(realtimeTurnFromEnv({ TURN_KEY_ID, TURN_KEY_API_TOKEN: TURN_TOKEN })?.endpoint).toBe(
      `${DEFAULT_REALTIME_API_URL}/v1/turn/keys/${TURN_KEY_ID}/credentials/generate-ice-servers`,
    );
    expect(realtimeSfuFromEnv({ REALTIME_APP_ID: APP_ID })).toBeNull();
    expect(realtimeSfuFromEnv({ REALTIME_APP_ID: APP_ID, REALTIME_APP_TOKEN: APP_TOKEN })).toBeInstanceOf(RealtimeSfuClient);
  });
});

describe('Realtime SFU (contract server)', () => {
  it('follows publish → subscribe → renegotiate → close with the documented requests', async () => {
    const publisher = await sfu.newSession(offer('publisher'));
    expect(publisher.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(publisher.sessionDescription?.type).toBe('answer');
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/apps/${APP_ID}/sessions/new`,
      authorization: `Bearer ${APP_TOKEN}`,
      body: { sessionDescription: { type: 'offer' } },
    });

    const published = await sfu.newTracks(publisher.sessionId, {
      sessionDescription: offer('publish'),
      tracks: [{ location: 'local', mid: '0', trackName: 'camera' }],
    });
    expect(published).toMatchObject({ requiresImmediateRenegotiation: false, sessionDescription: { type: 'answer' } });
    expect(published.tracks).toEqual([{ location: 'local', mid: '0', trackName: 'camera' }]);
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: `/v1/apps/${APP_ID}/sessions/${publisher.sessionId}/tracks/new` });

    const viewer = await sfu.newSession();
    expect(server.requests.at(-1)?.body).toEqual({});
    const pulled = await sfu.newTracks(viewer.sessionId, {
      tracks: [
        { location: 'remote', sessionId: publisher.sessionId, trackName: 'camera' },
        { location: 'remote', sessionId: publisher.sessionId, trackName: 'nonexistent' },
      ],
    });
    expect(pulled.requiresImmediateRenegotiation).toBe(true);
    expect(pulled.sessionDescription?.type).toBe('offer');
    expect(pulled.tracks[0]).toMatchObject({ trackName: 'camera', mid: expect.any(String) });
    // A per-track failure arrives inside a successful answer, not as an exception.
    expect(pulled.tracks[1]).toMatchObject({ trackName: 'nonexistent', errorCode: 'not_found' });

    await sfu.renegotiate(viewer.sessionId, answer);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/v1/apps/${APP_ID}/sessions/${viewer.sessionId}/renegotiate`,
      body: { sessionDescription: { type: 'answer' } },
    });

    const closed = await sfu.closeTracks(viewer.sessionId, { tracks: [{ mid: pulled.tracks[0]?.mid as string }], force: true });
    expect(closed.tracks).toEqual([{ mid: pulled.tracks[0]?.mid }]);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/v1/apps/${APP_ID}/sessions/${viewer.sessionId}/tracks/close`,
      body: { force: true },
    });
    const closedWithOffer = await sfu.closeTracks(publisher.sessionId, {
      tracks: [{ mid: '0' }],
      sessionDescription: offer('close'),
      force: false,
    });
    expect(closedWithOffer.sessionDescription?.type).toBe('answer');
  });

  it('surfaces Realtime errors (bad secret, unknown session, renegotiating with nothing pending) as RealtimeError', async () => {
    const wrongSecret = new RealtimeSfuClient(APP_ID, { token: 'nope', baseUrl: server.baseUrl });
    await expect(wrongSecret.newSession(offer('x'))).rejects.toMatchObject({ status: 401 });
    await expect(sfu.newTracks('0'.repeat(32), { tracks: [{ location: 'remote', sessionId: 'x', trackName: 'y' }] })).rejects.toMatchObject(
      {
        status: 404,
        errorCode: 'session_not_found',
      },
    );
    const session = await sfu.newSession(offer('idle'));
    await expect(sfu.renegotiate(session.sessionId, answer)).rejects.toMatchObject({ status: 400, errorCode: 'no_pending_offer' });
  });

  it('keeps the upstream body out of the error message during an outage', async () => {
    server.failNext(503);
    const failure = await sfu.newSession(offer('outage')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RealtimeError);
    expect((failure as RealtimeError).status).toBe(503);
    expect((failure as RealtimeError).message).not.toContain('must not leak');
  });

  it('treats an errorCode in a 200 answer as a failure and escapes path segments', async () => {
    const sfuWith200Error = new RealtimeSfuClient(APP_ID, {
      token: APP_TOKEN,
      fetch: async () => Response.json({ errorCode: 'internal', errorDescription: 'x' }, { status: 200 }),
    });
    await expect(sfuWith200Error.renegotiate('abc', answer)).rejects.toMatchObject({ status: 200, errorCode: 'internal' });
    let seen = '';
    const recorder = new RealtimeSfuClient('app/../x', {
      token: APP_TOKEN,
      fetch: async (url) => {
        seen = String(url);
        return Response.json({});
      },
    });
    await recorder.renegotiate('s?x', answer);
    expect(seen).toBe(`${DEFAULT_REALTIME_API_URL}/v1/apps/app%2F..%2Fx/sessions/s%3Fx/renegotiate`);
  });
});
