import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MIB } from '../../src/domain/storage/upload-plan';
import { api, markVideoReady, sha256Hex, signUp, signUpAdmin, testManifest } from './helpers';

// wrangler.toml: files from 8 MiB up are multipart, in 8 MiB parts; a 9 MiB segment is two parts (8 + 1 MiB).
const PART_BYTES = 8 * MIB;
const bigSegment = new Uint8Array(9 * MIB).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
const smallSegment = Uint8Array.from({ length: 40 }, (_, i) => i);
const playlist = new TextEncoder().encode(
  '#EXTM3U\n#EXT-X-VERSION:7\n#EXTINF:4.0,\nseg_00000.m4s\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n',
);
const BIG = '360p/seg_00000.m4s';

function manifestFor(videoId: string, big: Uint8Array = bigSegment) {
  return testManifest(videoId, [big, smallSegment]);
}

async function videoWithManifest(big?: Uint8Array) {
  const creator = await signUp('creator');
  const created = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Big clip', language: 'en', visibility: 'public' },
  });
  const videoId = created.body.id as string;
  const stored = await api('PUT', `/api/v1/videos/${videoId}/manifest`, {
    token: creator.accessToken,
    body: await manifestFor(videoId, big),
  });
  expect(stored.status).toBe(200);
  return { creator, videoId };
}

const part = (bytes: Uint8Array, n: number) => bytes.subarray((n - 1) * PART_BYTES, Math.min(n * PART_BYTES, bytes.byteLength));

function putPart(token: string, videoId: string, uploadId: string, n: number, bytes: Uint8Array) {
  return api('PUT', `/api/v1/videos/${videoId}/uploads/${uploadId}/parts/${n}`, {
    token,
    rawBody: bytes.slice(),
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
  });
}

function putFile(token: string, videoId: string, path: string, bytes: Uint8Array) {
  return api('PUT', `/api/v1/videos/${videoId}/files/${path}`, {
    token,
    rawBody: bytes,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
  });
}

const start = (token: string, videoId: string, path = BIG) => api('POST', `/api/v1/videos/${videoId}/uploads`, { token, body: { path } });

describe('resumable multipart uploads', () => {
  it('uploads a large file in parts, verifies it on completion, and lets the video publish', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;

    const status = await api('GET', `/api/v1/videos/${videoId}/uploads`, { token });
    expect(status.status).toBe(200);
    expect(status.body.limits).toEqual({ multipartMinBytes: 8 * MIB, partBytes: PART_BYTES });
    expect(status.body.files).toContainEqual({ path: BIG, bytes: 9 * MIB, multipart: true, stored: false });
    expect(status.body.files).toContainEqual({ path: '360p/seg_00001.m4s', bytes: 40, multipart: false, stored: false });

    const started = await start(token, videoId);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      path: BIG,
      fileBytes: 9 * MIB,
      partBytes: PART_BYTES,
      parts: 2,
      doneParts: [],
      missingParts: [1, 2],
    });
    const { uploadId } = started.body;

    for (const n of [1, 2]) expect((await putPart(token, videoId, uploadId, n, part(bigSegment, n))).status).toBe(200);
    const completed = await api('POST', `/api/v1/videos/${videoId}/uploads/${uploadId}/complete`, { token });
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual({ path: BIG, bytes: 9 * MIB });

    const object = await env.UPLOADS.get(`videos/${videoId}/${BIG}`);
    expect(await sha256Hex(new Uint8Array(await (object as R2ObjectBody).arrayBuffer()))).toBe(await sha256Hex(bigSegment));
    // The upload is over: nothing left open, and its record is gone.
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).status).toBe(404);

    expect((await putFile(token, videoId, '360p/seg_00001.m4s', smallSegment)).status).toBe(204);
    expect((await putFile(token, videoId, '360p/index.m3u8', playlist)).status).toBe(204);
    const after = await api('GET', `/api/v1/videos/${videoId}/uploads`, { token });
    expect(after.body.uploads).toEqual([]);
    expect(after.body.files.filter((file: { stored: boolean }) => !file.stored).map((file: { path: string }) => file.path)).toEqual([
      'master.m3u8',
    ]);
    const published = await api('POST', `/api/v1/videos/${videoId}/publish`, { token });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('ready');
  });

  it('resumes after a reload: the status lists the stored parts and only the missing one is sent', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;
    const { uploadId } = (await start(token, videoId)).body;
    expect((await putPart(token, videoId, uploadId, 2, part(bigSegment, 2))).status).toBe(200);

    // The page reloads: it asks for the file again and gets the same upload back, with part 2 done.
    const again = await start(token, videoId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ uploadId, doneParts: [2], missingParts: [1] });
    const overview = await api('GET', `/api/v1/videos/${videoId}/uploads`, { token });
    expect(overview.body.uploads).toEqual([expect.objectContaining({ uploadId, path: BIG, doneParts: [2], missingParts: [1] })]);

    const early = await api('POST', `/api/v1/videos/${videoId}/uploads/${uploadId}/complete`, { token });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'parts_missing', details: { missingParts: [1] } });

    expect((await putPart(token, videoId, uploadId, 1, part(bigSegment, 1))).status).toBe(200);
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).body).toMatchObject({
      doneParts: [1, 2],
      missingParts: [],
    });
    expect((await api('POST', `/api/v1/videos/${videoId}/uploads/${uploadId}/complete`, { token })).status).toBe(200);
    expect((await env.UPLOADS.head(`videos/${videoId}/${BIG}`))?.size).toBe(9 * MIB);
  });

  it('refuses a part of the wrong size or number before storing it', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;
    const { uploadId } = (await start(token, videoId)).body;

    const short = await putPart(token, videoId, uploadId, 1, part(bigSegment, 1).subarray(0, 5 * MIB));
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({ code: 'part_size_mismatch', details: { expectedBytes: PART_BYTES, receivedBytes: 5 * MIB } });
    const longLast = await putPart(token, videoId, uploadId, 2, new Uint8Array(MIB + 1));
    expect(longLast.body.error.code).toBe('part_size_mismatch');
    for (const n of ['0', '3', '99999', 'x']) {
      const response = await api('PUT', `/api/v1/videos/${videoId}/uploads/${uploadId}/parts/${n}`, {
        token,
        rawBody: new Uint8Array(10),
        headers: { 'Content-Length': '10' },
      });
      expect(response.status, n).toBe(400);
      expect(response.body.error.code).toBe('part_out_of_range');
    }
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).body.doneParts).toEqual([]);
  });

  it('refuses files that are small or not in the manifest', async () => {
    const { creator, videoId } = await videoWithManifest();
    expect((await start(creator.accessToken, videoId, '360p/seg_00001.m4s')).status).toBe(400);
    expect((await start(creator.accessToken, videoId, '360p/other.m4s')).status).toBe(404);
    expect((await start(creator.accessToken, videoId, '../secret')).status).toBe(400);
  });

  it('deletes the assembled file and answers 422 when it does not match the manifest SHA-256', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;
    const { uploadId } = (await start(token, videoId)).body;
    const tampered = bigSegment.slice(PART_BYTES);
    tampered[7] = (tampered[7] as number) ^ 0xff;
    expect((await putPart(token, videoId, uploadId, 1, part(bigSegment, 1))).status).toBe(200);
    expect((await putPart(token, videoId, uploadId, 2, tampered)).status).toBe(200);

    const completed = await api('POST', `/api/v1/videos/${videoId}/uploads/${uploadId}/complete`, { token });
    expect(completed.status).toBe(422);
    expect(completed.body.error.code).toBe('checksum_mismatch');
    expect(await env.UPLOADS.head(`videos/${videoId}/${BIG}`)).toBeNull();
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads`, { token })).body.uploads).toEqual([]);
  });

  it('aborts an upload', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;
    const { uploadId } = (await start(token, videoId)).body;
    expect((await putPart(token, videoId, uploadId, 1, part(bigSegment, 1))).status).toBe(200);
    expect((await api('DELETE', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).status).toBe(204);
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).status).toBe(404);
    expect((await putPart(token, videoId, uploadId, 2, part(bigSegment, 2))).status).toBe(404);
    expect(await env.UPLOADS.head(`videos/${videoId}/${BIG}`)).toBeNull();
    // A new upload of the same file starts from scratch.
    expect((await start(token, videoId)).body).toMatchObject({ doneParts: [], missingParts: [1, 2] });
  });

  it('forgets an upload R2 no longer has and asks for a new one (409 upload_gone)', async () => {
    const { creator, videoId } = await videoWithManifest();
    const token = creator.accessToken;
    const { uploadId } = (await start(token, videoId)).body;
    const row = await env.DB.prepare('SELECT r2_upload_id FROM multipart_uploads WHERE upload_id = ?')
      .bind(uploadId)
      .first<{ r2_upload_id: string }>();
    // Expired on R2's side (as after 7 days), behind the API's back.
    await env.UPLOADS.resumeMultipartUpload(`videos/${videoId}/${BIG}`, row?.r2_upload_id as string).abort();

    const response = await putPart(token, videoId, uploadId, 1, part(bigSegment, 1));
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('upload_gone');
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token })).status).toBe(404);
    expect((await start(token, videoId)).status).toBe(201);
  });

  it('is for the video’s creator and admins only', async () => {
    const { creator, videoId } = await videoWithManifest();
    const { uploadId } = (await start(creator.accessToken, videoId)).body;
    const other = await signUp('creator');
    const viewer = await signUp('viewer');

    expect((await api('POST', `/api/v1/videos/${videoId}/uploads`, { body: { path: BIG } })).status).toBe(401);
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`)).status).toBe(401);
    expect((await putPart('', videoId, uploadId, 1, part(bigSegment, 1))).status).toBe(401);
    expect((await start(viewer.accessToken, videoId)).status).toBe(403);
    // While uploading the video is invisible to others (404); once published it is visible, and still not theirs.
    expect((await start(other.accessToken, videoId)).status).toBe(404);
    await markVideoReady(videoId);
    for (const response of [
      await start(other.accessToken, videoId),
      await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token: other.accessToken }),
      await putPart(other.accessToken, videoId, uploadId, 1, part(bigSegment, 1)),
      await api('POST', `/api/v1/videos/${videoId}/uploads/${uploadId}/complete`, { token: other.accessToken }),
      await api('DELETE', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token: other.accessToken }),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    const admin = await signUpAdmin();
    expect((await api('GET', `/api/v1/videos/${videoId}/uploads/${uploadId}`, { token: admin.accessToken })).status).toBe(200);
  });

  it('answers 409 before a manifest exists', async () => {
    const creator = await signUp('creator');
    const created = await api('POST', '/api/v1/videos', { token: creator.accessToken, body: { title: 'Empty', language: 'en' } });
    const response = await start(creator.accessToken, created.body.id);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('manifest_missing');
  });
});
