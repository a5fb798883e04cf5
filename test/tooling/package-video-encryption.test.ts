// `npm run package-video` for a paid or private video: with --content-key (or the key fetched with --api) every
// init and media segment is HLS AES-128 ciphertext, the manifest hashes the ciphertext, and the clear media's
// MP4 boxes appear nowhere in the package but in the stills. Needs ffmpeg, like package-video.test.ts.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { type CompletedRun, runToCompletion } from '../../dev/lib/run';
import { decryptSegment, initSegmentIv, segmentIv, toBase64Url } from '../../src/domain/content-encryption';
import { type IntegrityManifest, verifyManifest } from '../../src/domain/packaging';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

function packageVideo(args: string[], env: Record<string, string> = {}): Promise<CompletedRun> {
  return runToCompletion(process.execPath, ['--import', 'tsx', join('dev', 'package-video.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
  });
}

const contains = (haystack: Uint8Array, needle: string) => Buffer.from(haystack).includes(Buffer.from(needle, 'latin1'));

describe('npm run package-video with encryption', () => {
  let work: string;
  let clip: string;
  let api: Server;
  let apiOrigin: string;
  const seenAuthorization: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vibestream-package-enc-'));
    clip = join(work, 'clip.mp4');
    const made = await runToCompletion(
      'ffmpeg',
      [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x360:rate=30'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3'],
        ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip],
      ],
      { cwd: PROJECT_ROOT },
    );
    if (made.exitCode !== 0) throw new Error(made.stderr);
    // The content-key route as the API answers it: paid vid_paid gets a key, free vid_free none.
    api = createServer((request, response) => {
      seenAuthorization.push(request.headers.authorization ?? '');
      const encrypted = request.method === 'POST' && request.url === '/api/v1/videos/vid_paid/content-key';
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(encrypted ? { encryption: 'aes-128', method: 'AES-128', key: toBase64Url(KEY) } : { encryption: 'none' }),
      );
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => api.close(resolve));
    await rm(work, { recursive: true, force: true });
  });

  it('encrypts every init and media segment with --content-key; the manifest hashes the ciphertext', async () => {
    const out = join(work, 'sealed');
    const run = await packageVideo([
      clip,
      '--out',
      out,
      '--renditions',
      '360p',
      '--segment-seconds',
      '1',
      '--content-key',
      toBase64Url(KEY),
    ]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as IntegrityManifest;
    expect(manifest.encryption).toEqual({ method: 'AES-128' });
    expect(await verifyManifest(manifest, async (path) => readFile(join(out, path)).catch(() => undefined))).toMatchObject({ ok: true });

    const playlist = await readFile(join(out, '360p/index.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-KEY:METHOD=AES-128,URI="../key",IV=0x80000000000000000000000000000000\n#EXT-X-MAP:URI="init.mp4"');
    const rendition = manifest.renditions[0] as IntegrityManifest['renditions'][number];
    const init = new Uint8Array(await readFile(join(out, '360p/init.mp4')));
    expect(contains(init, 'ftyp') || contains(init, 'avcC')).toBe(false);
    expect(contains(await decryptSegment(KEY, initSegmentIv(), init), 'avcC')).toBe(true);
    for (const [index, segment] of rendition.segments.entries()) {
      const bytes = new Uint8Array(await readFile(join(out, segment.path)));
      expect(contains(bytes, 'moof') || contains(bytes, 'mdat')).toBe(false);
      expect(contains(await decryptSegment(KEY, segmentIv(index), bytes), 'moof')).toBe(true);
    }
    const everything = await readFile(join(out, 'manifest.json'), 'utf8');
    expect(everything).not.toContain(toBase64Url(KEY));
  }, 120_000);

  it('asks the API with --api: encrypts a paid video with its key, leaves a free one clear', async () => {
    const paid = join(work, 'paid');
    const run = await packageVideo([clip, '--out', paid, '--renditions', '360p', '--video-id', 'vid_paid', '--api', apiOrigin], {
      VIBESTREAM_TOKEN: 'token-of-the-creator',
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('vid_paid is paid or private: encrypting');
    expect(seenAuthorization).toContain('Bearer token-of-the-creator');
    expect((JSON.parse(await readFile(join(paid, 'manifest.json'), 'utf8')) as IntegrityManifest).encryption).toEqual({
      method: 'AES-128',
    });

    const free = join(work, 'free');
    const clear = await packageVideo([clip, '--out', free, '--renditions', '360p', '--video-id', 'vid_free', '--api', apiOrigin], {
      VIBESTREAM_TOKEN: 'token-of-the-creator',
    });
    expect(clear.exitCode, clear.stderr).toBe(0);
    expect((JSON.parse(await readFile(join(free, 'manifest.json'), 'utf8')) as IntegrityManifest).encryption).toBeUndefined();
    expect(contains(new Uint8Array(await readFile(join(free, '360p/init.mp4'))), 'ftyp')).toBe(true);
  }, 120_000);

  it('exits 2 for a key of the wrong length, --api without a token or video id', async () => {
    expect((await packageVideo([clip, '--out', join(work, 'x'), '--content-key', toBase64Url(new Uint8Array(8))])).exitCode).toBe(2);
    expect((await packageVideo([clip, '--out', join(work, 'y'), '--api', apiOrigin])).exitCode).toBe(2);
    const noToken = await packageVideo([clip, '--out', join(work, 'z'), '--api', apiOrigin, '--video-id', 'vid_paid'], {
      VIBESTREAM_TOKEN: '',
    });
    expect(noToken.exitCode).toBe(2);
  });
});
