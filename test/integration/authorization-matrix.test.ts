// Who may call what: every operation of the OpenAPI document × every kind of caller, with the expected answer in
// one table. Each cell is a real request through the Worker. An operation missing from the table fails the test,
// so a new route must be classified here before it ships.
//
// Callers (columns):
//   anon     no credentials
//   viewer   a viewer's access token
//   own      creator A, on A's own resources (A owns the videos, keys and payment the paths name)
//   other    creator B, on A's resources
//   admin    an admin's access token
//   keyRead  creator A's API key scoped to catalog:read only
//   keyAll   an admin's API key with the `admin` scope (every scope)
//   expired  a correctly signed admin access token past its expiry
//   forged   an admin access token signed with another secret
// Cells:
//   401 / 403 / 404 …  exactly that status
//   ok     authorized and handled: 2xx, or a 4xx about the request itself (400, 402, 409, 413, 415, 422, 426), or the
//          documented 503 not_configured of a feature switched off here — never 401, 403 or 404
//   pass   authorized, but the resource named does not exist in this test, so 404 is also accepted
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueToken } from '../../src/domain/auth-tokens';
import { type FuzzOperation, type OpenApiDocument, operationsOf } from '../support/fuzz/openapi';
import { api, markVideoReady, sha256Hex, signUp, signUpAdmin, testManifest } from './helpers';
import { postWebhook, pricedVideo, routeProvidersToContracts, stripeContract, stripeSignature } from './payments-fixtures';

const COLUMNS = ['anon', 'viewer', 'own', 'other', 'admin', 'keyRead', 'keyAll', 'expired', 'forged'] as const;
type Column = (typeof COLUMNS)[number];

// biome-ignore format: the table is aligned by hand to be read as a table
const MATRIX: Record<string, string> = {
  //                                                               anon viewer own  other admin keyRead keyAll expired forged
  // Public: anyone, but a bad credential is refused even here.
  'GET /api/v1/health':                                          'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/ping':                                            'ok   ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/auth/signup':                                    'ok   ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/auth/login':                                     'ok   ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/auth/refresh':                                   'ok   ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/auth/logout':                                    'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/videos':                                          'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/videos/{id}':                                     'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/videos/{id}/hls/{path}':                          'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/videos/{id}/prices':                              'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/videos/{id}/similar':                             'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/creators/{id}/subscription-price':                'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/trending':                                        'ok   ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/checkout/paypal/return':                          'pass pass   pass pass  pass  pass    pass   401     401',
  'GET /api/v1/ice-servers':                                     'ok   ok     ok   ok    ok    ok      ok     401     401',
  // Signed-in people only: API keys cannot manage keys, change passwords, buy, or mint room tokens.
  'POST /api/v1/auth/password':                                  '401  ok     ok   ok    ok    403     403    401     401',
  'POST /api/v1/auth/logout-all':                                '401  ok     ok   ok    ok    403     403    401     401',
  'GET /api/v1/api-keys':                                        '401  ok     ok   ok    ok    403     403    401     401',
  'POST /api/v1/api-keys':                                       '401  ok     ok   ok    ok    403     403    401     401',
  'DELETE /api/v1/api-keys/{id}':                                '401  404    ok   404   404   403     403    401     401',
  'POST /api/v1/checkout':                                       '401  ok     ok   ok    ok    403     403    401     401',
  'GET /api/v1/me/entitlements':                                 '401  ok     ok   ok    ok    403     403    401     401',
  'POST /api/v1/interactions':                                   '401  ok     ok   ok    ok    403     403    401     401',
  // Any signed-in caller whose key (if any) holds the scope.
  'GET /api/v1/auth/me':                                         '401  ok     ok   ok    ok    ok      ok     401     401',
  'GET /api/v1/recommendations':                                 '401  ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/videos/{id}/playback-token':                     '401  ok     ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/tokens/ingest':                                  '401  ok     ok   ok    ok    403     ok     401     401',
  'POST /api/v1/tracker/{videoId}/reports':                      '401  ok     ok   ok    ok    403     ok     401     401',
  // Metrics come with the session's ingest token or an analytics:ingest key, never a person's access token.
  'POST /api/v1/analytics/samples':                              '401  403    403  403   403   403     ok     401     401',
  // Creators, on their own videos (admins on anyone's). A draft does not exist for anyone else (404); a
  // published video is visible to all but changed by its creator only (403).
  'GET /api/v1/me/videos':                                       '401  403    ok   ok    ok    ok      ok     401     401',
  'POST /api/v1/videos':                                         '401  403    ok   ok    ok    403     ok     401     401',
  'PATCH /api/v1/videos/{id}':                                   '401  403    ok   403   ok    403     ok     401     401',
  'DELETE /api/v1/videos/{id}':                                  '401  403    ok   403   ok    403     ok     401     401',
  'PUT /api/v1/videos/{id}/manifest':                            '401  403    ok   404   ok    403     ok     401     401',
  'POST /api/v1/videos/{id}/publish':                            '401  403    ok   404   ok    403     ok     401     401',
  'PUT /api/v1/videos/{id}/files/{path}':                        '401  403    ok   404   ok    403     ok     401     401',
  'PUT /api/v1/videos/{id}/package':                             '401  403    ok   404   ok    403     ok     401     401',
  'PUT /api/v1/videos/{id}/package/files/{path}':                '401  403    ok   404   ok    403     ok     401     401',
  'POST /api/v1/videos/{id}/content-key':                        '401  403    ok   404   ok    403     ok     401     401',
  // The content key of a paid video: its creator and admins; anyone else needs a playback token (401 without).
  'GET /api/v1/videos/{id}/hls/key':                             '401  401    ok   401   ok    ok      ok     401     401',
  'PUT /api/v1/videos/{id}/prices':                              '401  403    ok   403   ok    403     ok     401     401',
  'PUT /api/v1/creators/{id}/subscription-price':                '401  403    ok   403   ok    403     ok     401     401',
  'GET /api/v1/videos/{id}/uploads':                             '401  403    ok   404   ok    403     ok     401     401',
  'POST /api/v1/videos/{id}/uploads':                            '401  403    ok   404   ok    403     ok     401     401',
  'GET /api/v1/videos/{id}/uploads/{uploadId}':                  '401  403    pass 403   pass  403     pass   401     401',
  'DELETE /api/v1/videos/{id}/uploads/{uploadId}':               '401  403    pass 403   pass  403     pass   401     401',
  'POST /api/v1/videos/{id}/uploads/{uploadId}/complete':        '401  403    pass 403   pass  403     pass   401     401',
  'PUT /api/v1/videos/{id}/uploads/{uploadId}/parts/{partNumber}': '401 403  pass 403   pass  403     pass   401     401',
  // Money: creators see their own sales only; a payment is its buyer's (A bought it) or an admin's.
  'GET /api/v1/reports/revenue':                                 '401  403    ok   ok    ok    403     ok     401     401',
  'GET /api/v1/me/videos/stats':                                 '401  403    ok   ok    ok    403     ok     401     401',
  'GET /api/v1/payments/{id}':                                   '401  404    ok   404   ok    403     ok     401     401',
  // Analytics and alerts: admins (or keys with analytics:read held by an admin).
  'GET /api/v1/analytics/summary':                               '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/analytics/timeseries':                            '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/analytics/breakdown':                             '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/analytics/sessions':                              '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/analytics/sessions/{sessionId}':                  '401  403    403  403   pass  403     pass   401     401',
  'GET /api/v1/analytics/export':                                '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/analytics/raw/session/{sessionId}':               '401  403    403  403   pass  403     pass   401     401',
  'GET /api/v1/alerts/rules':                                    '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/alerts':                                          '401  403    403  403   ok    403     ok     401     401',
  'POST /api/v1/alerts/rules':                                   '401  403    403  403   ok    403     ok     401     401',
  'PATCH /api/v1/alerts/rules/{id}':                             '401  403    403  403   ok    403     ok     401     401',
  'DELETE /api/v1/alerts/rules/{id}':                            '401  403    403  403   pass  403     pass   401     401',
  'POST /api/v1/alerts/{id}/resolve':                            '401  403    403  403   pass  403     pass   401     401',
  // Operators only.
  'GET /api/v1/admin/users':                                     '401  403    403  403   ok    403     ok     401     401',
  'PATCH /api/v1/admin/users/{id}':                              '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/audit-log':                                 '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/dead-letters':                              '401  403    403  403   ok    403     ok     401     401',
  'POST /api/v1/admin/dead-letters/{id}/replay':                 '401  403    403  403   pass  403     pass   401     401',
  'GET /api/v1/admin/storage/nodes':                             '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/storage/metrics':                           '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/storage/garbage':                           '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/storage/jobs':                              '401  403    403  403   ok    403     ok     401     401',
  'POST /api/v1/admin/storage/maintenance':                      '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/storage/quotas/{creatorId}':                '401  403    403  403   ok    403     ok     401     401',
  'PUT /api/v1/admin/storage/quotas/{creatorId}':                '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/monitoring/metrics':                              '401  403    403  403   ok    403     ok     401     401',
  'POST /api/v1/admin/payments/{id}/refund':                     '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/reconciliation':                            '401  403    403  403   ok    403     ok     401     401',
  'POST /api/v1/admin/reconciliation':                           '401  403    403  403   ok    403     ok     401     401',
  'GET /api/v1/admin/reconciliation/{id}':                       '401  403    403  403   pass  403     pass   401     401',
  // Call rooms belong to people (no API keys). A's room is invite-only and B, the viewer and the admin were not
  // invited: no room token for them, and the host controls are A's. An admin may see the settings, rename or
  // lock the room and remove someone (moderation), but gets no seat and no invite link.
  'POST /api/v1/rooms':                                          '401  ok     ok   ok    ok    403     403    401     401',
  'GET /api/v1/rooms':                                           '401  ok     ok   ok    ok    403     403    401     401',
  'GET /api/v1/rooms/{roomId}':                                  '401  403    ok   403   ok    403     403    401     401',
  'PATCH /api/v1/rooms/{roomId}':                                '401  403    ok   403   ok    403     403    401     401',
  'POST /api/v1/rooms/{roomId}/invite':                          '401  403    ok   403   403   403     403    401     401',
  'POST /api/v1/rooms/{roomId}/join':                            '401  403    ok   403   403   403     403    401     401',
  'DELETE /api/v1/rooms/{roomId}/members/{userId}':              '401  403    ok   403   ok    403     403    401     401',
  'POST /api/v1/tokens/room':                                    '401  403    ok   403   403   403     403    401     401',
  // A call room's routes take only that room's token: a person's token or a key is the wrong credential.
  'GET /api/v1/rooms/{roomId}/ws':                               '401  403    403  403   403   403     403    401     401',
  'POST /api/v1/rooms/{roomId}/sfu/sessions':                    '401  403    403  403   403   403     403    401     401',
  'POST /api/v1/rooms/{roomId}/sfu/sessions/{sessionId}/tracks': '401  403    403  403   403   403     403    401     401',
  'PUT /api/v1/rooms/{roomId}/sfu/sessions/{sessionId}/renegotiate': '401 403 403  403   403   403     403    401     401',
  'PUT /api/v1/rooms/{roomId}/sfu/sessions/{sessionId}/tracks/close': '401 403 403 403   403   403     403    401     401',
};

type Cell = number | 'ok' | 'pass';
function parseRow(row: string): Record<Column, Cell> {
  const cells = row.trim().split(/\s+/);
  if (cells.length !== COLUMNS.length) throw new Error(`row "${row}" has ${cells.length} cells, not ${COLUMNS.length}`);
  return Object.fromEntries(COLUMNS.map((column, i) => [column, /^\d+$/.test(cells[i] as string) ? Number(cells[i]) : cells[i]])) as Record<
    Column,
    Cell
  >;
}

function satisfies(cell: Cell, status: number, code: string | undefined): boolean {
  if (typeof cell === 'number') return status === cell;
  if (status >= 500) return status === 503 && code === 'not_configured';
  if (status === 401 || status === 403) return false;
  return cell === 'pass' || status !== 404;
}

interface Fixtures {
  viewer: Awaited<ReturnType<typeof signUp>>;
  own: Awaited<ReturnType<typeof signUp>>;
  other: Awaited<ReturnType<typeof signUp>>;
  admin: Awaited<ReturnType<typeof signUpAdmin>>;
  credentials: Record<Column, Record<string, string>>;
  /** A's free, ready, public video with a playlist in R2. */
  freeVideo: string;
  /** A's priced video, bought by a viewer. */
  paidVideo: string;
  /** B's priced video, bought by A: A's payment. */
  paymentOfA: string;
  /** An invite-only call room A hosts, with nobody else in it. */
  roomOfA: string;
}

const SEGMENT = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
function manifestFor(videoId: string) {
  return testManifest(videoId, [SEGMENT]);
}

async function newVideo(fx: Fixtures, ready = true) {
  const created = await api('POST', '/api/v1/videos', {
    token: fx.own.accessToken,
    body: { title: 'Matrix', language: 'en', visibility: 'public' },
  });
  if (ready) await markVideoReady(created.body.id);
  return created.body.id as string;
}

interface Call {
  path: string;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

/**
 * The request for one operation and caller. By default path parameters name A's resources and a body is `{}`
 * (an authorized caller then gets 400 from validation, which runs after authorization); operations whose
 * ownership check needs a valid body, or that consume their target, build their own.
 */
async function callFor(op: FuzzOperation, who: Column, fx: Fixtures): Promise<Call> {
  const fill = (values: Record<string, string>) =>
    op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'missing'));
  const videoPath = (id: string, extra: Record<string, string> = {}) =>
    fill({ id, videoId: id, path: '360p/index.m3u8', uploadId: 'upl_missingmissing', partNumber: '1', ...extra });
  switch (op.key) {
    case 'DELETE /api/v1/api-keys/{id}': {
      const key = await api('POST', '/api/v1/api-keys', { token: fx.own.accessToken, body: { name: 'victim', scopes: ['catalog:read'] } });
      return { path: fill({ id: key.body.id }) };
    }
    case 'POST /api/v1/auth/logout-all': {
      // It ends every session of its caller: a person's column signs out a stand-in of the same kind, so the
      // fixture accounts keep working for the rows after it.
      const standIn =
        who === 'admin'
          ? await signUpAdmin()
          : who === 'viewer'
            ? await signUp('viewer')
            : who === 'own' || who === 'other'
              ? await signUp('creator')
              : null;
      return { path: op.path, headers: standIn ? { Authorization: `Bearer ${standIn.accessToken}` } : undefined };
    }
    case 'DELETE /api/v1/videos/{id}':
      return { path: videoPath(await newVideo(fx)) };
    case 'PATCH /api/v1/videos/{id}':
      return { path: videoPath(fx.freeVideo), body: { title: `Renamed by ${who}` } };
    case 'PUT /api/v1/videos/{id}/manifest': {
      const id = await newVideo(fx, false);
      return { path: videoPath(id), body: await manifestFor(id) };
    }
    case 'POST /api/v1/videos/{id}/publish':
      return { path: videoPath(await newVideo(fx, false)) };
    case 'PUT /api/v1/videos/{id}/files/{path}': {
      const id = await newVideo(fx, false);
      await api('PUT', `/api/v1/videos/${id}/manifest`, { token: fx.own.accessToken, body: await manifestFor(id) });
      return {
        path: videoPath(id, { path: '360p/seg_00000.m4s' }),
        rawBody: SEGMENT,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SEGMENT.byteLength) },
      };
    }
    case 'POST /api/v1/videos/{id}/content-key':
      return { path: videoPath(await newVideo(fx, false)) };
    case 'GET /api/v1/videos/{id}/hls/key':
      // The paid video gets its key (issued to its creator), so an authorized caller meets 200, not 404.
      await api('POST', `/api/v1/videos/${fx.paidVideo}/content-key`, { token: fx.own.accessToken });
      return { path: videoPath(fx.paidVideo) };
    case 'PUT /api/v1/videos/{id}/package':
      return { path: videoPath(await newVideo(fx, false)), body: { estimatedBytes: 100_000 } };
    case 'PUT /api/v1/videos/{id}/package/files/{path}': {
      const id = await newVideo(fx, false);
      await api('PUT', `/api/v1/videos/${id}/package`, { token: fx.own.accessToken, body: { estimatedBytes: 100_000 } });
      return {
        path: videoPath(id, { path: '360p/seg_00000.m4s' }),
        rawBody: SEGMENT,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(SEGMENT.byteLength),
          'X-Content-SHA256': await sha256Hex(SEGMENT),
        },
      };
    }
    case 'PUT /api/v1/videos/{id}/prices':
      return { path: videoPath(fx.paidVideo), body: { purchase: { amount: 1299, currency: 'usd' } } };
    case 'PUT /api/v1/creators/{id}/subscription-price':
      return { path: fill({ id: fx.own.user.id }), body: { price: { amount: 500, currency: 'usd' } } };
    case 'GET /api/v1/videos/{id}/uploads':
    case 'POST /api/v1/videos/{id}/uploads': {
      const id = await newVideo(fx, false);
      await api('PUT', `/api/v1/videos/${id}/manifest`, { token: fx.own.accessToken, body: await manifestFor(id) });
      return { path: videoPath(id), body: op.method === 'POST' ? { path: '360p/seg_00000.m4s' } : undefined };
    }
    case 'GET /api/v1/payments/{id}':
    case 'POST /api/v1/admin/payments/{id}/refund':
      return { path: fill({ id: fx.paymentOfA }), body: op.body ? {} : undefined };
    case 'POST /api/v1/analytics/samples':
      // Who may post is decided in the handler (ingest token or key), after the body is read: send a valid one.
      return {
        path: op.path,
        body: {
          sessionId: 'ses_matrixsession01',
          peerId: 'peer_matrixpeer01',
          events: [{ ts: Date.now(), remotePeerId: 'peer_remoteaaaaaaaa', type: 'attempted' }],
        },
      };
    case 'GET /api/v1/rooms/{roomId}/ws':
      return { path: fill({ roomId: 'matrix-room' }), headers: { Upgrade: 'websocket' } };
    case 'POST /api/v1/tokens/room':
      return { path: op.path, body: { roomId: fx.roomOfA } };
    case 'PATCH /api/v1/rooms/{roomId}':
      // The host check follows validation: a valid, harmless change.
      return { path: fill({ roomId: fx.roomOfA }), body: { title: `Renamed by ${who}` } };
    case 'DELETE /api/v1/rooms/{roomId}/members/{userId}': {
      // Removal consumes its member: each caller gets a fresh room of A's with a fresh invitee in it.
      const room = await api('POST', '/api/v1/rooms', { token: fx.own.accessToken, body: {} });
      const invitee = await signUp('viewer');
      await api('POST', `/api/v1/rooms/${room.body.room.id}/join`, {
        token: invitee.accessToken,
        body: { inviteToken: room.body.inviteToken },
      });
      return { path: fill({ roomId: room.body.room.id, userId: invitee.user.id }) };
    }
    default:
      return {
        path: fill({
          id: op.path.startsWith('/api/v1/creators/')
            ? fx.own.user.id
            : op.path.startsWith('/api/v1/admin/users/')
              ? fx.viewer.user.id
              : fx.freeVideo,
          videoId: fx.freeVideo,
          path: '360p/index.m3u8',
          creatorId: fx.own.user.id,
          sessionId: 'ses_missingmissingmissing',
          roomId: op.path.startsWith('/api/v1/rooms/{roomId}/sfu') ? 'matrix-room' : fx.roomOfA,
          uploadId: 'upl_missingmissing',
          partNumber: '1',
        })
          .replace('/alerts/rules/missing', '/alerts/rules/rul_missing')
          .replace('/alerts/missing', '/alerts/alt_missing'),
        body: op.body ? {} : undefined,
      };
  }
}

/** Buys `videoId` through the Stripe contract server: checkout, signed webhook, payments queue. */
async function buy(buyerToken: string, videoId: string): Promise<string> {
  const started = await api('POST', '/api/v1/checkout', {
    token: buyerToken,
    headers: { 'Idempotency-Key': `matrix-${crypto.randomUUID()}` },
    body: { provider: 'stripe', item: { kind: 'video_purchase', videoId } },
  });
  expect(started.status).toBe(201);
  const { session } = stripeContract.paySession(started.body.providerRef, 68);
  const event = stripeContract.event('checkout.session.completed', session);
  const received = await postWebhook('stripe', event.body, { 'Stripe-Signature': await stripeSignature(event.body) });
  expect(received.status).toBe(200);
  await vi.waitFor(
    async () =>
      expect(await env.DB.prepare('SELECT state FROM payments WHERE id = ?').bind(started.body.id).first('state')).toBe('captured'),
    { timeout: 10_000, interval: 100 },
  );
  return started.body.id as string;
}

describe('authorization matrix', () => {
  let operations: FuzzOperation[] = [];
  let fx: Fixtures;

  beforeAll(async () => {
    routeProvidersToContracts();
    const doc = (await api('GET', '/api/v1/openapi.json')).body as OpenApiDocument;
    operations = operationsOf(doc);
    const viewer = await signUp('viewer');
    const admin = await signUpAdmin();
    // A and B each sell a priced video; a viewer buys A's, A buys B's.
    const sellerA = await pricedVideo();
    const sellerB = await pricedVideo();
    const own = sellerA.creator;
    const other = sellerB.creator;
    await buy(viewer.accessToken, sellerA.videoId);
    const paymentOfA = await buy(own.accessToken, sellerB.videoId);
    const freeVideo = (
      await api('POST', '/api/v1/videos', { token: own.accessToken, body: { title: 'Free', language: 'en', visibility: 'public' } })
    ).body.id as string;
    await markVideoReady(freeVideo);
    await env.UPLOADS.put(`videos/${freeVideo}/360p/index.m3u8`, '#EXTM3U\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n');
    const keyRead = await api('POST', '/api/v1/api-keys', { token: own.accessToken, body: { name: 'reader', scopes: ['catalog:read'] } });
    const keyAll = await api('POST', '/api/v1/api-keys', { token: admin.accessToken, body: { name: 'operator', scopes: ['admin'] } });
    const secret = (env as unknown as { JWT_SECRET: string }).JWT_SECRET;
    const claims = { userId: admin.user.id, role: 'admin' as const };
    const expired = await issueToken('access', claims, secret, 60, Date.now() - 3_600_000);
    const forged = await issueToken('access', claims, 'another-secret-that-is-long-enough-for-hs256-000', 900);
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const roomOfA = (await api('POST', '/api/v1/rooms', { token: own.accessToken, body: { title: 'Matrix call' } })).body.room.id as string;
    fx = {
      viewer,
      own,
      other,
      admin,
      freeVideo,
      paidVideo: sellerA.videoId,
      paymentOfA,
      roomOfA,
      credentials: {
        anon: {},
        viewer: bearer(viewer.accessToken),
        own: bearer(own.accessToken),
        other: bearer(other.accessToken),
        admin: bearer(admin.accessToken),
        keyRead: { 'X-API-Key': keyRead.body.key },
        keyAll: bearer(keyAll.body.key),
        expired: bearer(expired.token),
        forged: bearer(forged.token),
      },
    };
  }, 60_000);

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('classifies every operation of the OpenAPI document (and nothing else)', () => {
    const documented = operations.map((op) => op.key).sort();
    expect(documented.filter((key) => !(key in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('answers every cell as the table says', async () => {
    const mismatches: string[] = [];
    let requests = 0;
    for (const op of operations) {
      const row = MATRIX[op.key];
      if (!row) continue;
      const expected = parseRow(row);
      for (const who of COLUMNS) {
        const call = await callFor(op, who, fx);
        const response = await api(op.method, call.path, {
          headers: { ...fx.credentials[who], ...call.headers },
          ...(call.body !== undefined ? { body: call.body } : {}),
          ...(call.rawBody !== undefined ? { rawBody: call.rawBody } : {}),
        });
        requests++;
        if (!satisfies(expected[who], response.status, response.body?.error?.code))
          mismatches.push(
            `${op.key} as ${who}: expected ${expected[who]}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`,
          );
        if (response.status === 401 && !response.headers.get('WWW-Authenticate'))
          mismatches.push(`${op.key} as ${who}: 401 without WWW-Authenticate`);
      }
    }
    console.info(`authorization matrix: ${requests} requests over ${operations.length} operations`);
    expect(mismatches).toEqual([]);
  }, 120_000);

  it("a revenue report holds only the caller's sales, whatever creatorId asks for; admins see both", async () => {
    const keysOf = (body: { rows?: { key: string }[] }) => [...new Set((body.rows ?? []).map((row) => row.key))];
    const asA = await api('GET', `/api/v1/reports/revenue?groupBy=creator&creatorId=${fx.other.user.id}`, { token: fx.own.accessToken });
    expect(asA.status).toBe(200);
    expect(keysOf(asA.body)).toEqual([fx.own.user.id]);
    const byVideoAsB = await api('GET', '/api/v1/reports/revenue?groupBy=video', { token: fx.other.accessToken });
    expect(byVideoAsB.status).toBe(200);
    expect(keysOf(byVideoAsB.body)).not.toContain(fx.paidVideo);
    expect(keysOf(byVideoAsB.body).length).toBeGreaterThan(0);
    const asAdmin = await api('GET', '/api/v1/reports/revenue?groupBy=creator', { token: fx.admin.accessToken });
    expect(keysOf(asAdmin.body)).toEqual(expect.arrayContaining([fx.own.user.id, fx.other.user.id]));
    const csv = await api('GET', '/api/v1/reports/revenue?groupBy=creator&format=csv', { token: fx.own.accessToken });
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain(fx.own.user.id);
    expect(String(csv.body)).not.toContain(fx.other.user.id);
  });

  it("B cannot read A's payment, nor any analytics", async () => {
    expect((await api('GET', `/api/v1/payments/${fx.paymentOfA}`, { token: fx.other.accessToken })).status).toBe(404);
    expect((await api('GET', `/api/v1/payments/${fx.paymentOfA}`, { token: fx.own.accessToken })).status).toBe(200);
    for (const path of ['/api/v1/analytics/summary', '/api/v1/analytics/sessions', '/api/v1/analytics/export?report=summary&format=json'])
      expect((await api('GET', path, { token: fx.other.accessToken })).status).toBe(403);
  });
});
