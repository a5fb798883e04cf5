import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { SegmentIntegrity } from '../../../src/domain/playback/segment-integrity';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const init = new Uint8Array([1, 2, 3]);
const first = new Uint8Array([10, 20, 30, 40]);
const second = new Uint8Array([50, 60]);

const manifest: IntegrityManifest = {
  version: 1,
  createdAt: '2026-11-28T00:00:00.000Z',
  source: { name: 'a.mp4', bytes: 9, sha256: sha256(first), durationSeconds: 4, width: 640, height: 360 },
  renditions: [
    {
      name: '360p',
      bandwidth: 1,
      resolution: '640x360',
      codecs: 'avc1.64001e',
      playlist: '360p/index.m3u8',
      init: { path: '360p/init.mp4', bytes: 3, sha256: sha256(init) },
      segments: [
        { path: '360p/seg_00000.m4s', index: 0, durationSeconds: 2, bytes: 4, sha256: sha256(first), cid: null },
        { path: '360p/seg_00001.m4s', index: 1, durationSeconds: 2, bytes: 2, sha256: sha256(second), cid: 'QmExpected' },
      ],
    },
  ],
};
const base = 'https://vibestream.example/api/v1/videos/vid_1/hls/manifest.json';
const url = (path: string) => `https://vibestream.example/api/v1/videos/vid_1/hls/${path}`;

describe('segment integrity', () => {
  const integrity = new SegmentIntegrity(manifest, base);

  it('indexes the init segment and every media segment by absolute URL', () => {
    expect(integrity.size).toBe(3);
    expect(integrity.expected(url('360p/init.mp4'))).toMatchObject({ bytes: 3 });
    expect(integrity.expected(`${url('360p/seg_00000.m4s')}?pt=token#frag`)).toMatchObject({ path: '360p/seg_00000.m4s' });
  });

  it('accepts the exact bytes and rejects a flipped byte, a short body and a file it never listed', async () => {
    expect(await integrity.verify(url('360p/seg_00000.m4s'), first)).toEqual({ ok: true, path: '360p/seg_00000.m4s', cidChecked: false });
    const tampered = Uint8Array.from(first);
    tampered[2] = 0;
    expect(await integrity.verify(url('360p/seg_00000.m4s'), tampered)).toEqual({
      ok: false,
      path: '360p/seg_00000.m4s',
      reason: 'hash_mismatch',
    });
    expect(await integrity.verify(url('360p/seg_00000.m4s'), first.slice(1))).toMatchObject({ reason: 'size_mismatch' });
    expect(await integrity.verify(url('360p/seg_99999.m4s'), first)).toEqual({ ok: false, path: null, reason: 'unknown_segment' });
  });

  it('checks the content id too when the manifest has one', async () => {
    expect(await integrity.verify(url('360p/seg_00001.m4s'), second, async () => 'QmExpected')).toEqual({
      ok: true,
      path: '360p/seg_00001.m4s',
      cidChecked: true,
    });
    expect(await integrity.verify(url('360p/seg_00001.m4s'), second, async () => 'QmOther')).toMatchObject({ reason: 'cid_mismatch' });
    // Without a content-id function the SHA-256 alone decides.
    expect(await integrity.verify(url('360p/seg_00001.m4s'), second)).toMatchObject({ ok: true, cidChecked: false });
  });
});
