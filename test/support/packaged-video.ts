// Videos that really play, for tests that need a published video: an ffmpeg test pattern packaged by
// `npm run package-video` (the same CLI creators use), uploaded file by file through the API and published.
// For tests that only need a published catalog entry, `syntheticPackage()` is a one-segment package of
// arbitrary bytes: the API checks sizes and SHA-256, not that a segment decodes.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToCompletion } from '../../dev/lib/run';
import { encryptPackage, fromBase64Url } from '../../src/domain/content-encryption';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import { manifestFiles } from '../../src/domain/packaging/manifest';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface VideoPackage {
  manifest: IntegrityManifest;
  /** Every file the manifest names (playlists and segments) by path relative to manifest.json. */
  files: Map<string, Uint8Array>;
  /** Where it was written, for real packages. */
  dir?: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function syntheticPackage(): VideoPackage {
  const segment = new Uint8Array(64).map((_, i) => (i * 7) & 0xff);
  const playlist = new TextEncoder().encode('#EXTM3U\n#EXT-X-VERSION:7\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n');
  return {
    manifest: {
      version: 1,
      createdAt: new Date(0).toISOString(),
      source: { name: 'synthetic.mp4', bytes: 64, sha256: sha256(segment), durationSeconds: 4, width: 640, height: 360 },
      renditions: [
        {
          name: '360p',
          bandwidth: 800_000,
          resolution: '640x360',
          codecs: 'avc1.64001e,mp4a.40.2',
          playlist: '360p/index.m3u8',
          segments: [{ path: '360p/seg_00000.m4s', index: 0, durationSeconds: 4, bytes: 64, sha256: sha256(segment), cid: null }],
        },
      ],
    },
    files: new Map([
      ['360p/index.m3u8', playlist],
      ['360p/seg_00000.m4s', segment],
    ]),
  };
}

export interface TestClipOptions {
  seconds?: number;
  /** ffmpeg size of the source, e.g. 640x360; renditions taller than it are skipped. */
  size?: string;
  renditions?: string;
  segmentSeconds?: number;
}

/** Encodes a test pattern with a tone and packages it; resolves to the package read back from disk. */
export async function packageTestClip(options: TestClipOptions = {}): Promise<VideoPackage> {
  const { seconds = 12, size = '640x360', renditions = '360p', segmentSeconds = 2 } = options;
  const work = await mkdtemp(join(tmpdir(), 'vibestream-clip-'));
  const clip = join(work, 'clip.mp4');
  const encode = await runToCompletion(
    'ffmpeg',
    [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=30`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip],
    ],
    { cwd: PROJECT_ROOT },
  );
  if (encode.exitCode !== 0) throw new Error(`ffmpeg could not make the test clip: ${encode.stderr}`);
  const out = join(work, 'hls');
  const pack = await runToCompletion(
    process.execPath,
    [
      ...['--import', 'tsx', join('dev', 'package-video.ts'), clip, '--out', out],
      ...['--renditions', renditions, '--segment-seconds', String(segmentSeconds)],
    ],
    { cwd: PROJECT_ROOT },
  );
  if (pack.exitCode !== 0) throw new Error(`package-video failed: ${pack.stderr}`);
  return readPackage(out);
}

export async function readPackage(dir: string): Promise<VideoPackage> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as IntegrityManifest;
  const paths = [...manifest.renditions.map((rendition) => rendition.playlist), ...manifestFiles(manifest).map((file) => file.path)];
  const files = new Map<string, Uint8Array>();
  for (const path of paths) files.set(path, new Uint8Array(await readFile(join(dir, path))));
  // The master playlist is not in the manifest's digests, but players start from it.
  files.set('master.m3u8', new Uint8Array(await readFile(join(dir, 'master.m3u8'))));
  return { manifest, files, dir };
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what} failed: ${response.status} ${await response.text()}`);
}

/**
 * The package as the video needs it: encrypted with its content key when the API says so (a private or priced
 * video; POST /videos/{id}/content-key), as a creator's packager does; unchanged otherwise.
 */
export async function packageForVideo(baseUrl: string, accessToken: string, videoId: string, pkg: VideoPackage): Promise<VideoPackage> {
  const response = await fetch(`${baseUrl}/api/v1/videos/${videoId}/content-key`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!response.ok) throw new Error(`content key failed: ${response.status} ${await response.text()}`);
  const issued = (await response.json()) as { encryption: 'none' | 'aes-128'; key?: string };
  if (issued.encryption === 'none' || pkg.manifest.encryption) return pkg;
  const read = async (path: string) => {
    const bytes = pkg.files.get(path);
    if (!bytes) throw new Error(`the package has no ${path}`);
    return bytes;
  };
  const encrypted = await encryptPackage({ manifest: pkg.manifest, read }, fromBase64Url(issued.key ?? ''));
  return { manifest: encrypted.manifest, files: new Map([...pkg.files, ...encrypted.files]) };
}

/**
 * Uploads the manifest and every file of `pkg` to `videoId` (encrypted first when the video needs it), then
 * publishes it.
 */
export async function publishPackage(baseUrl: string, accessToken: string, videoId: string, clearPackage: VideoPackage): Promise<void> {
  const authorization = `Bearer ${accessToken}`;
  const api = `${baseUrl}/api/v1/videos/${videoId}`;
  const pkg = await packageForVideo(baseUrl, accessToken, videoId, clearPackage);
  await expectOk(
    await fetch(`${api}/manifest`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ ...pkg.manifest, videoId }),
    }),
    'manifest upload',
  );
  for (const [path, bytes] of pkg.files) {
    await expectOk(
      await fetch(`${api}/files/${path}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/octet-stream' },
        body: bytes as Uint8Array<ArrayBuffer>,
      }),
      `upload of ${path}`,
    );
  }
  await expectOk(await fetch(`${api}/publish`, { method: 'POST', headers: { authorization } }), 'publish');
}
