// The creator journey in real Chromium: sign in, drop a video file on /upload/, watch it be packaged in the
// browser (Mediabunny + WebCodecs in a worker) and uploaded while it encodes, then see it play for two other
// viewers who share segments over WebRTC, every peer segment checked against the integrity manifest, with the
// poster on its catalog card. Files the browser cannot turn into a complete package are refused before upload.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { d1Execute } from '../../dev/lib/d1';
import { decryptSegment, initSegmentIv, segmentIv } from '../../src/domain/content-encryption';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import type { PlayerProbe } from '../../src/shared/player-probe';
import type { UploadProbe } from '../../src/shared/upload-probe';
import { type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { seedSession } from '../support/session';

const execFileAsync = promisify(execFile);
const baseUrl = inject('baseUrl');
const PACKAGE_TIMEOUT_MS = 150_000;
const PLAY_TIMEOUT_MS = 90_000;
const PLAYBACK_RATE = 2;
// The tolerated console line of the watch page (see watch.test.ts): the metrics ingest's busy 503.
const BUSY_INGEST = /status of 503 .*\/api\/v1\/analytics\/samples/;

let browser: Browser;
let dir: string;
const contexts: BrowserContext[] = [];

async function ffmpeg(args: string[]): Promise<void> {
  await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 120_000 });
}

beforeAll(async () => {
  browser = await connectBrowser(inject('browserWsEndpoint'));
  dir = await mkdtemp(join(tmpdir(), 'vibestream-creator-upload-'));
  await Promise.all([
    // What a phone or camera app writes: H.264 + AAC in MP4, 720p, a keyframe every 2 s.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=duration=20:size=1280x720:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20'],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-c:a', 'aac', '-shortest'],
      join(dir, 'clip.mp4'),
    ]),
    // What a browser recording or a web download often is: VP9 + Opus in WebM.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=duration=12:size=640x360:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=660:duration=12'],
      ...['-pix_fmt', 'yuv420p', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-shortest'],
      join(dir, 'clip.webm'),
    ]),
    // Sound only: no video track.
    ffmpeg([...['-f', 'lavfi', '-i', 'sine=frequency=330:duration=5'], '-c:a', 'aac', join(dir, 'voice-memo.m4a')]),
  ]);
}, 180_000);

afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function newPage(user?: SignedUpUser): Promise<{ page: Page; errors: string[] }> {
  const context = await newTestContext(browser, { viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  // Media permission makes Chromium offer host candidates on loopback (ICE between the two viewers).
  await context.grantPermissions(['camera', 'microphone'], { origin: baseUrl });
  if (user) await seedSession(context, user);
  const page = await context.newPage();
  return { page, errors: collectConsoleErrors(page) };
}

/** The creator signs in through the form and lands on the upload page. */
async function signInToUpload(creator: SignedUpUser): Promise<Page> {
  const { page } = await newPage();
  await page.goto(`${baseUrl}/login/?next=${encodeURIComponent('/upload/')}`);
  await page.getByLabel('Email').fill(creator.user.email);
  await page.getByLabel('Password').fill(creator.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(`${baseUrl}/upload/`);
  await page.locator('#upload-body').waitFor({ state: 'visible' });
  return page;
}

const uploadProbe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamUpload)) as UploadProbe);

/** Drops `path` on the drop zone, as a creator dragging the file from their desktop would. */
async function dropFile(page: Page, path: string): Promise<void> {
  // The file reaches the page through a scratch input (Playwright's way to hand over a local file); the drop
  // event then carries it in a DataTransfer, exactly as a real drag does.
  await page.evaluate(() => {
    const scratch = document.createElement('input');
    scratch.type = 'file';
    scratch.id = 'scratch-file';
    scratch.hidden = true;
    document.body.append(scratch);
  });
  await page.locator('#scratch-file').setInputFiles(path);
  await page.evaluate(() => {
    const file = (document.getElementById('scratch-file') as HTMLInputElement).files?.[0];
    if (!file) throw new Error('no file');
    const transfer = new DataTransfer();
    transfer.items.add(file);
    document
      .getElementById('upload-drop')
      ?.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
}

async function waitForProbe(page: Page): Promise<UploadProbe> {
  await page.waitForFunction(() => {
    const probe = window.__vibestreamUpload;
    return (
      probe !== undefined && (probe.phase === 'refused' || (probe.phase === 'idle' && !document.getElementById('upload-source')?.hidden))
    );
  });
  return uploadProbe(page);
}

/** Uploads the picked file with `title`; resolves once the page says ready. */
async function uploadPicked(page: Page, title: string): Promise<UploadProbe> {
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  // The phase list is what the creator follows; encoding names each rendition's segment count.
  await page.locator('#upload-phases li[data-phase="encoding"][data-state="active"]').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => ['ready', 'failed', 'cancelled'].includes(window.__vibestreamUpload?.phase ?? ''), null, {
    timeout: PACKAGE_TIMEOUT_MS,
  });
  const result = await uploadProbe(page);
  expect(result.error).toBeNull();
  expect(result.phase).toBe('ready');
  await page.getByText('Ready to watch.').waitFor();
  return result;
}

async function fetchJson<T>(path: string, token?: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

interface VideoJson {
  id: string;
  title: string;
  status: string;
  durationSeconds: number | null;
  posterUrl: string | null;
  storyboard: { url: string; tiles: number; columns: number; tileWidth: number; tileHeight: number; intervalSeconds: number } | null;
}

async function videoIdFromPage(page: Page): Promise<string> {
  const href = await page.locator('#upload-watch-link').getAttribute('href');
  const id = href?.split('/').pop();
  if (!id) throw new Error(`no watch link: ${href}`);
  return decodeURIComponent(id);
}

/** Checks what the browser made: the ladder, keyframe-aligned segments, stills and the catalog's facts. */
async function checkPackage(videoId: string, expected: { seconds: number; heights: number[]; audioCodec: string }) {
  const video = await fetchJson<VideoJson>(`/api/v1/videos/${videoId}`);
  expect(video.status).toBe('ready');
  expect(video.durationSeconds).toBeGreaterThan(expected.seconds - 0.25);
  expect(video.durationSeconds).toBeLessThan(expected.seconds + 0.25);
  expect(video.posterUrl).toBe(`/api/v1/videos/${videoId}/hls/poster.jpg`);
  // One tile every 2 s from 0 up to the last frame.
  expect(video.storyboard?.tiles).toBeGreaterThanOrEqual(expected.seconds / 2);
  expect(video.storyboard?.tiles).toBeLessThanOrEqual(expected.seconds / 2 + 1);

  const manifest = await fetchJson<IntegrityManifest>(`/api/v1/videos/${videoId}/hls/manifest.json`);
  expect(manifest.renditions.map((rendition) => Number(rendition.resolution.split('x')[1]))).toEqual(expected.heights);
  for (const rendition of manifest.renditions) {
    expect(rendition.codecs).toMatch(new RegExp(`^avc1\\.[0-9a-f]{6},${expected.audioCodec}$`));
    expect(rendition.init).toBeDefined();
  }
  // Segments line up across renditions (same count, same durations), so a switch or a peer is never misaligned.
  const [first, ...others] = manifest.renditions.map((rendition) => rendition.segments.map((segment) => segment.durationSeconds));
  for (const durations of others) expect(durations).toEqual(first);
  for (const duration of (first ?? []).slice(0, -1)) expect(duration).toBeCloseTo(2, 1);

  for (const path of ['poster.jpg', 'storyboard.jpg']) {
    const still = await fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/${path}`);
    expect(still.headers.get('Content-Type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await still.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  }
  return { video, manifest };
}

const playerProbe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamPlayer)) as PlayerProbe);

/** Two viewers, the second a few seconds after the first: they share segments over WebRTC. */
async function playWithTwoViewers(videoId: string): Promise<PlayerProbe[]> {
  const viewers = [];
  for (let index = 0; index < 2; index += 1) {
    const user = await signUp(baseUrl, { displayName: `Viewer ${index + 1}` });
    const viewer = await newPage(user);
    await viewer.page.goto(`${baseUrl}/watch/${videoId}`);
    await viewer.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
    await viewer.page.evaluate(async (rate) => {
      const video = document.querySelector('video') as HTMLVideoElement;
      video.muted = true;
      video.playbackRate = rate;
      await video.play();
    }, PLAYBACK_RATE);
    viewers.push(viewer);
    if (index === 0) await viewers[0]?.page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 2);
  }
  const results = [];
  for (const viewer of viewers) {
    await viewer.page.waitForFunction(() => window.__vibestreamPlayer?.ended === true, null, { timeout: PLAY_TIMEOUT_MS });
    results.push(await playerProbe(viewer.page));
    expect(viewer.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }
  for (const result of results) {
    expect(result.counters.stalls).toBe(0);
    expect(result.counters.rejectedSegments).toBe(0);
    // Every byte that came from the other viewer passed the integrity check before it played.
    expect(result.counters.verifiedSegments).toBe(result.counters.p2pSegments);
  }
  expect(
    results.reduce((sum, result) => sum + result.counters.p2pBytes, 0),
    'no segment travelled between the viewers',
  ).toBeGreaterThan(0);
  return results;
}

describe('creator upload in the browser', () => {
  it('packages a dropped 720p H.264/AAC MP4 into a 360p+720p ladder with a poster; two viewers play it over P2P', async () => {
    const creator = await signUp(baseUrl, { displayName: 'Browser creator', role: 'creator' });
    const page = await signInToUpload(creator);
    await dropFile(page, join(dir, 'clip.mp4'));
    const probed = await waitForProbe(page);
    expect(probed.phase).toBe('idle');
    await expect(page.locator('#upload-source-facts').textContent()).resolves.toContain('1280×720');
    await expect(page.locator('#upload-source-plan').textContent()).resolves.toContain('360p, 720p');

    const result = await uploadPicked(page, 'Dropped from the desktop');
    expect(result.packaging?.encodedSeconds).toBeGreaterThan(19);
    expect(result.packaging?.uploadedBytes).toBe(result.packaging?.producedBytes);
    const videoId = await videoIdFromPage(page);
    await checkPackage(videoId, { seconds: 20, heights: [360, 720], audioCodec: 'mp4a\\.40\\.2' });

    // The catalog card shows the poster (a real frame, loaded), not the placeholder gradient.
    const visitor = await newPage();
    await visitor.page.goto(`${baseUrl}/`);
    const card = visitor.page.locator('li', { has: visitor.page.getByRole('link', { name: 'Dropped from the desktop' }) });
    const poster = card.locator('img.video-card__poster');
    await poster.waitFor();
    await visitor.page.waitForFunction(
      (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth === 1280,
      await poster.elementHandle(),
    );

    await playWithTwoViewers(videoId);
  }, 360_000);

  it('packages a VP9/Opus WebM (video re-encoded to H.264, Opus copied) and two viewers play it over P2P', async () => {
    const creator = await signUp(baseUrl, { displayName: 'WebM creator', role: 'creator' });
    const page = await signInToUpload(creator);
    await page.locator('#upload-file').setInputFiles(join(dir, 'clip.webm'));
    expect((await waitForProbe(page)).phase).toBe('idle');
    await expect(page.locator('#upload-source-facts').textContent()).resolves.toMatch(/vp9 \+ opus/);
    await uploadPicked(page, 'Recorded in a browser');
    const videoId = await videoIdFromPage(page);
    await checkPackage(videoId, { seconds: 12, heights: [360], audioCodec: 'opus' });
    await playWithTwoViewers(videoId);
  }, 300_000);

  it('encrypts a private upload in the browser: storage holds ciphertext, its creator plays it, strangers get no key', async () => {
    const creator = await signUp(baseUrl, { displayName: 'Private creator', role: 'creator' });
    const page = await signInToUpload(creator);
    await page.locator('#upload-file').setInputFiles(join(dir, 'clip.webm'));
    expect((await waitForProbe(page)).phase).toBe('idle');
    await page.getByLabel('Visibility').selectOption('private');
    await uploadPicked(page, 'Family footage');
    const videoId = await videoIdFromPage(page);

    const manifest = await fetchJson<IntegrityManifest>(`/api/v1/videos/${videoId}/hls/manifest.json`, creator.accessToken);
    expect(manifest.encryption).toEqual({ method: 'AES-128' });
    const rendition = manifest.renditions[0] as IntegrityManifest['renditions'][number];
    const asCreator = (path: string) =>
      fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/${path}`, { headers: { Authorization: `Bearer ${creator.accessToken}` } });
    const key = new Uint8Array(await (await asCreator('key')).arrayBuffer());
    expect(key.byteLength).toBe(16);
    const init = new Uint8Array(await (await asCreator(rendition.init?.path ?? '')).arrayBuffer());
    const segment = new Uint8Array(await (await asCreator(rendition.segments[1]?.path ?? '')).arrayBuffer());
    // What storage holds is ciphertext (no MP4 box names); decrypted with the video's key and IVs it is the media.
    for (const bytes of [init, segment])
      expect(['ftyp', 'moov', 'moof', 'mdat'].some((box) => Buffer.from(bytes).includes(box))).toBe(false);
    expect(Buffer.from(await decryptSegment(key, initSegmentIv(), init)).includes('ftyp')).toBe(true);
    expect(Buffer.from(await decryptSegment(key, segmentIv(1), segment)).includes('moof')).toBe(true);
    const playlist = await (await asCreator(rendition.playlist)).text();
    expect(playlist).toContain('#EXT-X-KEY:METHOD=AES-128,URI="../key"');

    const stranger = await signUp(baseUrl, { displayName: 'Not family' });
    const refused = await fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/key`, {
      headers: { Authorization: `Bearer ${stranger.accessToken}` },
    });
    expect(refused.status).toBe(404);
    expect((await fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/key`)).status).toBe(404);

    // The creator plays it: the player fetches the key with their editor playback token and decrypts.
    const owner = await newPage(creator);
    await owner.page.goto(`${baseUrl}/watch/${videoId}`);
    await owner.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
    await owner.page.evaluate(async () => {
      const video = document.querySelector('video') as HTMLVideoElement;
      video.muted = true;
      await video.play();
    });
    await owner.page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 3, null, { timeout: 45_000 });
    expect((await playerProbe(owner.page)).counters.stalls).toBe(0);
    // The player shows the private video's poster, fetched with the creator's editor playback token.
    const posterUrl = await owner.page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).poster);
    expect(new URL(posterUrl).searchParams.get('pt')).toBeTruthy();
    expect((await fetch(posterUrl)).status).toBe(200);
    expect((await fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/poster.jpg`)).status).toBe(404);
    expect(owner.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }, 300_000);

  it('cancels mid-encoding and, after a reload, continues on the same video without re-sending what is stored', async () => {
    const creator = await signUp(baseUrl, { displayName: 'Changing my mind', role: 'creator' });
    const page = await signInToUpload(creator);
    await page.locator('#upload-file').setInputFiles(join(dir, 'clip.mp4'));
    await waitForProbe(page);
    await page.getByLabel('Title').fill('Second thoughts');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForFunction(() => (window.__vibestreamUpload?.packaging?.uploadedBytes ?? 0) > 1_000_000, null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => window.__vibestreamUpload?.phase === 'cancelled');
    const cancelled = await uploadProbe(page);
    const videoId = cancelled.videoId as string;
    // Nothing half-made is published: the video stays a draft.
    expect((await fetchJson<VideoJson>(`/api/v1/videos/${videoId}`, creator.accessToken)).status).toBe('draft');

    await page.reload();
    await page.locator('#resume-notice').waitFor({ state: 'visible' });
    await expect(page.locator('#resume-notice').textContent()).resolves.toContain('clip.mp4');
    await page.locator('#upload-file').setInputFiles(join(dir, 'clip.mp4'));
    await waitForProbe(page);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.waitForFunction(() => ['ready', 'failed'].includes(window.__vibestreamUpload?.phase ?? ''), null, {
      timeout: PACKAGE_TIMEOUT_MS,
    });
    const resumed = await uploadProbe(page);
    expect(resumed.phase).toBe('ready');
    expect(resumed.videoId).toBe(videoId);
    // What the server already had with the same digest is not sent again: at least the poster and the storyboard
    // (WebCodecs does not promise byte-identical H.264 from one run to the next, so segments may be re-sent).
    expect(resumed.packaging?.skippedFiles).toBeGreaterThanOrEqual(2);
    await checkPackage(videoId, { seconds: 20, heights: [360, 720], audioCodec: 'mp4a\\.40\\.2' });
  }, 300_000);

  it('tells a creator over quota how much space the video needs, before encoding, and leaves no draft behind', async () => {
    const creator = await signUp(baseUrl, { displayName: 'Full disk', role: 'creator' });
    await d1Execute(
      { remote: false, persistTo: inject('persistDir') },
      { command: `INSERT INTO storage_quotas (creator_id, quota_bytes, updated_at) VALUES ('${creator.user.id}', 1000000, 0)` },
    );
    const page = await signInToUpload(creator);
    await page.locator('#upload-file').setInputFiles(join(dir, 'clip.mp4'));
    await waitForProbe(page);
    await page.getByLabel('Title').fill('Too big');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForFunction(() => window.__vibestreamUpload?.phase === 'failed');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /needs about .* of storage, but only 976\.6 KiB of your 976\.6 KiB is free/,
    );
    expect((await uploadProbe(page)).packaging?.encodedSeconds ?? 0).toBe(0);
    expect((await fetchJson<{ items: unknown[] }>('/api/v1/me/videos', creator.accessToken)).items).toEqual([]);
  }, 120_000);

  it('refuses a file without a video track before creating or uploading anything', async () => {
    const creator = await signUp(baseUrl, { displayName: 'Podcaster', role: 'creator' });
    const page = await signInToUpload(creator);
    await page.locator('#upload-file').setInputFiles(join(dir, 'voice-memo.m4a'));
    const probed = await waitForProbe(page);
    expect(probed.phase).toBe('refused');
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toMatch(/has no video track/);
    await page.getByLabel('Title').fill('Just sound');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect(alert.textContent()).resolves.toMatch(/has no video track/);
    const mine = await fetchJson<{ items: unknown[] }>('/api/v1/me/videos', creator.accessToken);
    expect(mine.items).toEqual([]);
    expect((await uploadProbe(page)).videoId).toBeNull();
  }, 120_000);
});
