import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../dev/lib/ffmpeg';
import { PROJECT_ROOT } from '../../dev/lib/project';
import type { CompletedRun } from '../../dev/lib/run';
import { runToCompletion } from '../../dev/lib/run';
import type { IntegrityManifest } from '../../src/domain/packaging';
import {
  POSTER_PATH,
  parseMasterPlaylist,
  parseMediaPlaylist,
  resolveRelative,
  STORYBOARD_PATH,
  verifyManifest,
} from '../../src/domain/packaging';

// `npm run package-video` against real ffmpeg, on clips ffmpeg generates: a 6 s 720p test pattern with a tone,
// and a 3 s 360p one. Besides the renditions, every package holds a poster and a storyboard sprite. Needs the Debian ffmpeg package (.ci/run installs it).

function packageVideo(...args: string[]): Promise<CompletedRun> {
  return runToCompletion(process.execPath, ['--import', 'tsx', join('dev', 'package-video.ts'), ...args], { cwd: PROJECT_ROOT });
}

async function makeClip(path: string, size: string, seconds: number): Promise<void> {
  const run = await runToCompletion(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc=duration=${seconds}:size=${size}:rate=30`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds}`,
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      path,
    ],
    { cwd: PROJECT_ROOT },
  );
  if (run.exitCode !== 0) throw new Error(`ffmpeg could not make the test clip: ${run.stderr}`);
}

/** Codec and pixel size of an image, as ffprobe reads it. */
async function jpegSize(path: string): Promise<{ width: number; height: number }> {
  const media = await probe(path);
  const [stream] = media.streams;
  expect(stream?.codec_name).toBe('mjpeg');
  return { width: stream?.width ?? 0, height: stream?.height ?? 0 };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readManifest(dir: string): Promise<IntegrityManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as IntegrityManifest;
}

const readFrom = (dir: string) => async (path: string) => readFile(join(dir, path)).catch(() => undefined);

describe('npm run package-video', () => {
  let work: string;
  let clip720: string;
  let out720: string;
  let run720: CompletedRun;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vibestream-package-'));
    clip720 = join(work, 'clip-720.mp4');
    out720 = join(work, 'out-720');
    await makeClip(clip720, '1280x720', 6);
    run720 = await packageVideo(clip720, '--out', out720, '--segment-seconds', '2', '--video-id', 'vid_test');
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('packages a 720p source into 360p and 720p, reporting progress', () => {
    expect(run720.stderr).toBe('');
    expect(run720.exitCode).toBe(0);
    expect(run720.stdout).toContain('encoding 100%');
    expect(run720.stdout).toMatch(/packaged 360p, 720p/);
  });

  it('writes a master playlist listing both renditions with BANDWIDTH, RESOLUTION and CODECS', async () => {
    const variants = parseMasterPlaylist(await readFile(join(out720, 'master.m3u8'), 'utf8'));
    expect(variants.map((variant) => [variant.uri, variant.resolution])).toEqual([
      ['360p/index.m3u8', '640x360'],
      ['720p/index.m3u8', '1280x720'],
    ]);
    for (const variant of variants) {
      expect(variant.bandwidth).toBeGreaterThan(10_000);
      expect(variant.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    }
    const manifest = await readManifest(out720);
    expect(manifest.renditions.map((rendition) => [rendition.name, rendition.bandwidth, rendition.codecs])).toEqual(
      variants.map((variant) => [variant.uri.split('/')[0], variant.bandwidth, variant.codecs]),
    );
  });

  it('records the size and sha256 of every segment and init segment the playlists list', async () => {
    const manifest = await readManifest(out720);
    expect(manifest).toMatchObject({ version: 1, videoId: 'vid_test', source: { name: 'clip-720.mp4', width: 1280, height: 720 } });
    expect(manifest.source.sha256).toBe(sha256(await readFile(clip720)));
    expect(manifest.source.durationSeconds).toBeCloseTo(6, 0);
    for (const rendition of manifest.renditions) {
      const playlist = parseMediaPlaylist(await readFile(join(out720, rendition.playlist), 'utf8'));
      expect(playlist.playlistType).toBe('VOD');
      expect(playlist.endList).toBe(true);
      expect(playlist.map).toBeDefined();
      expect(rendition.init?.path).toBe(resolveRelative(rendition.playlist, playlist.map?.uri ?? ''));
      const init = await readFile(join(out720, rendition.init?.path ?? ''));
      expect([init.byteLength, sha256(init)]).toEqual([rendition.init?.bytes, rendition.init?.sha256]);

      expect(rendition.segments.map((segment) => segment.path)).toEqual(
        playlist.segments.map((segment) => resolveRelative(rendition.playlist, segment.uri)),
      );
      for (const [index, segment] of rendition.segments.entries()) {
        const bytes = await readFile(join(out720, segment.path));
        expect({ index: segment.index, bytes: segment.bytes, sha256: segment.sha256, cid: segment.cid }).toEqual({
          index,
          bytes: bytes.byteLength,
          sha256: sha256(bytes),
          cid: null,
        });
      }
      // Keyframes forced every 2 s: three segments of 2 s adding up to the clip's 6 s.
      const total = playlist.segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
      expect(total).toBeGreaterThan(5.8);
      expect(total).toBeLessThan(6.2);
      expect(playlist.segments.length).toBe(3);
    }
    // 2 renditions × (init + 3 segments), the poster and the storyboard.
    expect(await verifyManifest(manifest, readFrom(out720))).toEqual({ ok: true, files: 10 });
  });

  it("writes a poster at the largest rendition's size, listed in the manifest with its digest", async () => {
    const manifest = await readManifest(out720);
    expect(manifest.poster?.path).toBe(POSTER_PATH);
    const bytes = await readFile(join(out720, POSTER_PATH));
    expect({ bytes: manifest.poster?.bytes, sha256: manifest.poster?.sha256 }).toEqual({ bytes: bytes.byteLength, sha256: sha256(bytes) });
    expect(await jpegSize(join(out720, POSTER_PATH))).toEqual({ width: 1280, height: 720 });
  });

  it('writes a storyboard sprite of 160 px tiles, one every 2 s, whose grid matches the manifest', async () => {
    const manifest = await readManifest(out720);
    const storyboard = manifest.storyboard;
    // 6 s at one tile every 2 s: frames at 0, 2 and 4 s in one row.
    expect(storyboard).toMatchObject({
      path: STORYBOARD_PATH,
      columns: 3,
      rows: 1,
      tiles: 3,
      tileWidth: 160,
      tileHeight: 90,
      intervalSeconds: 2,
    });
    const bytes = await readFile(join(out720, STORYBOARD_PATH));
    expect({ bytes: storyboard?.bytes, sha256: storyboard?.sha256 }).toEqual({ bytes: bytes.byteLength, sha256: sha256(bytes) });
    expect(await jpegSize(join(out720, STORYBOARD_PATH))).toEqual({ width: 3 * 160, height: 90 });
  });

  it('names the tampered segment when verifying a package with one byte changed', async () => {
    const copy = join(work, 'tampered');
    await cp(out720, copy, { recursive: true });
    const manifest = await readManifest(copy);
    const victim = manifest.renditions[1]?.segments[1]?.path ?? '';
    const bytes = await readFile(join(copy, victim));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await writeFile(join(copy, victim), bytes);
    expect(await verifyManifest(manifest, readFrom(copy))).toEqual({ ok: false, path: victim, reason: 'sha256' });
  });

  it('does not upscale a 360p source to 720p (MPEG-TS output, no init segment)', async () => {
    const clip360 = join(work, 'clip-360.mp4');
    const out360 = join(work, 'out-360');
    await makeClip(clip360, '640x360', 3);
    const run = await packageVideo(clip360, '--out', out360, '--renditions', '360p,720p', '--format', 'ts');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('skipped (would upscale the 360p source): 720p');
    const variants = parseMasterPlaylist(await readFile(join(out360, 'master.m3u8'), 'utf8'));
    expect(variants.map((variant) => [variant.uri, variant.resolution])).toEqual([['360p/index.m3u8', '640x360']]);
    const manifest = await readManifest(out360);
    expect(manifest.renditions.map((rendition) => rendition.name)).toEqual(['360p']);
    expect(manifest.renditions[0]?.init).toBeUndefined();
    expect(manifest.renditions[0]?.segments.every((segment) => segment.path.endsWith('.ts'))).toBe(true);
    expect(await verifyManifest(manifest, readFrom(out360))).toMatchObject({ ok: true });
    expect(await jpegSize(join(out360, POSTER_PATH))).toEqual({ width: 640, height: 360 });
    // 3 s: tiles at 0 and 2 s.
    expect(manifest.storyboard).toMatchObject({ columns: 2, rows: 1, tiles: 2 });
  });

  it('exits 2 with a message when the input does not exist', async () => {
    const run = await packageVideo(join(work, 'no-such.mp4'), '--out', join(work, 'never'));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('input not found');
  });

  it('exits 1 when the input is not media, and 2 for bad options', async () => {
    const notVideo = join(work, 'notes.mp4');
    await writeFile(notVideo, 'not a video');
    const unreadable = await packageVideo(notVideo, '--out', join(work, 'never'));
    expect(unreadable.exitCode).toBe(1);
    expect(unreadable.stderr).toContain('cannot read media');

    const badFormat = await packageVideo(clip720, '--format', 'webm');
    expect(badFormat.exitCode).toBe(2);
    expect(badFormat.stderr).toContain('--format must be fmp4 or ts');
    const badRendition = await packageVideo(clip720, '--renditions', '4k', '--out', join(work, 'never'));
    expect(badRendition.exitCode).toBe(2);
    expect(badRendition.stderr).toContain('unknown rendition 4k');
  });
});
