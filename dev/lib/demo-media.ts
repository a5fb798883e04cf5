// Gives every seeded demo video real media: its demo clip (lib/demo-clips.ts, committed packages) is uploaded
// through the product's own API, the way a creator publishes with `npm run package-video` output — sign in,
// PUT the manifest, PUT every playlist and file, POST publish. Going through the API rather than writing R2
// files directly means the quota, checksum, playlist and IPFS pinning paths all run on a fresh clone too, and
// publishing sets the catalog's duration, poster and storyboard from the package.
//
// Paid and private demo videos are uploaded encrypted, as a creator's packager would: the clip's segments are
// encrypted with the content key the API issues for that video (POST /videos/{id}/content-key), so every paid
// video has its own key and ciphertext (src/domain/content-encryption). Free ones are uploaded as committed.
//
// Idempotent: a video whose master playlist is already stored is not uploaded again, so a second `npm run dev`
// on the same state uploads nothing (one stored but not ready — a run stopped while IPFS pinned it — is only
// published again). With the development IPFS node on, a published video stays "processing" until
// every file is pinned; `ensureDemoMedia` waits (bounded) for all of them to be "ready".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptPackage, fromBase64Url } from '../../src/domain/content-encryption';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import { manifestFiles } from '../../src/domain/packaging/manifest';
import { demoVideoId } from '../seed';
import { demoClipDir, demoClipManifest } from './demo-clips';
import { DEMO_ACCOUNTS, DEMO_VIDEOS, type DemoVideoWithMedia } from './demo-data';

const MASTER_PLAYLIST = 'master.m3u8';
/** Requests in flight at once: enough to overlap round trips, few enough not to crowd a 2-core machine. */
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 500;
const REQUEST_ATTEMPTS = 5;
const RETRY_AFTER_MS = 500;
/** With no video becoming ready for this long, the ones still processing are published again (see below). */
const STALL_MS = 20_000;

export interface DemoMediaOptions {
  /** Origin of the running API, e.g. http://127.0.0.1:8787. */
  baseUrl: string;
  concurrency?: number;
  /** How long published videos get to become "ready" (IPFS pinning) before ensureDemoMedia gives up. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DemoMediaResult {
  /** Seeded videos that got their clip now. */
  uploaded: number;
  /** Publishes repeated: stored but unready videos, and videos whose pinning made no progress. */
  republished: number;
  /** Seeded videos that already had media and were ready. */
  present: number;
  /** Demo videos the database does not hold (not seeded, or deleted). */
  absent: number;
  /** Seeded videos still not "ready" when the wait ended, with their status. */
  notReady: { id: string; status: string }[];
}

export class DemoMediaError extends Error {
  override name = 'DemoMediaError';
}

interface VideoStatus {
  status: string;
  /** Why a video is "failed". */
  statusReason?: string | null;
}

/** Runs `task` over `items` with at most `limit` running at once; rejects with the first failure. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Reads a response we do not need to the end. Cancelling it instead makes undici drop the connection, which
 * workerd logs as an error (a broken pipe) in the middle of the dev output.
 */
async function drain(response: Response): Promise<void> {
  await response.arrayBuffer().catch(() => undefined);
}

async function failure(what: string, response: Response): Promise<DemoMediaError> {
  const body = await response.text().catch(() => '');
  return new DemoMediaError(`${what}: HTTP ${response.status} ${body.slice(0, 500)}`);
}

class DemoApi {
  private readonly tokens = new Map<string, Promise<string | undefined>>();

  constructor(private readonly baseUrl: string) {}

  /** An access token of the demo account `key`; undefined if that account cannot sign in (not seeded). */
  token(key: string): Promise<string | undefined> {
    let token = this.tokens.get(key);
    if (!token) {
      token = this.signIn(key);
      this.tokens.set(key, token);
    }
    return token;
  }

  private async signIn(key: string): Promise<string | undefined> {
    const account = DEMO_ACCOUNTS.find((candidate) => candidate.key === key);
    if (!account) throw new DemoMediaError(`no demo account ${key}`);
    const response = await this.send('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: account.email, password: account.password }),
    });
    if (response.status === 401) {
      await drain(response);
      return undefined;
    }
    if (!response.ok) throw await failure(`signing in as ${account.email}`, response);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async request(token: string, method: string, path: string, body?: string | Uint8Array<ArrayBuffer>): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    return this.send(path, { method, headers, ...(body === undefined ? {} : { body }) });
  }

  /**
   * One API call, tried again on a 503 or a dropped connection: `wrangler dev` reloads the Worker whenever a source
   * file changes, and answers requests caught in the reload with 503 "Your worker restarted mid-request". Every
   * call made here is safe to repeat (sign-in, GETs, PUTs of the same bytes, publish).
   */
  private async send(path: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.baseUrl}/api/v1${path}`, init).catch((error: unknown) => {
        if (attempt >= REQUEST_ATTEMPTS) throw error;
        return undefined;
      });
      if (response && (response.status !== 503 || attempt >= REQUEST_ATTEMPTS)) return response;
      if (response) await drain(response);
      await new Promise((resolveWait) => setTimeout(resolveWait, RETRY_AFTER_MS * attempt));
    }
  }
}

/**
 * What a seeded video needs: its clip uploaded and published; only publishing again (its files are all there but
 * an earlier run stopped before it was ready — e.g. Ctrl-C while IPFS pinned it, or pinning failed); or nothing.
 */
type Plan = { video: DemoVideoWithMedia; id: string; token: string; action: 'upload' | 'republish' | 'present' } | { action: 'absent' };

async function planVideo(api: DemoApi, video: DemoVideoWithMedia): Promise<Plan> {
  const token = await api.token(video.creator);
  if (!token) return { action: 'absent' };
  const id = demoVideoId(video.key);
  const found = await api.request(token, 'GET', `/videos/${id}`);
  if (found.status === 404) {
    await drain(found);
    return { action: 'absent' };
  }
  if (!found.ok) throw await failure(`looking up ${id}`, found);
  const { status } = (await found.json()) as VideoStatus;
  // The creator may read the files of any of their videos, whatever its status or price.
  const master = await api.request(token, 'GET', `/videos/${id}/hls/${MASTER_PLAYLIST}`);
  await drain(master);
  if (master.ok) {
    // State kept from before paid videos were encrypted holds them in the clear: upload those again.
    if (await storedClearButNeedsKey(api, id, token)) return { video, id, token, action: 'upload' };
    return { video, id, token, action: status === 'ready' ? 'present' : 'republish' };
  }
  if (master.status !== 404) throw await failure(`checking ${id}/${MASTER_PLAYLIST}`, master);
  return { video, id, token, action: 'upload' };
}

type PackagingKey = { encryption: 'none' } | { encryption: 'aes-128'; key: string };

/** Whether the video must be encrypted, and its key (issued once per video, the same on every call). */
async function packagingKey(api: DemoApi, id: string, token: string): Promise<PackagingKey> {
  const response = await api.request(token, 'POST', `/videos/${id}/content-key`);
  if (!response.ok) throw await failure(`getting the content key of ${id}`, response);
  return (await response.json()) as PackagingKey;
}

async function storedClearButNeedsKey(api: DemoApi, id: string, token: string): Promise<boolean> {
  const needed = await packagingKey(api, id, token);
  if (needed.encryption === 'none') return false;
  const response = await api.request(token, 'GET', `/videos/${id}/hls/manifest.json`);
  if (!response.ok) {
    await drain(response);
    return true;
  }
  return !((await response.json()) as IntegrityManifest).encryption;
}

/** Manifest, then every playlist and file it lists, then publish: the order the API requires. */
async function uploadClip(api: DemoApi, plan: { video: DemoVideoWithMedia; id: string; token: string }): Promise<void> {
  const { id, token } = plan;
  const dir = demoClipDir(plan.video.clip);
  const readClip = async (path: string) => new Uint8Array(await readFile(join(dir, ...path.split('/'))));
  const clear: IntegrityManifest = { ...demoClipManifest(plan.video.clip), videoId: id };
  const issued = await packagingKey(api, id, token);
  const encrypted =
    issued.encryption === 'aes-128' ? await encryptPackage({ manifest: clear, read: readClip }, fromBase64Url(issued.key)) : null;
  const manifest = encrypted?.manifest ?? clear;
  const stored = await api.request(token, 'PUT', `/videos/${id}/manifest`, JSON.stringify(manifest));
  if (!stored.ok) throw await failure(`uploading the manifest of ${id}`, stored);
  await drain(stored);
  const paths = [
    MASTER_PLAYLIST,
    ...manifest.renditions.map((rendition) => rendition.playlist),
    ...manifestFiles(manifest).map((file) => file.path),
  ];
  for (const path of paths) {
    // A byte array body: fetch sends it with Content-Length, which the file route requires.
    const bytes = (encrypted?.files.get(path) as Uint8Array<ArrayBuffer> | undefined) ?? (await readClip(path));
    const response = await api.request(token, 'PUT', `/videos/${id}/files/${path}`, bytes);
    if (!response.ok) throw await failure(`uploading ${id}/${path}`, response);
    await drain(response);
  }
  await publish(api, plan);
}

/** Publishing again is safe: the IPFS store job it queues is idempotent (workers/ipfs/store-video.ts). */
async function publish(api: DemoApi, { id, token }: { id: string; token: string }): Promise<void> {
  const published = await api.request(token, 'POST', `/videos/${id}/publish`);
  if (!published.ok) throw await failure(`publishing ${id}`, published);
  await drain(published);
}

async function statusOf(api: DemoApi, plan: { id: string; token: string }): Promise<string> {
  const response = await api.request(plan.token, 'GET', `/videos/${plan.id}`);
  if (!response.ok) throw await failure(`reading ${plan.id}`, response);
  const video = (await response.json()) as VideoStatus;
  return video.statusReason ? `${video.status}: ${video.statusReason}` : video.status;
}

/** Uploads the demo clip of every seeded video that has no media yet, then waits until all are "ready". */
export async function ensureDemoMedia(options: DemoMediaOptions): Promise<DemoMediaResult> {
  const api = new DemoApi(options.baseUrl);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const plans: Plan[] = [];
  await forEachLimited(DEMO_VIDEOS, concurrency, async (video) => {
    plans.push(await planVideo(api, video));
  });
  const seeded = plans.filter((plan) => plan.action !== 'absent');
  const toUpload = seeded.filter((plan) => plan.action === 'upload');
  const toRepublish = seeded.filter((plan) => plan.action === 'republish');
  if (toUpload.length > 0) options.log?.(`uploading demo media for ${toUpload.length} of ${seeded.length} seeded videos…`);
  if (toRepublish.length > 0) options.log?.(`publishing ${toRepublish.length} uploaded but not ready videos again…`);
  await forEachLimited([...toUpload, ...toRepublish], concurrency, (plan) =>
    plan.action === 'upload' ? uploadClip(api, plan) : publish(api, plan),
  );

  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  let pending = seeded;
  let statuses = new Map<string, string>();
  let progressAt = Date.now();
  let nudged = 0;
  while (pending.length > 0) {
    statuses = new Map();
    await forEachLimited(pending, concurrency, async (plan) => {
      statuses.set(plan.id, await statusOf(api, plan));
    });
    // "failed" will not change by waiting.
    const stillPending = pending.filter((plan) => !/^(ready|failed)\b/.test(statuses.get(plan.id) ?? ''));
    if (stillPending.length < pending.length) progressAt = Date.now();
    pending = stillPending;
    if (pending.length === 0 || Date.now() > deadline) break;
    if (Date.now() - progressAt > STALL_MS) {
      // Locally, a burst of publishes has been seen to lose a few IPFS store jobs on the way through the queue
      // (the job row stays "queued", never attempted). Nothing is moving, so publish those again: the job is
      // idempotent and one already under way is not harmed by a second.
      nudged += pending.length;
      options.log?.(`${pending.length} video(s) not ready after ${STALL_MS / 1000} s without progress; publishing them again`);
      await forEachLimited(pending, concurrency, (plan) => publish(api, plan));
      progressAt = Date.now();
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, READY_POLL_MS));
  }
  const notReady = seeded
    .filter((plan) => statuses.has(plan.id) && statuses.get(plan.id) !== 'ready')
    .map((plan) => ({ id: plan.id, status: statuses.get(plan.id) as string }));
  return {
    uploaded: toUpload.length,
    republished: toRepublish.length + nudged,
    present: seeded.length - toUpload.length - toRepublish.length,
    absent: plans.length - seeded.length,
    notReady,
  };
}

export function describeDemoMedia(result: DemoMediaResult): string {
  const parts = [`demo media: ${result.uploaded} uploaded, ${result.present} already there`];
  if (result.republished > 0) parts.push(`${result.republished} published again`);
  if (result.absent > 0) parts.push(`${result.absent} demo videos not in the database`);
  if (result.notReady.length > 0) {
    parts.push(`not ready: ${result.notReady.map((video) => `${video.id} (${video.status})`).join(', ')}`);
  }
  return parts.join('; ');
}
