// A paid video end to end with its content encrypted (README "Content encryption"), in Chromium against its own
// `wrangler dev` with the development IPFS node: two buyers play it and share segments over WebRTC — the bytes
// that cross the DataChannel are ciphertext, each buyer checks them against the integrity manifest (which hashes
// the ciphertext) and hls.js decrypts them with the key the key route gave that buyer. Without a token the key
// route refuses; and what the IPFS node stores for the paid video holds none of the clear media's MP4 boxes or
// H.264 parameter sets, while a free video's copy does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { d1Execute } from '../../dev/lib/d1';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import type { PlayerProbe } from '../../src/shared/player-probe';
import { createVideo, type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { packageTestClip, type VideoPackage } from '../support/packaged-video';
import { seedSession } from '../support/session';
import { freePort, startWranglerDev, type WranglerDev } from '../support/wrangler-dev';
import { queryD1 } from '../tooling/helpers';
import { type IpfsNodeProcess, startIpfsNodeProcess } from '../tooling/ipfs-node-process';

const CLIP_SECONDS = 12;
const PLAY_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 60_000;
// The tolerated console line of the watch page (see watch.test.ts): the metrics ingest's busy 503.
const BUSY_INGEST = /status of 503 .*\/api\/v1\/analytics\/samples/;
/** MP4 box names every clear fMP4 init or media segment carries. */
const CLEAR_BOXES = ['ftyp', 'moov', 'avcC', 'moof', 'mdat'];

let root: string;
let ipfs: IpfsNodeProcess;
let server: WranglerDev;
let browser: Browser;
let clip: VideoPackage;
let creator: SignedUpUser;
let paidId: string;
let freeId: string;
const contexts: BrowserContext[] = [];

async function waitUntilReady(videoId: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${server.url}/api/v1/videos/${videoId}`, { headers: { Authorization: `Bearer ${creator.accessToken}` } });
    const { status } = (await response.json()) as { status: string };
    if (status === 'ready') return;
    if (status === 'failed' || Date.now() > deadline) throw new Error(`${videoId} is ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-paid-p2p-'));
  const packaging = packageTestClip({ seconds: CLIP_SECONDS, segmentSeconds: 2, renditions: '360p' });
  ipfs = await startIpfsNodeProcess({ port: await freePort(), dir: join(root, 'ipfs') });
  [server, clip, browser] = await Promise.all([
    startWranglerDev({ vars: { IPFS_API_URLS: `dev=${ipfs.url}`, IPFS_REPLICATION_FACTOR: '1', IPFS_TIMEOUT_MS: '4000' } }),
    packaging,
    connectBrowser(inject('browserWsEndpoint')),
  ]);
  creator = await signUp(server.url, { displayName: 'Selling creator', role: 'creator' });
  // Priced before its package is uploaded: the package is encrypted with the video's key (test/support).
  const prices = { purchase: { amount: 499, currency: 'USD' } };
  paidId = (await createVideo(server.url, creator.accessToken, { title: 'Sealed swarm', visibility: 'public', prices }, clip)).id;
  freeId = (await createVideo(server.url, creator.accessToken, { title: 'Open swarm', visibility: 'public' }, clip)).id;
  await Promise.all([waitUntilReady(paidId), waitUntilReady(freeId)]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await browser?.close();
  await server?.stop();
  await ipfs?.kill();
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * Counts the large messages this page sends over its DataChannels (segment data travels in chunks of up to
 * 64 KiB, commands in small messages) and those among them that contain a clear MP4 box name.
 */
function watchOutgoingSegmentData(boxes: string[]) {
  const patterns = boxes.map((box) => Array.from(box, (char) => char.charCodeAt(0)));
  const tally = { dataMessages: 0, clearMessages: 0 };
  (window as unknown as { __dataChannelTally: typeof tally }).__dataChannelTally = tally;
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: string | Blob | ArrayBuffer | ArrayBufferView) {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (view.byteLength > 2048) {
        tally.dataMessages += 1;
        const clear = patterns.some((pattern) => view.some((_, at) => pattern.every((byte, offset) => view[at + offset] === byte)));
        if (clear) tally.clearMessages += 1;
      }
    }
    return (send as (this: RTCDataChannel, payload: unknown) => void).call(this, data);
  } as typeof RTCDataChannel.prototype.send;
}

async function openBuyer(user: SignedUpUser): Promise<{ page: Page; errors: string[]; keyStatuses: number[] }> {
  const context = await newTestContext(browser);
  contexts.push(context);
  // Media permission makes Chromium offer host candidates on loopback (ICE between the two buyers).
  await context.grantPermissions(['camera', 'microphone'], { origin: server.url });
  await seedSession(context, user);
  await context.addInitScript(watchOutgoingSegmentData, CLEAR_BOXES);
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  const keyStatuses: number[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === `/api/v1/videos/${paidId}/hls/key`) keyStatuses.push(response.status());
  });
  await page.goto(`${server.url}/watch/${paidId}`);
  await page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 45_000 });
  await page.evaluate(async () => {
    const video = document.querySelector('video') as HTMLVideoElement;
    video.muted = true;
    await video.play();
  });
  return { page, errors, keyStatuses };
}

const probe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamPlayer)) as PlayerProbe);
const tally = (page: Page) =>
  page.evaluate(() => (window as unknown as { __dataChannelTally: { dataMessages: number; clearMessages: number } }).__dataChannelTally);

/** Whether `haystack` holds `needle` anywhere. */
const holds = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).includes(Buffer.from(needle));

/** The SPS of the clip's H.264 stream, from the avcC box of its clear init segment (ISO/IEC 14496-15 §5.3.3.1). */
function spsOf(init: Uint8Array): Uint8Array {
  const at = Buffer.from(init).indexOf('avcC');
  if (at < 0) throw new Error('no avcC box in the clear init segment');
  const config = at + 4;
  const length = ((init[config + 6] ?? 0) << 8) | (init[config + 7] ?? 0);
  return init.slice(config + 8, config + 8 + length);
}

async function ipfsCat(cid: string): Promise<Uint8Array> {
  const response = await fetch(`${ipfs.url}/api/v0/cat?arg=${encodeURIComponent(cid)}`, { method: 'POST' });
  if (!response.ok) throw new Error(`cat ${cid}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function servedManifest(videoId: string): Promise<IntegrityManifest> {
  const response = await fetch(`${server.url}/api/v1/videos/${videoId}/hls/manifest.json`, {
    headers: { Authorization: `Bearer ${creator.accessToken}` },
  });
  return (await response.json()) as IntegrityManifest;
}

describe('a paid video, encrypted', () => {
  it('refuses its key to callers without a playback token: anonymous, signed in without a purchase', async () => {
    expect((await fetch(`${server.url}/api/v1/videos/${paidId}/hls/key`)).status).toBe(401);
    const browsing = await signUp(server.url, { displayName: 'Just browsing' });
    const auth = { headers: { Authorization: `Bearer ${browsing.accessToken}` } };
    expect((await fetch(`${server.url}/api/v1/videos/${paidId}/hls/key`, auth)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/videos/${paidId}/playback-token`, { method: 'POST', ...auth })).status).toBe(402);
    // A free video has no key at all.
    expect((await fetch(`${server.url}/api/v1/videos/${freeId}/hls/key`)).status).toBe(404);
  });

  it('plays for two buyers who share ciphertext over P2P, each verifying and decrypting it', async () => {
    const buyers = [await signUp(server.url, { displayName: 'Buyer one' }), await signUp(server.url, { displayName: 'Buyer two' })];
    const now = Date.now();
    // Their purchases as entitlements (checkout → webhook → ledger is buyer-journey.test.ts's business).
    await d1Execute(
      { remote: false, persistTo: server.persistDir },
      {
        command: buyers
          .map(
            (buyer, index) =>
              `INSERT INTO entitlements (id, payment_id, user_id, kind, video_id, creator_id, granted_at) VALUES ('ent_p2p_${index}', 'pay_p2p_${index}', '${buyer.user.id}', 'video_purchase', '${paidId}', '${creator.user.id}', ${now})`,
          )
          .join(';\n'),
      },
    );
    const first = await openBuyer(buyers[0] as SignedUpUser);
    await first.page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, null, { timeout: 30_000 });
    const second = await openBuyer(buyers[1] as SignedUpUser);
    const viewers = [first, second];
    for (const viewer of viewers) {
      await viewer.page.waitForFunction(() => window.__vibestreamPlayer?.ended === true, null, { timeout: PLAY_TIMEOUT_MS });
    }
    const results = await Promise.all(viewers.map((viewer) => probe(viewer.page)));
    const segments = clip.manifest.renditions[0]?.segments.length ?? 0;
    for (const [index, result] of results.entries()) {
      expect(result.counters.stalls, `buyer ${index + 1}`).toBe(0);
      expect(result.counters.rejectedSegments, `buyer ${index + 1}`).toBe(0);
      // Every segment, from a peer or the origin, was checked against the manifest's SHA-256 and its IPFS CID —
      // both computed over the ciphertext — before hls.js decrypted it.
      expect(result.counters.verifiedSegments, `buyer ${index + 1}`).toBe(result.counters.httpSegments + result.counters.p2pSegments);
      expect(result.counters.cidVerifiedSegments, `buyer ${index + 1}`).toBe(result.counters.verifiedSegments);
      expect(result.counters.httpSegments + result.counters.p2pSegments, `buyer ${index + 1}`).toBeGreaterThanOrEqual(segments);
      // The player got the key through the key route with its own playback token.
      expect(viewers[index]?.keyStatuses.length, `buyer ${index + 1}`).toBeGreaterThan(0);
      expect(viewers[index]?.keyStatuses.every((status) => status === 200)).toBe(true);
      expect(viewers[index]?.errors.filter((line) => !BUSY_INGEST.test(line))).toEqual([]);
    }
    expect(
      results.reduce((sum, result) => sum + result.counters.p2pSegments, 0),
      'no segment travelled between the buyers',
    ).toBeGreaterThan(0);
    // What crossed the DataChannels: segment data, none of it with a clear MP4 box in it.
    const sent = await Promise.all(viewers.map((viewer) => tally(viewer.page)));
    expect(sent.reduce((sum, count) => sum + count.dataMessages, 0)).toBeGreaterThan(0);
    expect(sent.map((count) => count.clearMessages)).toEqual([0, 0]);
  }, 150_000);

  it('is stored on the IPFS node as ciphertext: no MP4 box or H.264 SPS of the clear media, unlike the free video', async () => {
    const rendition = clip.manifest.renditions[0] as IntegrityManifest['renditions'][number];
    const sps = spsOf(clip.files.get(rendition.init?.path ?? '') as Uint8Array);
    expect(sps.byteLength).toBeGreaterThan(4);
    const needles = [...CLEAR_BOXES.map((box) => new TextEncoder().encode(box)), sps];

    const paid = await servedManifest(paidId);
    expect(paid.encryption).toEqual({ method: 'AES-128' });
    const paidCids = paid.renditions.flatMap((entry) => entry.segments.map((segment) => segment.cid));
    expect(paidCids.every((cid) => typeof cid === 'string')).toBe(true);
    for (const cid of paidCids) {
      const stored = await ipfsCat(cid as string);
      for (const needle of needles) expect(holds(stored, needle), `${cid} holds clear media`).toBe(false);
    }
    const paidInit = await initOnIpfs(paidId);
    for (const needle of needles) expect(holds(paidInit, needle), 'the init segment holds clear media').toBe(false);

    // The same clip published free: its copy on the node is the clear media, so the check above can fail.
    const freeInit = await initOnIpfs(freeId);
    expect(holds(freeInit, new TextEncoder().encode('ftyp'))).toBe(true);
    expect(holds(freeInit, sps)).toBe(true);
    const free = await servedManifest(freeId);
    const firstFree = await ipfsCat(free.renditions[0]?.segments[0]?.cid as string);
    expect(holds(firstFree, new TextEncoder().encode('moof'))).toBe(true);
  });
});

/** The init segment as the IPFS node holds it, found by its CID in D1 (init segments have no cid field). */
async function initOnIpfs(videoId: string): Promise<Uint8Array> {
  const rows = await queryD1<{ path: string; cid: string }>(
    server.persistDir,
    "SELECT path, cid FROM ipfs_files WHERE video_id = ? AND path LIKE '%init.mp4'",
    videoId,
  );
  const row = rows[0];
  if (!row) throw new Error(`no init segment of ${videoId} on IPFS`);
  return ipfsCat(row.cid);
}
