import { describe, expect, it } from 'vitest';
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { PackageError, readPickedPackage } from '../../../web/src/upload/package-files';

const manifest: IntegrityManifest = {
  version: 1,
  createdAt: '2026-11-28T04:00:00.000Z',
  source: { name: 'clip.mp4', bytes: 10, sha256: 'a'.repeat(64), durationSeconds: 4, width: 640, height: 360 },
  renditions: [
    {
      name: '360p',
      bandwidth: 800_000,
      resolution: '640x360',
      codecs: 'avc1.64001e',
      playlist: '360p/index.m3u8',
      init: { path: '360p/init.mp4', bytes: 3, sha256: 'b'.repeat(64) },
      segments: [{ path: '360p/seg_00000.m4s', index: 0, durationSeconds: 4, bytes: 5, sha256: 'c'.repeat(64), cid: null }],
    },
  ],
};

/** A File as a folder pick delivers it: `webkitRelativePath` set to the path under the picked folder. */
function picked(relativePath: string, content: string | Uint8Array): File {
  const file = new File([content as BlobPart], relativePath.split('/').pop() as string);
  Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
  return file;
}

const folder = (root: string, overrides: Record<string, string | Uint8Array> = {}) =>
  Object.entries({
    'manifest.json': JSON.stringify(manifest),
    'master.m3u8': '#EXTM3U\n',
    '360p/index.m3u8': '#EXTM3U\n',
    '360p/init.mp4': new Uint8Array(3),
    '360p/seg_00000.m4s': new Uint8Array(5),
    ...overrides,
  }).map(([path, content]) => picked(`${root}/${path}`, content));

describe('reading a picked package', () => {
  it('maps a folder pick to manifest paths, playlists first', async () => {
    const pkg = await readPickedPackage(folder('clip-hls'));
    expect(pkg.files.map((file) => [file.path, file.bytes, file.isPlaylist])).toEqual([
      ['master.m3u8', 8, true],
      ['360p/index.m3u8', 8, true],
      ['360p/init.mp4', 3, false],
      ['360p/seg_00000.m4s', 5, false],
    ]);
  });

  it('matches a plain multi-file pick by name', async () => {
    const files = folder('x').map((file) => new File([file], file.name));
    expect((await readPickedPackage(files)).files).toHaveLength(4);
  });

  it('names the files that are missing or of the wrong size', async () => {
    const files = folder('clip-hls', { '360p/seg_00000.m4s': new Uint8Array(4) });
    await expect(readPickedPackage(files)).rejects.toThrow(/1 file\(s\).*360p\/seg_00000\.m4s/);
  });

  it('refuses a pick without manifest.json', async () => {
    await expect(readPickedPackage(folder('clip-hls').filter((file) => file.name !== 'manifest.json'))).rejects.toBeInstanceOf(
      PackageError,
    );
  });
});
