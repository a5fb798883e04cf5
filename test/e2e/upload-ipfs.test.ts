// A creator's upload end to end in Chromium: an ffmpeg clip packaged by the CLI is picked as a folder on the
// upload page, sent (small files in one PUT, larger ones through resumable multipart uploads), interrupted by a
// reload and resumed, published → ipfs-jobs queue → development IPFS node → CIDs in D1 and the manifest →
// played to the end at /watch/{id} with every segment's CID recomputed in the browser.
//
// The shared `wrangler dev` of the e2e setup runs without IPFS, so this file starts its own, with an IPFS node.
// R2 (and miniflare) refuse parts under 5 MiB, and a short test clip has no file that large; instead the
// multipart threshold is lowered (UPLOAD_MULTIPART_MIN_BYTES) so the clip's larger segments go through the
// multipart routes as one-part uploads, while the first segment, the init segment and the playlists take the
// single PUT. Cutting a file into several parts, and resuming between parts, is covered by
// test/integration/video-uploads.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { manifestFiles } from '../../src/domain/packaging/manifest';
import { kuboDefaultCid } from '../../src/shared/content-id';
import type { PlayerProbe } from '../../src/shared/player-probe';
import type { UploadProbe } from '../../src/shared/upload-probe';
import { type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { packageTestClip, type VideoPackage } from '../support/packaged-video';
import { freePort, startWranglerDev, type WranglerDev } from '../support/wrangler-dev';
import { queryD1 } from '../tooling/helpers';
import { type IpfsNodeProcess, startIpfsNodeProcess } from '../tooling/ipfs-node-process';

/** Segments of the 8 s clip are ~95-140 KB: the first stays a single PUT, the others go multipart. */
const MULTIPART_MIN_BYTES = 128 * 1024;
const PLAYBACK_RATE = 2;

let root: string;
let ipfs: IpfsNodeProcess;
let server: WranglerDev;
let browser: Browser;
let clip: VideoPackage;
let creator: SignedUpUser;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-upload-ipfs-'));
  const packaging = packageTestClip({ seconds: 8, segmentSeconds: 2, renditions: '360p' });
  ipfs = await startIpfsNodeProcess({ port: await freePort(), dir: join(root, 'ipfs') });
  [server, clip, browser] = await Promise.all([
    startWranglerDev({
      vars: {
        IPFS_API_URLS: `dev=${ipfs.url}`,
        IPFS_REPLICATION_FACTOR: '1',
        IPFS_TIMEOUT_MS: '4000',
        UPLOAD_MULTIPART_MIN_BYTES: String(MULTIPART_MIN_BYTES),
      },
    }),
    packaging,
    connectBrowser(inject('browserWsEndpoint')),
  ]);
  creator = await signUp(server.url, { displayName: 'Uploading creator', role: 'creator' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await ipfs?.kill();
  await rm(root, { recursive: true, force: true });
});

async function openUploadPage(page: Page): Promise<void> {
  await page.goto(`${server.url}/upload/`);
  await page.locator('#upload-body').waitFor({ state: 'visible' });
}

async function pickFolder(page: Page): Promise<void> {
  await page.locator('#upload-folder').setInputFiles(clip.dir as string);
}

const uploadProbe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamUpload)) as UploadProbe);

describe('creator upload to IPFS and CID-verified playback', () => {
  it('uploads a packaged folder, resumes after a reload, stores it on IPFS and plays it with every CID checked', async () => {
    const context = await newTestContext(browser);
    await context.addInitScript((auth) => {
      sessionStorage.setItem('vibestream.accessToken', auth.accessToken);
      sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 600_000));
      sessionStorage.setItem('vibestream.user', JSON.stringify(auth.user));
      localStorage.setItem('vibestream.refreshToken', auth.refreshToken);
    }, creator);
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    const segments = manifestFiles(clip.manifest);
    const multipartPaths = segments.filter((file) => file.bytes >= MULTIPART_MIN_BYTES).map((file) => file.path);
    const singlePaths = [...clip.files.keys()].filter((path) => !multipartPaths.includes(path));
    expect(multipartPaths.length).toBeGreaterThanOrEqual(2);
    expect(singlePaths.length).toBeGreaterThanOrEqual(3);

    // First visit: every part upload is held back except the first one, so the page is cut off mid-upload with
    // the single-PUT files stored, one part stored and the rest in flight.
    const held: Route[] = [];
    let releasedPart: string | null = null;
    await page.route('**/api/v1/videos/*/uploads/*/parts/*', async (route) => {
      if (releasedPart === null) {
        releasedPart = new URL(route.request().url()).pathname;
        await route.continue();
      } else {
        held.push(route);
      }
    });
    await openUploadPage(page);
    await page.getByLabel('Title').fill('Uploaded to IPFS');
    await pickFolder(page);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForFunction((count) => document.querySelectorAll('[data-status="done"]').length >= count, singlePaths.length, {
      timeout: 30_000,
    });
    // The released part's file is assembled and verified by the server; the other parts stay in flight.
    await page.waitForFunction((count) => document.querySelectorAll('[data-status="done"]').length >= count, singlePaths.length + 1, {
      timeout: 30_000,
    });
    await expect.poll(() => held.length).toBeGreaterThanOrEqual(1);
    const before = await uploadProbe(page);
    expect(before.phase).toBe('uploading');
    expect(before.doneBytes).toBeLessThan(before.totalBytes);
    const videoId = before.videoId as string;
    const remembered = await page.evaluate(() => JSON.parse(localStorage.getItem('vibestream.upload') ?? 'null'));
    expect(remembered.videoId).toBe(videoId);
    const releasedFile = Object.entries(remembered.uploadIds as Record<string, string>).find(([, uploadId]) =>
      releasedPart?.includes(`/uploads/${uploadId}/`),
    )?.[0] as string;
    expect(multipartPaths).toContain(releasedFile);

    // Reload with the held parts still pending (the navigation cancels them; only then is interception lifted):
    // the page remembers the video, and picking the folder again sends only what the server lacks.
    await page.reload();
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && /\/(files|parts)\//.test(request.url())) sent.push(request);
    });
    await page.locator('#resume-notice').waitFor({ state: 'visible' });
    await pickFolder(page);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.waitForFunction(() => window.__vibestreamUpload?.phase === 'ready' || window.__vibestreamUpload?.phase === 'failed', null, {
      timeout: 60_000,
    });
    const after = await uploadProbe(page);
    expect(after.error).toBeNull();
    expect(after.phase).toBe('ready');
    const sentPaths = sent.map((request) => new URL(request.url()).pathname);
    // Nothing stored before the reload was sent again: not the single-PUT files, not the finished part.
    expect(sentPaths.some((path) => path.includes('/files/'))).toBe(false);
    expect(sentPaths).not.toContain(releasedPart);
    expect(sentPaths).toHaveLength(multipartPaths.length - 1);
    expect(after.report?.skippedFiles).toBe(singlePaths.length + 1);
    const bytesOf = (path: string) => clip.files.get(path)?.byteLength ?? 0;
    expect(after.report?.sentBytes).toBe(multipartPaths.reduce((sum, path) => sum + bytesOf(path), 0) - bytesOf(releasedFile));
    expect(after.doneBytes).toBe(after.totalBytes);
    expect(await page.evaluate(() => localStorage.getItem('vibestream.upload'))).toBeNull();

    // Stored on IPFS: every file of the manifest has its Kubo-default CID in D1 and in the served manifest.
    const rows = await queryD1<{ path: string; cid: string }>(
      server.persistDir,
      'SELECT path, cid FROM ipfs_files WHERE video_id = ?',
      videoId,
    );
    const cidByPath = new Map(rows.map((row) => [row.path, row.cid]));
    const served = await (await fetch(`${server.url}/api/v1/videos/${videoId}/hls/manifest.json`)).json();
    const servedSegments = served.renditions.flatMap(
      (rendition: { segments: { path: string; cid: string | null }[] }) => rendition.segments,
    );
    expect(servedSegments).toHaveLength(clip.manifest.renditions[0]?.segments.length ?? -1);
    for (const segment of servedSegments) {
      const expected = await kuboDefaultCid(clip.files.get(segment.path) as Uint8Array);
      expect(segment.cid, segment.path).toBe(expected);
      expect(cidByPath.get(segment.path), segment.path).toBe(expected);
    }

    // Played to the end from the creator page's link, every segment checked against its CID over HTTP.
    await page.getByRole('link', { name: 'Uploaded to IPFS' }).click();
    await page.waitForURL(`**/watch/${videoId}`);
    await page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 30_000 });
    await page.evaluate(async (rate) => {
      const video = document.querySelector('video') as HTMLVideoElement;
      video.muted = true;
      video.playbackRate = rate;
      await video.play();
    }, PLAYBACK_RATE);
    await page.waitForFunction(() => window.__vibestreamPlayer?.ended === true, null, { timeout: 45_000 });
    const player = await page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamPlayer)) as PlayerProbe);
    const played = player.counters.httpSegments + player.counters.p2pSegments;
    expect(played).toBeGreaterThanOrEqual(servedSegments.length);
    expect(player.counters.cidVerifiedSegments).toBe(played);
    expect(player.counters.rejectedSegments).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 150_000);
});
