// The demo catalog a fresh clone gets from `npm run dev`: every seeded video carries one of the committed demo
// clips (dev/demo-media), uploaded through the API by dev.ts, and plays in Chromium. The shared e2e server is
// not seeded, so this file starts its own `npm run dev` stack — fresh state, no IPFS node (pinning is the tooling
// tests' business), the web app the global setup already built.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoClipManifest } from '../../dev/lib/demo-clips';
import { DEMO_ACCOUNTS, DEMO_VIDEOS, type DemoVideoWithMedia } from '../../dev/lib/demo-data';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { demoVideoId } from '../../dev/seed';
import { type IntegrityManifest, parseMasterPlaylist, parseMediaPlaylist, resolveRelative } from '../../src/domain/packaging';
import type { PlayerProbe } from '../../src/shared/player-probe';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { freePort } from '../support/wrangler-dev';

const PLAYED_IN_BROWSER = 5;
const START_TIMEOUT_MS = 120_000;
// The one tolerated console line (as in watch.test.ts): the metrics ingest answering 503 "retry later" while
// the local D1 is busy; the player drops that batch and playback is unaffected.
const BUSY_INGEST = /status of 503 .*\/api\/v1\/analytics\/samples/;

interface CatalogVideo {
  id: string;
  status: string;
  durationSeconds: number | null;
  posterUrl: string | null;
}

let root: string;
let base: string;
let dev: ChildProcess;
let output = '';
let browser: Browser;
let adminToken: string;

/** One free public video per clip first, then more, so the browser plays every clip at least once. */
function pickForBrowser(): DemoVideoWithMedia[] {
  const playable = DEMO_VIDEOS.filter((video) => video.visibility === 'public' && video.priceCents === 0);
  const firstPerClip = playable.filter((video, index) => playable.findIndex((other) => other.clip === video.clip) === index);
  return [...new Set([...firstPerClip, ...playable])].slice(0, PLAYED_IN_BROWSER);
}
const played = pickForBrowser();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-demo-catalog-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dev = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'dev/dev.ts', '--port', String(port), '--persist-to', join(root, 'state')],
      ...['--fresh', '--no-build', '--no-ipfs', '--log-level', 'warn'],
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [dev.stdout, dev.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
  }
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('VibeStream is running')) {
    if (dev.exitCode !== null) throw new Error(`npm run dev exited with ${await exited}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm run dev printed no banner within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await connectBrowser(inject('browserWsEndpoint'));
  const admin = DEMO_ACCOUNTS.find((account) => account.role === 'admin');
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin?.email, password: admin?.password }),
  });
  adminToken = ((await login.json()) as { accessToken: string }).accessToken;
}, START_TIMEOUT_MS + 20_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    // dev.ts stops wrangler, workerd and everything else it started on SIGINT.
    const stopped = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGINT');
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (dev.exitCode === null) dev.kill('SIGKILL');
  }
  if (root) await rm(root, { recursive: true, force: true });
});

/** As the admin, who may read every video and its files (private, unlisted and paid ones included). */
function get(path: string): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${adminToken}` } });
}

async function catalogVideo(id: string): Promise<CatalogVideo> {
  const response = await get(`/api/v1/videos/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as CatalogVideo;
}

describe('demo catalog after a fresh npm run dev', () => {
  it('shows the seeded videos on the home page, each card with its poster', async () => {
    const context: BrowserContext = await newTestContext(browser);
    try {
      const page = await context.newPage();
      const errors = collectConsoleErrors(page);
      await page.goto(`${base}/`);
      await page.locator('[data-video-id]').first().waitFor();
      const cardIds = await page.locator('[data-video-id]').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-video-id')));
      const seededIds = new Set(DEMO_VIDEOS.map((video) => demoVideoId(video.key)));
      expect(cardIds.length).toBeGreaterThan(0);
      expect(cardIds.every((id) => id !== null && seededIds.has(id))).toBe(true);
      for (const id of cardIds) {
        const video = await catalogVideo(id as string);
        expect(video.posterUrl).toBe(`/api/v1/videos/${id}/hls/poster.jpg`);
        const poster = page.locator(`[data-video-id="${id}"] img.video-card__poster`);
        expect(await poster.getAttribute('src')).toBe(video.posterUrl);
        // The card's poster loads lazily: bring it into view and wait until Chromium has decoded it.
        await poster.scrollIntoViewIfNeeded();
        await poster.evaluate((image: HTMLImageElement) => image.decode());
        const size = await poster.evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight]);
        expect({ id, size }).toEqual({ id, size: [640, 360] });
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it(`plays ${PLAYED_IN_BROWSER} seeded videos on /watch/{id}, covering every demo clip`, async () => {
    expect(new Set(played.map((video) => video.clip.name)).size).toBeGreaterThanOrEqual(Math.min(PLAYED_IN_BROWSER, 4));
    for (const demo of played) {
      const id = demoVideoId(demo.key);
      const context = await newTestContext(browser);
      try {
        const page = await context.newPage();
        const errors = collectConsoleErrors(page);
        await page.goto(`${base}/watch/${id}`);
        await page.waitForFunction(() => window.__vibestreamPlayer !== undefined);
        await page.evaluate(async () => {
          const video = document.querySelector('video') as HTMLVideoElement;
          video.muted = true;
          await video.play();
        });
        await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1.2, null, { timeout: 20_000 });
        const state = await page.evaluate(() => {
          const video = document.querySelector('video') as HTMLVideoElement;
          const probe = JSON.parse(JSON.stringify(window.__vibestreamPlayer)) as PlayerProbe;
          return { duration: video.duration, error: video.error?.code ?? null, counters: probe.counters };
        });
        expect({ id, error: state.error, rejected: state.counters.rejectedSegments }).toEqual({ id, error: null, rejected: 0 });
        // What the page plays is the package the catalog describes.
        expect(state.duration).toBeCloseTo((await catalogVideo(id)).durationSeconds ?? 0, 0);
        // Alone in its swarm, the player fetched the segments from the origin.
        expect(state.counters.httpSegments).toBeGreaterThan(0);
        expect(errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 120_000);

  it('serves the playlists, init segment and first segment of every other seeded video; paid and private ones encrypted', async () => {
    const playedIds = new Set(played.map((video) => demoVideoId(video.key)));
    const rest = DEMO_VIDEOS.filter((video) => !playedIds.has(demoVideoId(video.key)));
    expect(rest.length).toBe(DEMO_VIDEOS.length - PLAYED_IN_BROWSER);
    for (const demo of rest) {
      const id = demoVideoId(demo.key);
      // Paid and private demo videos were uploaded encrypted with their own key (dev/lib/demo-media.ts): their
      // stored files are the ciphertext the served manifest describes, not the committed clip's.
      const sealed = demo.priceCents > 0 || demo.visibility === 'private';
      const served = await get(`/api/v1/videos/${id}/hls/manifest.json`);
      const manifest = (await served.json()) as IntegrityManifest;
      expect({ id, encryption: manifest.encryption }).toEqual({ id, encryption: sealed ? { method: 'AES-128' } : undefined });
      if (!sealed) expect(manifest.renditions).toEqual(demoClipManifest(demo.clip).renditions);
      expect(await catalogVideo(id)).toMatchObject({ status: 'ready', posterUrl: expect.any(String) });
      const master = await get(`/api/v1/videos/${id}/hls/master.m3u8`);
      expect({ id, status: master.status }).toEqual({ id, status: 200 });
      for (const variant of parseMasterPlaylist(await master.text())) {
        const playlist = await get(`/api/v1/videos/${id}/hls/${variant.uri}`);
        expect({ id, uri: variant.uri, status: playlist.status }).toEqual({ id, uri: variant.uri, status: 200 });
        const media = parseMediaPlaylist(await playlist.text());
        const rendition = manifest.renditions.find((candidate) => candidate.playlist === variant.uri);
        for (const [uri, expectedBytes] of [
          [media.map?.uri, rendition?.init?.bytes],
          [media.segments[0]?.uri, rendition?.segments[0]?.bytes],
        ]) {
          const path = resolveRelative(variant.uri, String(uri));
          const file = await get(`/api/v1/videos/${id}/hls/${path}`);
          expect({ id, path, status: file.status }).toEqual({ id, path, status: 200 });
          const bytes = Buffer.from(await file.arrayBuffer());
          expect(bytes.byteLength).toBe(expectedBytes);
          // An fMP4 init segment in the clear starts with its ftyp box; ciphertext shows no MP4 box names.
          if (uri === media.map?.uri) expect({ id, clearInit: bytes.includes('ftyp') }).toEqual({ id, clearInit: !sealed });
        }
      }
    }
  });
});
