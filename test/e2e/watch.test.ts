// The P2P player in real Chromium against the real stack: an ffmpeg test pattern packaged by the creators'
// CLI, uploaded and published through the API, played by several viewers who fetch segments from each other
// over WebRTC DataChannels (p2p-media-loader through our tracker Durable Object) and from the edge over HTTP.
// Every viewer is a separate browser context (its own storage and connections) signed in as its own account.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { d1Execute } from '../../dev/lib/d1';
import type { PlayerProbe } from '../../src/shared/player-probe';
import { createVideo, type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { packageTestClip, type VideoPackage } from '../support/packaged-video';

const baseUrl = inject('baseUrl');
const CLIP_SECONDS = 16;
// The four-viewer swarm gets a longer clip, so every late joiner has time to connect to peers.
const SWARM_CLIP_SECONDS = 24;
// Played faster than real time to keep the suite short; segments still arrive while the playhead moves.
const PLAYBACK_RATE = 2;
const PLAY_TIMEOUT_MS = 90_000;
// The one tolerated console line: the metrics ingest answering 503 "retry later" while the local D1 is busy
// (Chromium logs every failed fetch; the player drops that batch, playback is unaffected).
const BUSY_INGEST = /status of 503 .*\/api\/v1\/analytics\/samples/;

type Probe = PlayerProbe;

let browser: Browser;
let clip: VideoPackage;
let swarmClip: VideoPackage;
let creator: SignedUpUser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await connectBrowser(inject('browserWsEndpoint'));
  [clip, swarmClip, creator] = await Promise.all([
    packageTestClip({ seconds: CLIP_SECONDS, segmentSeconds: 2, renditions: '360p' }),
    packageTestClip({ seconds: SWARM_CLIP_SECONDS, segmentSeconds: 2, renditions: '360p' }),
    signUp(baseUrl, { displayName: 'Swarm creator', role: 'creator' }),
  ]);
});

afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
});

/** With `purchaseCents`, priced before its package is uploaded, which is then encrypted (README "Content encryption"). */
async function publishClip(title: string, pkg: VideoPackage = clip, purchaseCents?: number): Promise<string> {
  const prices = purchaseCents ? { purchase: { amount: purchaseCents, currency: 'USD' } } : undefined;
  const video = await createVideo(baseUrl, creator.accessToken, { title, visibility: 'public', ...(prices ? { prices } : {}) }, pkg);
  return video.id;
}

/**
 * Corrupts one byte of every large DataChannel message this page sends: p2p-media-loader's segment data
 * travels in chunks of up to 64 KiB, its commands in messages of a few hundred bytes, so the peer stays a
 * well-behaved protocol partner that serves bad data.
 */
function tamperOutgoingSegments() {
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: string | Blob | ArrayBuffer | ArrayBufferView) {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (view.byteLength > 2048) {
        const copy = view.slice();
        const middle = copy.length >> 1;
        copy[middle] = (copy[middle] ?? 0) ^ 0xff;
        return (send as (this: RTCDataChannel, payload: unknown) => void).call(this, copy);
      }
    }
    return (send as (this: RTCDataChannel, payload: unknown) => void).call(this, data);
  } as typeof RTCDataChannel.prototype.send;
}

/**
 * Sends this page's DataChannel messages one every 150 ms, in order: a slow uploader (about 430 KB/s in 64 KiB
 * chunks), so that a segment is still in flight when the test closes the page.
 */
function throttleOutgoingData() {
  const queues = new WeakMap<RTCDataChannel, unknown[]>();
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: string | Blob | ArrayBuffer | ArrayBufferView) {
    let queue = queues.get(this);
    if (!queue) {
      const created: unknown[] = [];
      queue = created;
      queues.set(this, created);
      const timer = setInterval(() => {
        if (this.readyState !== 'open') {
          if (this.readyState === 'closed') clearInterval(timer);
          return;
        }
        const next = created.shift();
        if (next !== undefined) (send as (this: RTCDataChannel, payload: unknown) => void).call(this, next);
      }, 150);
    }
    queue.push(ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() : data);
  } as typeof RTCDataChannel.prototype.send;
}

interface Viewer {
  page: Page;
  errors: string[];
  user: SignedUpUser;
  /** Statuses of the page's peer reports (POST /api/v1/tracker/{id}/reports), in order. */
  reportStatuses: number[];
}

async function openViewerPage(videoId: string, user: SignedUpUser, options: { tamper?: boolean; slowUpload?: boolean } = {}) {
  const context = await newTestContext(browser);
  contexts.push(context);
  // Media permission makes Chromium offer real host candidates instead of mDNS names (ICE on loopback).
  await context.grantPermissions(['camera', 'microphone'], { origin: baseUrl });
  await context.addInitScript((auth) => {
    sessionStorage.setItem('vibestream.accessToken', auth.accessToken);
    sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 600_000));
    sessionStorage.setItem('vibestream.user', JSON.stringify(auth.user));
    localStorage.setItem('vibestream.refreshToken', auth.refreshToken);
  }, user);
  if (options.tamper) await context.addInitScript(tamperOutgoingSegments);
  if (options.slowUpload) await context.addInitScript(throttleOutgoingData);
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  const reportStatuses: number[] = [];
  page.on('response', (response) => {
    if (/\/api\/v1\/tracker\/[^/]+\/reports$/.test(new URL(response.url()).pathname)) reportStatuses.push(response.status());
  });
  await page.goto(`${baseUrl}/watch/${videoId}`, { timeout: 45_000 });
  return { page, errors, user, reportStatuses };
}

async function startPlayback(page: Page, rate = PLAYBACK_RATE): Promise<void> {
  await page.evaluate(async (playbackRate) => {
    const video = document.querySelector('video') as HTMLVideoElement;
    video.muted = true;
    video.playbackRate = playbackRate;
    await video.play();
  }, rate);
}

async function openViewer(videoId: string, options: { tamper?: boolean; slowUpload?: boolean; rate?: number } = {}): Promise<Viewer> {
  const user = await signUp(baseUrl, { displayName: options.tamper ? 'Mallory' : 'Viewer' });
  const viewer = await openViewerPage(videoId, user, options);
  await viewer.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
  await startPlayback(viewer.page, options.rate);
  return viewer;
}

function probe(page: Page): Promise<Probe> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamPlayer)) as Probe);
}

async function playedToEnd(viewer: Viewer): Promise<Probe> {
  await viewer.page.waitForFunction(() => window.__vibestreamPlayer?.ended === true, null, { timeout: PLAY_TIMEOUT_MS });
  return probe(viewer.page);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watch page', () => {
  it('plays a published video to the end from the edge, with delivery stats and analytics', async () => {
    const videoId = await publishClip('Solo viewing');
    const viewer = await openViewer(videoId);
    await viewer.page.getByRole('heading', { level: 1, name: 'Solo viewing' }).waitFor();
    const result = await playedToEnd(viewer);
    const segments = clip.manifest.renditions[0]?.segments.length ?? 0;
    expect(result.counters.stalls).toBe(0);
    expect(result.counters.httpSegments).toBeGreaterThanOrEqual(segments);
    expect(result.counters.p2pBytes).toBe(0);
    expect(result.counters.rejectedSegments).toBe(0);
    await viewer.page.waitForFunction(() => document.getElementById('stat-offload')?.textContent === '0 %');
    // The P2P counters reach the analytics ingest (first post after 5 s of playback).
    await viewer.page.waitForFunction(() => (window.__vibestreamPlayer?.samplesAccepted ?? 0) > 0, null, { timeout: 15_000 });
    expect(viewer.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }, 90_000);

  it('shares segments between four viewers: late joiners get bytes from peers, all verified, no stall', async () => {
    const videoId = await publishClip('Swarm viewing', swarmClip);
    const viewers: Viewer[] = [];
    for (let index = 0; index < 4; index += 1) {
      viewers.push(await openViewer(videoId));
      await pause(2000);
    }
    const results = await Promise.all(viewers.map(playedToEnd));
    for (const [index, result] of results.entries()) {
      expect(result.counters.stalls, `viewer ${index} stalled`).toBe(0);
      expect(result.counters.rejectedSegments).toBe(0);
      // Every byte that came from a peer passed the integrity check first.
      expect(result.counters.verifiedSegments).toBe(result.counters.p2pSegments);
      if (index > 0) expect(result.counters.p2pBytes, `viewer ${index} got nothing from peers`).toBeGreaterThan(0);
    }
    expect(results[0]?.counters.uploadedBytes).toBeGreaterThan(0);
    const p2p = results.reduce((sum, result) => sum + result.counters.p2pBytes, 0);
    const total = results.reduce((sum, result) => sum + result.counters.p2pBytes + result.counters.httpBytes, 0);
    console.info(`4 viewers: offload ratio ${(p2p / total).toFixed(3)}`);
    // Ideal (N−1)/N is 0.75 (the first viewer has nobody to fetch from); stock p2p-media-loader sits near 0.5 here.
    expect(p2p / total).toBeGreaterThanOrEqual(0.6);
    for (const viewer of viewers) expect(viewer.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }, 240_000);

  it('rejects every corrupted segment from a tampering peer, keeps playing, and the tracker stops matching it', async () => {
    const videoId = await publishClip('Tampered swarm');
    const mallory = await openViewer(videoId, { tamper: true });
    await pause(3000);
    const honest = [await openViewer(videoId)];
    await pause(1500);
    honest.push(await openViewer(videoId));
    const results = await Promise.all(honest.map(playedToEnd));
    const rejections = results.flatMap((result) => result.rejected);
    expect(rejections.length).toBeGreaterThan(0);
    for (const result of results) {
      // Whatever was rejected was fetched again and played: the video reached its end.
      expect(result.ended).toBe(true);
      expect(result.counters.verifiedSegments).toBe(result.counters.p2pSegments);
    }
    for (const rejected of rejections) expect(rejected.reason).toBe('hash_mismatch');
    const reported = new Set(results.flatMap((result) => result.reportedPeers));
    expect(reported.size).toBe(1);
    // The tracker paired each honest player with Mallory, so their reports (with the players' report keys) count.
    const statuses = honest.flatMap((viewer) => viewer.reportStatuses);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200)).toBe(true);

    // Both honest accounts reported Mallory, so a newcomer is never introduced to her.
    const newcomer = await openViewer(videoId);
    const late = await playedToEnd(newcomer);
    expect(late.rejected).toEqual([]);
    expect(late.counters.stalls).toBe(0);
    await mallory.page.close();
  }, 240_000);

  it('falls back to the edge without a stall when the only peer leaves mid-transfer', async () => {
    const videoId = await publishClip('Vanishing peer');
    const seeder = await openViewer(videoId, { slowUpload: true });
    await playedToEnd(seeder);
    // The viewer plays in real time, as people do. At double speed the peer leaves while the buffer holds one
    // segment (1 s of wall time), less than the give-up plus the refetch take under CPU contention: that
    // faster-than-life case is the P2P startup work still open, not what this test guards.
    const viewer = await openViewer(videoId, { rate: 1 });
    await viewer.page.waitForFunction(() => (window.__vibestreamPlayer?.counters.p2pBytes ?? 0) > 0, null, { timeout: 20_000 });
    await seeder.page.close();
    const atClose = await probe(viewer.page);
    const segments = clip.manifest.renditions[0]?.segments.length ?? 0;
    expect(atClose.counters.p2pSegments + atClose.counters.httpSegments, 'the seeder left after the transfer').toBeLessThan(segments);
    const result = await playedToEnd(viewer);
    expect(result.counters.stalls).toBe(0);
    expect(result.counters.p2pBytes).toBeGreaterThan(0);
    expect(result.counters.httpBytes).toBeGreaterThan(0);
  }, 180_000);

  it('only receives in consume-only mode, and says so', async () => {
    const videoId = await publishClip('Consume only');
    const seeder = await openViewer(videoId);
    await seeder.page.getByLabel('Only receive (never upload)').check();
    await seeder.page.waitForFunction(() => /only receive/i.test(document.getElementById('sharing-status')?.textContent ?? ''));
    await playedToEnd(seeder);
    const viewer = await openViewer(videoId);
    const result = await playedToEnd(viewer);
    expect(result.counters.p2pBytes).toBe(0);
    expect((await probe(seeder.page)).counters.uploadedBytes).toBe(0);
  }, 180_000);

  it('plays a two-rendition ladder with adaptive bitrate', async () => {
    const ladder = await packageTestClip({ seconds: 8, size: '1280x720', renditions: '360p,720p', segmentSeconds: 2 });
    const videoId = await publishClip('Ladder', ladder);
    const viewer = await openViewer(videoId);
    const result = await playedToEnd(viewer);
    expect([...result.levelHeights].sort((a, b) => a - b)).toEqual([360, 720]);
    expect([360, 720]).toContain(result.currentLevelHeight);
    expect(result.counters.stalls).toBe(0);
  }, 180_000);

  it('counts one other viewer once in the delivery panel across ABR level switches (one connection per stream)', async () => {
    const ladder = await packageTestClip({ seconds: 40, size: '1280x720', renditions: '360p,720p', segmentSeconds: 2 });
    const videoId = await publishClip('Ladder swarm', ladder);
    // hls.js caps the level to the player's size (capLevelToPlayerSize): a thumbnail-sized player plays 360p, a
    // full-size one lets adaptive bitrate climb to 720p, so resizing is how the test switches levels.
    const resize = (page: Page, width: string) =>
      page.evaluate((cssWidth) => {
        const video = document.querySelector('video') as HTMLVideoElement;
        video.style.width = cssWidth;
        video.style.maxWidth = 'none';
      }, width);
    const viewers: Viewer[] = [];
    for (const name of ['Ladder one', 'Ladder two']) {
      const viewer = await openViewerPage(videoId, await signUp(baseUrl, { displayName: name }));
      await viewer.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
      await resize(viewer.page, '160px');
      await startPlayback(viewer.page, 1);
      viewers.push(viewer);
    }
    for (const viewer of viewers) {
      await viewer.page.waitForFunction(() => (window.__vibestreamPlayer?.connectedPeerIds.length ?? 0) >= 1, null, { timeout: 30_000 });
    }
    for (const viewer of viewers) await resize(viewer.page, '1280px');
    for (const viewer of viewers) {
      await viewer.page.waitForFunction(() => window.__vibestreamPlayer?.currentLevelHeight === 720, null, { timeout: 30_000 });
    }
    // Each viewer now holds a connection to the other in the 720p swarm while its 360p one is still open.
    for (const [index, viewer] of viewers.entries()) {
      await viewer.page.waitForFunction(() => (window.__vibestreamPlayer?.connectedPeerIds.length ?? 0) >= 2, null, { timeout: 30_000 });
      const seen = await viewer.page.evaluate(() => ({
        peerIds: window.__vibestreamPlayer?.connectedPeerIds ?? [],
        counted: window.__vibestreamPlayer?.counters.peersConnected,
        panel: document.getElementById('stat-peers')?.textContent,
      }));
      // Two connections, one viewer: the ids share the other page's prefix, and the panel says 1.
      expect(new Set(seen.peerIds).size, `viewer ${index}`).toBeGreaterThanOrEqual(2);
      expect(new Set(seen.peerIds.map((id) => id.slice(0, 15))).size, `viewer ${index}`).toBe(1);
      expect(seen.counted, `viewer ${index}`).toBe(1);
      expect(seen.panel, `viewer ${index}`).toBe('1');
    }
    for (const viewer of viewers) expect(viewer.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }, 180_000);

  it('plays a paid video only with a playback token: its creator plays, a viewer without a purchase is told to buy', async () => {
    const videoId = await publishClip('Paid premiere', clip, 499);
    // Without a token the edge refuses the files themselves, not just the page.
    expect((await fetch(`${baseUrl}/api/v1/videos/${videoId}/hls/master.m3u8`)).status).toBe(401);

    const stranger = await openViewerPage(videoId, await signUp(baseUrl, { displayName: 'No ticket' }));
    // The offer over the poster: buy (with a choice of provider), no player controls.
    await stranger.page.getByRole('button', { name: 'Buy for $4.99' }).waitFor();
    expect(await stranger.page.getByRole('heading', { name: 'Buy for $4.99' }).count()).toBe(1);

    const owner = await openViewerPage(videoId, creator);
    const segmentRequests: string[] = [];
    owner.page.on('requestfinished', (request) => {
      if (/\/hls\/360p\/seg_\d+\.m4s/.test(request.url())) segmentRequests.push(request.url());
    });
    await owner.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
    await startPlayback(owner.page);
    const result = await playedToEnd(owner);
    expect(result.counters.stalls).toBe(0);
    // Every segment request carried the playback token.
    expect(segmentRequests.length).toBeGreaterThanOrEqual(clip.manifest.renditions[0]?.segments.length ?? 1);
    for (const url of segmentRequests) expect(new URL(url).searchParams.get('pt')).toMatch(/^ey/);
  }, 180_000);

  it('two entitled viewers of a paid video share segments over P2P although their playback tokens differ', async () => {
    const videoId = await publishClip('Paid swarm', swarmClip, 499);
    // Two buyers: their purchases are entitlements (the checkout → webhook → ledger path is covered by the
    // workers tests against the providers' contract servers).
    const buyers = [await signUp(baseUrl, { displayName: 'Buyer one' }), await signUp(baseUrl, { displayName: 'Buyer two' })];
    const now = Date.now();
    await d1Execute(
      { remote: false, persistTo: inject('persistDir') },
      {
        command: buyers
          .map(
            (buyer, index) =>
              `INSERT INTO entitlements (id, payment_id, user_id, kind, video_id, creator_id, granted_at, expires_at, revoked_at) VALUES ('ent_e2e_${videoId}_${index}', 'pay_e2e_${videoId}_${index}', '${buyer.user.id}', 'video_purchase', '${videoId}', '${creator.user.id}', ${now}, NULL, NULL)`,
          )
          .join(';\n'),
      },
    );

    const viewers: Viewer[] = [];
    const segmentTokens: Set<string>[] = [];
    for (const buyer of buyers) {
      const viewer = await openViewerPage(videoId, buyer);
      const tokens = new Set<string>();
      viewer.page.on('requestfinished', (request) => {
        if (/\/hls\/360p\/seg_\d+\.m4s/.test(request.url())) tokens.add(new URL(request.url()).searchParams.get('pt') ?? '(none)');
      });
      await viewer.page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
      await startPlayback(viewer.page);
      viewers.push(viewer);
      segmentTokens.push(tokens);
      await pause(2000);
    }
    const [first, second] = await Promise.all(viewers.map(playedToEnd));
    // The second buyer got segments from the first: same swarm, although every URL carries another token.
    expect(second?.counters.p2pBytes, 'the second buyer got nothing from the first').toBeGreaterThan(0);
    expect(first?.counters.uploadedBytes).toBeGreaterThan(0);
    for (const result of [first, second]) {
      expect(result?.counters.stalls).toBe(0);
      expect(result?.counters.rejectedSegments).toBe(0);
      // Every peer segment was checked against the integrity manifest before playback.
      expect(result?.counters.verifiedSegments).toBe(result?.counters.p2pSegments);
    }
    // Segments fetched over HTTP carried each buyer's own token (from the rewritten playlists).
    for (const tokens of segmentTokens) for (const token of tokens) expect(token).toMatch(/^ey/);
    const [tokensOne, tokensTwo] = segmentTokens;
    for (const token of tokensTwo ?? []) expect(tokensOne?.has(token)).toBe(false);
    for (const viewer of viewers) expect(viewer.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
  }, 240_000);
});
