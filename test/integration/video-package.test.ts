import { describe, expect, it } from 'vitest';
import { api, sha256Hex, signUp, signUpAdmin, testManifest } from './helpers';

// A package uploaded while the browser encodes it: reserve, stage media before the manifest, then the manifest,
// the playlist and publish, exactly as web/src/packaging does.
const segments = [Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff)];
const poster = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const playlist = new TextEncoder().encode(
  '#EXTM3U\n#EXT-X-VERSION:7\n#EXTINF:4.0,\nseg_00000.m4s\n#EXTINF:2.5,\nseg_00001.m4s\n#EXT-X-ENDLIST\n',
);

async function draftVideo() {
  const creator = await signUp('creator');
  const created = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Browser-packaged clip', language: 'en', visibility: 'public' },
  });
  return { creator, token: creator.accessToken as string, videoId: created.body.id as string };
}

function stage(token: string, videoId: string, path: string, bytes: Uint8Array, sha256: string) {
  return api('PUT', `/api/v1/videos/${videoId}/package/files/${path}`, {
    token,
    rawBody: bytes.slice(),
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength), 'X-Content-SHA256': sha256 },
  });
}

function reserve(token: string, videoId: string, estimatedBytes: number) {
  return api('PUT', `/api/v1/videos/${videoId}/package`, { token, body: { estimatedBytes } });
}

describe('packages uploaded while they are encoded', () => {
  it('stages segments and a poster before the manifest, then publishes with the package duration and poster', async () => {
    const { token, videoId } = await draftVideo();
    const reserved = await reserve(token, videoId, 10_000);
    expect(reserved.status).toBe(200);
    expect(reserved.body).toEqual({ reservedBytes: 10_000, stagedBytes: 0, files: [] });

    for (const [index, bytes] of segments.entries()) {
      expect((await stage(token, videoId, `360p/seg_0000${index}.m4s`, bytes, await sha256Hex(bytes))).status).toBe(204);
    }
    expect((await stage(token, videoId, 'poster.jpg', poster, await sha256Hex(poster))).status).toBe(204);

    // A reloaded page learns what is stored already, with digests, so it uploads none of it again.
    const resumed = await reserve(token, videoId, 10_000);
    expect(resumed.body.stagedBytes).toBe(300 + 200 + poster.byteLength);
    expect(resumed.body.files).toContainEqual({
      path: '360p/seg_00000.m4s',
      bytes: 300,
      sha256: await sha256Hex(segments[0] as Uint8Array),
    });

    const manifest = await testManifest(videoId, segments);
    const second = manifest.renditions[0]?.segments[1];
    if (second) second.durationSeconds = 2.5;
    const withPoster = { ...manifest, poster: { path: 'poster.jpg', bytes: poster.byteLength, sha256: await sha256Hex(poster) } };
    expect((await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token, body: withPoster })).status).toBe(200);
    const playlistPut = await api('PUT', `/api/v1/videos/${videoId}/files/360p/index.m3u8`, {
      token,
      rawBody: playlist,
      headers: { 'Content-Type': 'application/vnd.apple.mpegurl', 'Content-Length': String(playlist.byteLength) },
    });
    expect(playlistPut.status).toBe(204);
    const published = await api('POST', `/api/v1/videos/${videoId}/publish`, { token });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'ready', durationSeconds: 6.5, posterUrl: `/api/v1/videos/${videoId}/hls/poster.jpg` });

    const still = await api('GET', `/api/v1/videos/${videoId}/hls/poster.jpg`);
    expect(still.status).toBe(200);
    expect(still.headers.get('Content-Type')).toBe('image/jpeg');
  });

  it('refuses a body that does not hash to its declared SHA-256, and gives its reservation back', async () => {
    const { token, videoId } = await draftVideo();
    await reserve(token, videoId, 1_000);
    const bytes = segments[0] as Uint8Array;
    const wrong = await stage(token, videoId, '360p/seg_00000.m4s', bytes, 'ab'.repeat(32));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('checksum_mismatch');
    const after = await reserve(token, videoId, 1_000);
    expect(after.body).toMatchObject({ stagedBytes: 0, files: [] });
    // The reservation was not consumed by the refused body: three more uploads of 300 bytes still fit.
    for (let i = 0; i < 3; i++)
      expect((await stage(token, videoId, `360p/seg_0000${i}.m4s`, bytes, await sha256Hex(bytes))).status).toBe(204);
  });

  it('stops staging at the reservation and before any reservation', async () => {
    const { token, videoId } = await draftVideo();
    const bytes = segments[0] as Uint8Array;
    const sha = await sha256Hex(bytes);
    const unreserved = await stage(token, videoId, '360p/seg_00000.m4s', bytes, sha);
    expect(unreserved.status).toBe(413);
    expect(unreserved.body.error.code).toBe('reservation_exhausted');
    await reserve(token, videoId, 500);
    expect((await stage(token, videoId, '360p/seg_00000.m4s', bytes, sha)).status).toBe(204);
    const over = await stage(token, videoId, '360p/seg_00001.m4s', bytes, sha);
    expect(over.status).toBe(413);
  });

  it('refuses a reservation over the creator quota before anything is stored', async () => {
    const { creator, token, videoId } = await draftVideo();
    const admin = await signUpAdmin();
    const quota = await api('PUT', `/api/v1/admin/storage/quotas/${creator.user.id}`, {
      token: admin.accessToken,
      body: { quotaBytes: 1_000_000 },
    });
    expect(quota.status).toBe(200);
    const refused = await reserve(token, videoId, 2_000_000);
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({
      code: 'storage_quota_exceeded',
      details: { quotaBytes: 1_000_000, requestedBytes: 2_000_000 },
    });
  });

  it('accepts only media and stills before the manifest, only from the video creator, and only before publish', async () => {
    const { token, videoId } = await draftVideo();
    await reserve(token, videoId, 10_000);
    const text = new TextEncoder().encode('#EXTM3U\n');
    expect((await stage(token, videoId, '360p/index.m3u8', text, await sha256Hex(text))).status).toBe(400);
    expect((await stage(token, videoId, 'manifest.json', text, await sha256Hex(text))).status).toBe(400);
    expect((await stage(token, videoId, 'bad%20name.m4s', text, await sha256Hex(text))).status).toBe(400);

    const stranger = await signUp('creator');
    const bytes = segments[1] as Uint8Array;
    expect((await stage(stranger.accessToken, videoId, '360p/seg_00000.m4s', bytes, await sha256Hex(bytes))).status).toBe(404);
    expect((await reserve(stranger.accessToken, videoId, 10)).status).toBe(404);
    const viewer = await signUp('viewer');
    expect((await reserve(viewer.accessToken, videoId, 10)).status).toBe(403);

    const { token: otherToken, videoId: published } = await draftVideo();
    await reserve(otherToken, published, 10_000);
    await stage(otherToken, published, '360p/seg_00000.m4s', bytes, await sha256Hex(bytes));
    await api('PUT', `/api/v1/videos/${published}/manifest`, { token: otherToken, body: await testManifest(published, [bytes]) });
    const late = await stage(otherToken, published, '360p/seg_00001.m4s', bytes, await sha256Hex(bytes));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('not_staging');
  });
});
