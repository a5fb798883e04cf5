import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  type IntegrityManifest,
  manifestFiles,
  resolveRelative,
  sha256HexOfBytes,
  verifyManifest,
  verifySegment,
} from '../../../src/domain/packaging';

const bytes = (text: string) => new TextEncoder().encode(text);
// FIPS 180-2 test vectors.
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('verifySegment', () => {
  it('matches the known SHA-256 vectors', async () => {
    expect(await sha256HexOfBytes(bytes('abc'))).toBe(SHA256_ABC);
    expect(await sha256HexOfBytes(new Uint8Array())).toBe(SHA256_EMPTY);
    expect(await verifySegment(bytes('abc'), SHA256_ABC)).toBe(true);
    expect(await verifySegment(bytes('abc'), SHA256_ABC.toUpperCase())).toBe(true);
  });

  it('rejects a single flipped bit', async () => {
    expect(await verifySegment(bytes('abd'), SHA256_ABC)).toBe(false);
    expect(await verifySegment(bytes('abc'), SHA256_EMPTY)).toBe(false);
  });
});

function sampleManifest(): IntegrityManifest {
  return buildManifest({
    videoId: 'vid_1',
    createdAt: new Date('2026-01-02T03:04:05Z'),
    source: { name: 'in.mp4', bytes: 10, sha256: SHA256_EMPTY, durationSeconds: 6, width: 1280, height: 720 },
    renditions: [
      {
        name: '360p',
        resolution: '640x360',
        codecs: 'avc1.64001e,mp4a.40.2',
        playlist: '360p/index.m3u8',
        bandwidth: 900_000,
        init: { path: '360p/init.mp4', bytes: 0, sha256: SHA256_EMPTY },
        segments: [
          { path: '360p/seg_00000.m4s', durationSeconds: 4, bytes: 3, sha256: SHA256_ABC },
          { path: '360p/seg_00001.m4s', durationSeconds: 2, bytes: 3, sha256: SHA256_ABC },
        ],
      },
    ],
  });
}

describe('buildManifest', () => {
  it('numbers segments in playlist order and leaves every cid null until IPFS storage exists', () => {
    const manifest = sampleManifest();
    expect(manifest).toMatchObject({ version: 1, videoId: 'vid_1', createdAt: '2026-01-02T03:04:05.000Z' });
    expect(manifest.renditions[0]?.segments.map((s) => [s.index, s.cid])).toEqual([
      [0, null],
      [1, null],
    ]);
    expect(manifestFiles(manifest).map((file) => file.path)).toEqual(['360p/init.mp4', '360p/seg_00000.m4s', '360p/seg_00001.m4s']);
  });

  it('omits videoId and init when there are none', () => {
    const manifest = buildManifest({
      createdAt: new Date(0),
      source: sampleManifest().source,
      renditions: [{ name: '360p', resolution: '640x360', codecs: 'avc1.64001e', playlist: '360p/index.m3u8', bandwidth: 1, segments: [] }],
    });
    expect('videoId' in manifest).toBe(false);
    expect('init' in (manifest.renditions[0] ?? {})).toBe(false);
  });
});

describe('verifyManifest', () => {
  const files: Record<string, Uint8Array> = {
    '360p/init.mp4': new Uint8Array(),
    '360p/seg_00000.m4s': bytes('abc'),
    '360p/seg_00001.m4s': bytes('abc'),
  };

  it('accepts files that match', async () => {
    expect(await verifyManifest(sampleManifest(), async (path) => files[path])).toEqual({ ok: true, files: 3 });
  });

  it('names the first file that is missing, resized or altered', async () => {
    const manifest = sampleManifest();
    expect(await verifyManifest(manifest, async (path) => (path.endsWith('00000.m4s') ? undefined : files[path]))).toEqual({
      ok: false,
      path: '360p/seg_00000.m4s',
      reason: 'missing',
    });
    expect(await verifyManifest(manifest, async (path) => (path.endsWith('00001.m4s') ? bytes('abcd') : files[path]))).toEqual({
      ok: false,
      path: '360p/seg_00001.m4s',
      reason: 'size',
    });
    expect(await verifyManifest(manifest, async (path) => (path.endsWith('00001.m4s') ? bytes('abd') : files[path]))).toEqual({
      ok: false,
      path: '360p/seg_00001.m4s',
      reason: 'sha256',
    });
  });
});

describe('resolveRelative', () => {
  it('resolves segment URIs against their playlist and refuses to leave the package', () => {
    expect(resolveRelative('720p/index.m3u8', 'seg_00000.m4s')).toBe('720p/seg_00000.m4s');
    expect(resolveRelative('720p/index.m3u8', './x/../init.mp4')).toBe('720p/init.mp4');
    expect(() => resolveRelative('index.m3u8', '../secret')).toThrow(RangeError);
    expect(() => resolveRelative('720p/index.m3u8', 'https://example.com/a.ts')).toThrow(RangeError);
    expect(() => resolveRelative('720p/index.m3u8', '/etc/passwd')).toThrow(RangeError);
  });
});
