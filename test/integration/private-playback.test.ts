import { describe, expect, it } from 'vitest';
import { api, markVideoReady, sha256Hex, signUp, signUpAdmin, testManifest } from './helpers';

// The owner and admins play a private video the way buyers play a paid one: with a playback token the player
// writes into every request (the media element cannot send their credentials). Nobody else learns it exists.
const segment = Uint8Array.from({ length: 64 }, (_, i) => i);
// Not a real JPEG: the route serves stills as stored bytes.
const poster = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const playlist = new TextEncoder().encode('#EXTM3U\n#EXT-X-VERSION:7\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n');

async function privateVideo() {
  const creator = await signUp('creator');
  const token = creator.accessToken as string;
  const created = await api('POST', '/api/v1/videos', { token, body: { title: 'Family only', language: 'en', visibility: 'private' } });
  const videoId = created.body.id as string;
  const manifest = {
    ...(await testManifest(videoId, [segment])),
    poster: { path: 'poster.jpg', bytes: poster.byteLength, sha256: await sha256Hex(poster) },
  };
  expect((await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token, body: manifest })).status).toBe(200);
  const put = (path: string, bytes: Uint8Array) =>
    api('PUT', `/api/v1/videos/${videoId}/files/${path}`, {
      token,
      rawBody: bytes,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
    });
  expect((await put('360p/seg_00000.m4s', segment)).status).toBe(204);
  expect((await put('360p/index.m3u8', playlist)).status).toBe(204);
  expect((await put('poster.jpg', poster)).status).toBe(204);
  await markVideoReady(videoId);
  return { creator, token, videoId };
}

const hls = (videoId: string, path: string, query = '') => api('GET', `/api/v1/videos/${videoId}/hls/${path}${query}`);

describe('private videos', () => {
  it('play for their creator with an editor playback token written into the playlist', async () => {
    const { token, videoId } = await privateVideo();
    const issued = await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token });
    expect(issued.status).toBe(200);
    expect(issued.body.required).toBe(true);
    const pt = issued.body.token as string;

    const list = await hls(videoId, '360p/index.m3u8', `?pt=${pt}`);
    expect(list.status).toBe(200);
    expect(list.headers.get('Cache-Control')).toBe('private, no-store');
    expect(list.body).toContain(`seg_00000.m4s?pt=${pt}`);
    const bytes = await hls(videoId, '360p/seg_00000.m4s', `?pt=${pt}`);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('Content-Length')).toBe(String(segment.byteLength));
  });

  it('show their poster to the creator’s editor token, and to nobody without one', async () => {
    const { token, videoId } = await privateVideo();
    const pt = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token })).body.token as string;
    const shown = await hls(videoId, 'poster.jpg', `?pt=${pt}`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('Content-Length')).toBe(String(poster.byteLength));

    expect((await hls(videoId, 'poster.jpg')).status).toBe(404);
    expect((await hls(videoId, 'poster.jpg', '?pt=not-a-token')).status).toBe(404);
    const stranger = await signUp('viewer');
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/poster.jpg`, { token: stranger.accessToken })).status).toBe(404);
    const other = await privateVideo();
    const otherToken = (await api('POST', `/api/v1/videos/${other.videoId}/playback-token`, { token: other.token })).body.token;
    expect((await hls(videoId, 'poster.jpg', `?pt=${otherToken}`)).status).toBe(404);
  });

  it('play for an admin, and for nobody else: other viewers, anonymous visitors and buyers-style tokens get 404', async () => {
    const { videoId } = await privateVideo();
    const admin = await signUpAdmin();
    const adminToken = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: admin.accessToken })).body.token;
    expect((await hls(videoId, '360p/seg_00000.m4s', `?pt=${adminToken}`)).status).toBe(200);

    const stranger = await signUp('viewer');
    expect((await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: stranger.accessToken })).status).toBe(404);
    for (const path of ['360p/index.m3u8', '360p/seg_00000.m4s', 'manifest.json']) {
      expect((await hls(videoId, path)).status).toBe(404);
      expect((await api('GET', `/api/v1/videos/${videoId}/hls/${path}`, { token: stranger.accessToken })).status).toBe(404);
    }

    // A token for another video (here: the stranger's own) does not open this one.
    const own = await privateVideo();
    const otherToken = (await api('POST', `/api/v1/videos/${own.videoId}/playback-token`, { token: own.token })).body.token;
    expect((await hls(videoId, '360p/seg_00000.m4s', `?pt=${otherToken}`)).status).toBe(403);
  });

  it('stop playing for a former admin at the next playlist request', async () => {
    const { videoId } = await privateVideo();
    const admin = await signUpAdmin();
    const pt = (await api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: admin.accessToken })).body.token;
    expect((await hls(videoId, '360p/index.m3u8', `?pt=${pt}`)).status).toBe(200);
    const { env } = await import('cloudflare:workers');
    await env.DB.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").bind(admin.user.id).run();
    expect((await hls(videoId, '360p/index.m3u8', `?pt=${pt}`)).status).toBe(404);
  });
});
