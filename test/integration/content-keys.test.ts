// Content encryption of paid and private videos, inside workerd: the key is issued to the creator for
// packaging, stored wrapped (never in R2 or the manifest), served from GET /videos/{id}/hls/key only to a
// caller who may play the video right now, and never cached. Publish refuses a package encrypted the wrong
// way, and a video published in the clear cannot be made paid or private afterwards.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { decryptSegment, encryptPackage, fromBase64Url, segmentIv } from '../../src/domain/content-encryption';
import { type IntegrityManifest, manifestFiles } from '../../src/domain/packaging/manifest';
import { createApp } from '../../src/workers/app';
import worker from '../../src/workers/index';
import { api, BASE, markVideoReady, signUp, signUpAdmin, testManifest } from './helpers';

const SEGMENT = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n';

type Creator = Awaited<ReturnType<typeof signUp>>;

async function draft(creator: Creator, visibility: 'public' | 'private' = 'public') {
  const created = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Sealed', language: 'en', visibility },
  });
  return created.body.id as string;
}

async function setPrice(creator: Creator, videoId: string) {
  return api('PUT', `/api/v1/videos/${videoId}/prices`, {
    token: creator.accessToken,
    body: { purchase: { amount: 499, currency: 'usd' } },
  });
}

/** Uploads `files` under `manifest` and publishes; returns the publish response. */
async function uploadAndPublish(creator: Creator, videoId: string, manifest: IntegrityManifest, files: Map<string, Uint8Array>) {
  const token = creator.accessToken;
  expect((await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token, body: manifest })).status).toBe(200);
  for (const [path, bytes] of files) {
    const put = await api('PUT', `/api/v1/videos/${videoId}/files/${path}`, {
      token,
      rawBody: bytes,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
    });
    expect(put.status, `${path}: ${JSON.stringify(put.body)}`).toBe(204);
  }
  return api('POST', `/api/v1/videos/${videoId}/publish`, { token });
}

async function clearPackage(videoId: string) {
  const manifest = (await testManifest(videoId, [SEGMENT])) as IntegrityManifest;
  const files = new Map<string, Uint8Array>([
    ['360p/index.m3u8', new TextEncoder().encode(PLAYLIST)],
    ['360p/seg_00000.m4s', SEGMENT],
  ]);
  return { manifest, files };
}

async function issueKey(creator: Creator, videoId: string) {
  return api('POST', `/api/v1/videos/${videoId}/content-key`, { token: creator.accessToken });
}

/** A paid video packaged and published encrypted, the way the packagers do it. */
async function encryptedPaidVideo() {
  const creator = await signUp('creator');
  const videoId = await draft(creator);
  expect((await setPrice(creator, videoId)).status).toBe(200);
  const issued = await issueKey(creator, videoId);
  expect(issued.status).toBe(200);
  expect(issued.body.encryption).toBe('aes-128');
  const key = fromBase64Url(issued.body.key);
  const clear = await clearPackage(videoId);
  const encrypted = await encryptPackage({ manifest: clear.manifest, read: async (path) => clear.files.get(path) as Uint8Array }, key);
  const published = await uploadAndPublish(creator, videoId, encrypted.manifest, encrypted.files);
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return { creator, videoId, key };
}

/** GET the key route through the Worker's fetch handler, keeping the body as bytes. */
async function keyOf(videoId: string, query = '', token?: string) {
  const request = new Request(
    `${BASE}/api/v1/videos/${videoId}/hls/key${query}`,
    token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  );
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function grantPurchase(buyerId: string, videoId: string, creatorId: string) {
  const id = `ent_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(
    "INSERT INTO entitlements (id, payment_id, user_id, kind, video_id, creator_id, granted_at) VALUES (?, ?, ?, 'video_purchase', ?, ?, ?)",
  )
    .bind(id, `pay_${id}`, buyerId, videoId, creatorId, Date.now())
    .run();
  return id;
}

describe('content keys of paid and private videos', () => {
  it('issues one key per video to its creator, wraps it at rest, and says "none" for a free public video', async () => {
    const creator = await signUp('creator');
    const paid = await draft(creator);
    await setPrice(creator, paid);
    const first = await issueKey(creator, paid);
    const second = await issueKey(creator, paid);
    expect(first.status).toBe(200);
    expect(first.headers.get('Cache-Control')).toBe('private, no-store');
    expect(second.body.key).toBe(first.body.key);
    expect(fromBase64Url(first.body.key).byteLength).toBe(16);
    const row = await env.DB.prepare('SELECT wrapped_key FROM video_keys WHERE video_id = ?').bind(paid).first<{ wrapped_key: string }>();
    expect(row?.wrapped_key).toBeTruthy();
    expect(row?.wrapped_key).not.toContain(first.body.key);

    const free = await draft(creator);
    expect((await issueKey(creator, free)).body).toEqual({ encryption: 'none' });
    expect((await issueKey(creator, await draft(creator, 'private'))).body.encryption).toBe('aes-128');

    // Another creator cannot get it.
    const other = await signUp('creator');
    expect((await api('POST', `/api/v1/videos/${paid}/content-key`, { token: other.accessToken })).status).toBe(404);
  });

  it('stores only ciphertext: R2 holds the encrypted segment, the playlist names the key route, the manifest no key', async () => {
    const { creator, videoId, key } = await encryptedPaidVideo();
    const stored = new Uint8Array(await ((await env.UPLOADS.get(`videos/${videoId}/360p/seg_00000.m4s`)) as R2ObjectBody).arrayBuffer());
    expect(stored).not.toEqual(SEGMENT);
    expect(await decryptSegment(key, segmentIv(0), stored)).toEqual(SEGMENT);
    const manifest = (await (await env.UPLOADS.get(`videos/${videoId}/manifest.json`))?.json()) as IntegrityManifest;
    expect(manifest.encryption).toEqual({ method: 'AES-128' });
    expect(JSON.stringify(manifest)).not.toContain(Buffer.from(key).toString('base64url'));
    expect(manifestFiles(manifest)[0]?.bytes).toBe(stored.byteLength);
    const video = await api('GET', `/api/v1/videos/${videoId}`, { token: creator.accessToken });
    expect(video.status).toBe(200);
    const row = await env.DB.prepare('SELECT content_encryption FROM videos WHERE id = ?')
      .bind(videoId)
      .first<{ content_encryption: string }>();
    expect(row?.content_encryption).toBe('aes-128');
  });

  it('serves the key to a buyer (token written into the playlist), the creator and an admin, never cached', async () => {
    const { creator, videoId, key } = await encryptedPaidVideo();
    const buyer = await signUp('viewer');
    await grantPurchase(buyer.user.id, videoId, creator.user.id);
    const pt = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).body.token as string;
    const playlist = await api('GET', `/api/v1/videos/${videoId}/hls/360p/index.m3u8?pt=${pt}`);
    expect(playlist.body).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="../key?pt=${pt}"`);

    const asBuyer = await keyOf(videoId, `?pt=${pt}`);
    expect(asBuyer.status).toBe(200);
    expect(asBuyer.bytes).toEqual(key);
    expect(asBuyer.headers.get('Cache-Control')).toBe('private, no-store');
    expect((await keyOf(videoId, '', pt)).status).toBe(200);
    expect((await keyOf(videoId, '', creator.accessToken)).bytes).toEqual(key);
    const admin = await signUpAdmin();
    expect((await keyOf(videoId, '', admin.accessToken)).status).toBe(200);
  });

  it('refuses the key to anonymous callers, viewers without a token, non-buyers and tokens of other videos', async () => {
    const { videoId } = await encryptedPaidVideo();
    const anonymous = await keyOf(videoId);
    expect(anonymous.status).toBe(401);
    expect(anonymous.bytes.byteLength).toBeGreaterThan(16); // a JSON error, no key bytes
    const viewer = await signUp('viewer');
    expect((await keyOf(videoId, '', viewer.accessToken)).status).toBe(401);
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: viewer.accessToken })).status).toBe(402);
    expect((await keyOf(videoId, '?pt=not-a-token')).status).toBe(401);
    const other = await encryptedPaidVideo();
    const otherPt = (await api('POST', `/api/v1/videos/${other.videoId}/playback-token`, { token: other.creator.accessToken })).body.token;
    expect((await keyOf(videoId, `?pt=${otherPt}`)).status).toBe(403);
  });

  it('stops serving the key the moment the purchase is refunded or the rental ends, token still unexpired', async () => {
    const { creator, videoId } = await encryptedPaidVideo();
    const buyer = await signUp('viewer');
    const entitlement = await grantPurchase(buyer.user.id, videoId, creator.user.id);
    const pt = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: buyer.accessToken })).body.token as string;
    expect((await keyOf(videoId, `?pt=${pt}`)).status).toBe(200);
    await env.DB.prepare('UPDATE entitlements SET revoked_at = ? WHERE id = ?').bind(Date.now(), entitlement).run();
    const refunded = await keyOf(videoId, `?pt=${pt}`);
    expect(refunded.status).toBe(403);
    expect(refunded.bytes.byteLength).toBeGreaterThan(16);

    const renter = await signUp('viewer');
    const rental = await grantPurchase(renter.user.id, videoId, creator.user.id);
    const rentalPt = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: renter.accessToken })).body.token as string;
    await env.DB.prepare("UPDATE entitlements SET kind = 'video_rental', expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, rental)
      .run();
    expect((await keyOf(videoId, `?pt=${rentalPt}`)).status).toBe(403);
  });

  it('hides a private video’s key from everyone but its creator and admins (404)', async () => {
    const creator = await signUp('creator');
    const videoId = await draft(creator, 'private');
    const key = fromBase64Url((await issueKey(creator, videoId)).body.key);
    const clear = await clearPackage(videoId);
    const encrypted = await encryptPackage({ manifest: clear.manifest, read: async (path) => clear.files.get(path) as Uint8Array }, key);
    expect((await uploadAndPublish(creator, videoId, encrypted.manifest, encrypted.files)).status).toBe(200);
    await markVideoReady(videoId);
    expect((await keyOf(videoId)).status).toBe(404);
    expect((await keyOf(videoId, '', (await signUp('viewer')).accessToken)).status).toBe(404);
    expect((await keyOf(videoId, '', creator.accessToken)).bytes).toEqual(key);
  });

  it('answers 503 misconfigured, issuing and serving no key, without CONTENT_KEY_SECRET', async () => {
    const { creator, videoId } = await encryptedPaidVideo();
    const { CONTENT_KEY_SECRET: _unset, ...withoutSecret } = env as unknown as Record<string, unknown>;
    const call = (path: string, method = 'GET') =>
      createApp().fetch(
        new Request(`${BASE}${path}`, { method, headers: { Authorization: `Bearer ${creator.accessToken}` } }),
        withoutSecret as unknown as typeof env,
        createExecutionContext(),
      );
    for (const response of [await call(`/api/v1/videos/${videoId}/hls/key`), await call(`/api/v1/videos/${videoId}/content-key`, 'POST')]) {
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { details: { fields: string[] } } }).error.details.fields).toEqual([
        'CONTENT_KEY_SECRET',
      ]);
    }
  });

  it('refuses to publish a clear package of a paid video, and an encrypted package of a free one', async () => {
    const creator = await signUp('creator');
    const paid = await draft(creator);
    await setPrice(creator, paid);
    const clear = await clearPackage(paid);
    const refused = await uploadAndPublish(creator, paid, clear.manifest, clear.files);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('encryption_required');

    // Encrypted without a key issued for this video: no player could decrypt it.
    const free = await draft(creator);
    const freeClear = await clearPackage(free);
    const stray = await encryptPackage(
      { manifest: freeClear.manifest, read: async (path) => freeClear.files.get(path) as Uint8Array },
      new Uint8Array(16).fill(7),
    );
    const notExpected = await uploadAndPublish(creator, free, stray.manifest, stray.files);
    expect(notExpected.status).toBe(409);
    expect(notExpected.body.error.code).toBe('encryption_not_expected');
  });

  it('refuses (409) to make a video published in the clear paid or private; an encrypted one may become free', async () => {
    const creator = await signUp('creator');
    const videoId = await draft(creator);
    const clear = await clearPackage(videoId);
    expect((await uploadAndPublish(creator, videoId, clear.manifest, clear.files)).status).toBe(200);
    const priced = await setPrice(creator, videoId);
    expect(priced.status).toBe(409);
    expect(priced.body.error.code).toBe('published_in_clear');
    expect((await api('GET', `/api/v1/videos/${videoId}/prices`)).body.purchase).toBeNull();
    const hidden = await api('PATCH', `/api/v1/videos/${videoId}`, { token: creator.accessToken, body: { visibility: 'private' } });
    expect(hidden.status).toBe(409);
    expect(hidden.body.error.code).toBe('published_in_clear');
    expect((await api('PATCH', `/api/v1/videos/${videoId}`, { token: creator.accessToken, body: { visibility: 'unlisted' } })).status).toBe(
      200,
    );
    // Anyone may fetch a key of a free video only if it has one: a clear video has none.
    expect((await keyOf(videoId)).status).toBe(404);

    const sealed = await encryptedPaidVideo();
    expect(
      (await api('PUT', `/api/v1/videos/${sealed.videoId}/prices`, { token: sealed.creator.accessToken, body: { purchase: null } })).status,
    ).toBe(200);
    // Free now: the key goes to anyone who may play it.
    expect((await keyOf(sealed.videoId)).bytes).toEqual(sealed.key);
    const again = await setPrice(sealed.creator, sealed.videoId);
    expect(again.status).toBe(200);
  });
});
