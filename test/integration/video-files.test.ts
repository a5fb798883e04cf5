import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { encryptPackage, fromBase64Url } from '../../src/domain/content-encryption';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import { api, signUp, testManifest } from './helpers';

const segmentBodies = [Uint8Array.from({ length: 32 }, (_, i) => i), Uint8Array.from({ length: 20 }, (_, i) => 200 - i)];
const playlist = new TextEncoder().encode(
  '#EXTM3U\n#EXT-X-VERSION:7\n#EXTINF:4.0,\nseg_00000.m4s\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n',
);

function manifestFor(videoId: string) {
  return testManifest(videoId, segmentBodies);
}

function upload(token: string, videoId: string, path: string, bytes: Uint8Array) {
  return api('PUT', `/api/v1/videos/${videoId}/files/${path}`, {
    token,
    rawBody: bytes,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
  });
}

async function packagedVideo(visibility: 'public' | 'private', publish = true) {
  const creator = await signUp('creator');
  const created = await api('POST', '/api/v1/videos', { token: creator.accessToken, body: { title: 'Clip', language: 'en', visibility } });
  const videoId = created.body.id as string;
  let manifest = (await manifestFor(videoId)) as IntegrityManifest;
  const files = new Map<string, Uint8Array>([
    ['360p/index.m3u8', playlist],
    ...segmentBodies.map((bytes, index) => [`360p/seg_0000${index}.m4s`, bytes] as [string, Uint8Array]),
  ]);
  // A private video is packaged encrypted with its content key (content-keys.test.ts).
  const issued = await api('POST', `/api/v1/videos/${videoId}/content-key`, { token: creator.accessToken });
  if (issued.body.encryption === 'aes-128') {
    const encrypted = await encryptPackage(
      { manifest, read: async (path) => files.get(path) as Uint8Array },
      fromBase64Url(issued.body.key),
    );
    manifest = encrypted.manifest;
    for (const [path, bytes] of encrypted.files) files.set(path, bytes);
  }
  const stored = await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: manifest });
  expect(stored.status).toBe(200);
  if (publish) {
    for (const [path, bytes] of files) expect((await upload(creator.accessToken, videoId, path, bytes)).status).toBe(204);
    expect((await api('POST', `/api/v1/videos/${videoId}/publish`, { token: creator.accessToken })).status).toBe(200);
  }
  return { creator, videoId };
}

describe('video files', () => {
  it('stores the manifest, marks the video processing, and publishes only once every file is there', async () => {
    const { creator, videoId } = await packagedVideo('public', false);
    expect((await api('GET', `/api/v1/videos/${videoId}`, { token: creator.accessToken })).body.status).toBe('processing');
    expect(await env.UPLOADS.head(`videos/${videoId}/manifest.json`)).not.toBeNull();

    await upload(creator.accessToken, videoId, '360p/index.m3u8', playlist);
    expect((await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', segmentBodies[0] as Uint8Array)).status).toBe(204);
    const early = await api('POST', `/api/v1/videos/${videoId}/publish`, { token: creator.accessToken });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'incomplete_upload', details: { missing: ['360p/seg_00001.m4s'] } });

    expect((await upload(creator.accessToken, videoId, '360p/seg_00001.m4s', segmentBodies[1] as Uint8Array)).status).toBe(204);
    const sent = vi.spyOn(env.DOMAIN_EVENTS, 'sendBatch');
    const published = await api('POST', `/api/v1/videos/${videoId}/publish`, { token: creator.accessToken });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('ready');
    // Subscribers (recommendations, caches) learn of the status change through a video.updated event.
    await vi.waitFor(() => {
      const bodies = sent.mock.calls.flatMap(([messages]) => [...messages].map((message) => message.body));
      expect(bodies).toContainEqual(
        expect.objectContaining({ type: 'video.updated', data: { videoId, creatorId: creator.user.id, fields: ['status'] } }),
      );
    });
    sent.mockRestore();
  });

  it('refuses a body whose SHA-256 differs from the manifest and stores nothing', async () => {
    const { creator, videoId } = await packagedVideo('public', false);
    const tampered = Uint8Array.from(segmentBodies[0] as Uint8Array);
    tampered[3] = 255;
    const response = await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', tampered);
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('checksum_mismatch');
    expect(await env.UPLOADS.head(`videos/${videoId}/360p/seg_00000.m4s`)).toBeNull();
  });

  it('refuses a body larger than the manifest says before storing it', async () => {
    const { creator, videoId } = await packagedVideo('public', false);
    const response = await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', new Uint8Array(33));
    expect(response.status).toBe(413);
  });

  it('rejects uploads by strangers, anonymous callers, unlisted files and path traversal', async () => {
    const { creator, videoId } = await packagedVideo('public', false);
    const other = await signUp('creator');
    const body = segmentBodies[0] as Uint8Array;
    // The video is still being uploaded, so to anyone but its creator it does not exist yet.
    expect((await upload(other.accessToken, videoId, '360p/seg_00000.m4s', body)).status).toBe(404);
    expect((await api('PUT', `/api/v1/videos/${videoId}/files/360p/seg_00000.m4s`, { rawBody: body })).status).toBe(401);
    expect(
      (await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: other.accessToken, body: await manifestFor(videoId) })).status,
    ).toBe(404);
    expect((await upload(creator.accessToken, videoId, '360p/other.m4s', body)).status).toBe(404);
    const traversal = await upload(creator.accessToken, videoId, '..%2Fx', body);
    expect(traversal.status).toBe(400);
    const badManifest = await manifestFor(videoId);
    (badManifest.renditions[0] as { playlist: string }).playlist = '../index.m3u8';
    expect((await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: badManifest })).status).toBe(400);
  });

  it('serves whole files, single byte ranges, 416 and 304 with the right headers', async () => {
    const { videoId } = await packagedVideo('public');
    const base = `/api/v1/videos/${videoId}/hls`;
    const whole = await fetchBytes(`${base}/360p/seg_00000.m4s`);
    expect(whole.status).toBe(200);
    expect(whole.bytes).toEqual(segmentBodies[0]);
    expect(whole.headers.get('Content-Type')).toBe('video/iso.segment');
    expect(whole.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    const etag = whole.headers.get('ETag') as string;
    expect(etag).toBeTruthy();

    const partial = await fetchBytes(`${base}/360p/seg_00000.m4s`, { Range: 'bytes=2-5' });
    expect(partial.status).toBe(206);
    expect(partial.bytes).toEqual(Uint8Array.from([2, 3, 4, 5]));
    expect(partial.headers.get('Content-Range')).toBe('bytes 2-5/32');

    const beyond = await api('GET', `${base}/360p/seg_00000.m4s`, { headers: { Range: 'bytes=40-50' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('Content-Range')).toBe('bytes */32');

    const notModified = await api('GET', `${base}/360p/seg_00000.m4s`, { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);

    const playlistResponse = await fetchBytes(`${base}/360p/index.m3u8`);
    expect(playlistResponse.bytes).toEqual(playlist);
    expect(playlistResponse.headers.get('Content-Type')).toBe('application/vnd.apple.mpegurl');
    expect(playlistResponse.headers.get('Cache-Control')).toBe('public, max-age=60');
    const manifest = await api('GET', `${base}/manifest.json`);
    expect(manifest.status).toBe(200);
    expect(manifest.body.renditions[0].segments).toHaveLength(2);
  });

  it('hides the files of a private video from everyone but its creator', async () => {
    const { creator, videoId } = await packagedVideo('private');
    const stranger = await signUp('viewer');
    const path = `/api/v1/videos/${videoId}/hls/360p/seg_00001.m4s`;
    expect((await api('GET', path)).status).toBe(404);
    expect((await api('GET', path, { token: stranger.accessToken })).status).toBe(404);
    const own = await fetchBytes(path, { Authorization: `Bearer ${creator.accessToken}` });
    expect(own.status).toBe(200);
    expect(own.headers.get('Cache-Control')).toBe('private, max-age=31536000, immutable');
  });
});

async function fetchBytes(path: string, headers: Record<string, string> = {}) {
  const { createExecutionContext } = await import('cloudflare:test');
  const worker = (await import('../../src/workers/index')).default;
  const response = await worker.fetch(
    new Request(`http://vibestream.test${path}`, { headers }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    createExecutionContext(),
  );
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}
