// The store job of the ipfs-jobs queue: a published video's files go from R2 to the IPFS nodes chosen for it,
// each file's CID is recorded, the manifest gets its `cid` column, the root directory is built and pinned on
// every chosen node — and only then does the video become ready.
//
// Why it is safe to retry at any point: adding a file twice yields the same CID and stores nothing new, file
// rows are upserts keyed on (video, path), the root is pinned only after every block of it is on the node,
// and the video stays `processing` (invisible to viewers) until the final D1 batch. A job that dies halfway
// leaves rows that the retry overwrites with the same values, and nothing published.
import { openDatabase } from '../../adapters/db/client';
import {
  deletePinsOfVideoStatement,
  jobOf,
  markStoredStatement,
  pinsOf,
  recordPinStatement,
  reserveStorageStatement,
  setJobStateStatement,
  upsertFileStatement,
} from '../../adapters/db/ipfs-repo';
import { findVideo } from '../../adapters/db/videos-repo';
import { type IpfsConfig, ipfsConfigOf } from '../../adapters/ipfs/config';
import { type KuboNode, kuboNodes } from '../../adapters/ipfs/kubo';
import { directoryBlocks, type StoredEntry } from '../../adapters/ipfs/unixfs-directory';
import { getManifest, getVideoFile, MANIFEST_PATH, putManifest } from '../../adapters/r2-video-store';
import { errorMessage } from '../../domain/errors';
import type { IntegrityManifest } from '../../domain/packaging/manifest';
import { manifestFiles } from '../../domain/packaging/manifest';
import { manifestBytes } from '../../domain/storage/quota';
import { planReplicas } from '../../domain/storage/replication';
import type { Env } from '../../env';
import { changeVideoStatus } from '../video-status';

export const MASTER_PLAYLIST = 'master.m3u8';
// D1 allows 100 bound parameters per statement and batches of many statements; 50 upserts per batch keeps a
// 5,000-segment video at ~100 round trips.
const FILE_ROWS_PER_BATCH = 50;
// Files uploaded at once, in a sliding window (a new one starts as soon as any finishes): enough to overlap
// R2 reads, transfers and the nodes' hashing; each file is held in the Worker's memory (128 MB) while it is
// in flight, so the window also stops growing at IN_FLIGHT_BYTES of segments.
const FILES_IN_FLIGHT = 6;
const IN_FLIGHT_BYTES = 48 * 1024 * 1024;

export class StorageJobError extends Error {}

/** The paths of a package in upload order: playlists first (small), then init segments and segments. */
export function packagePaths(manifest: IntegrityManifest, hasMaster: boolean): string[] {
  return [
    ...(hasMaster ? [MASTER_PLAYLIST] : []),
    ...manifest.renditions.map((rendition) => rendition.playlist),
    ...manifestFiles(manifest).map((file) => file.path),
  ];
}

/** Which configured nodes answer `id` right now. */
export async function probeNodes(nodes: KuboNode[]): Promise<{ name: string; healthy: boolean }[]> {
  return Promise.all(
    nodes.map(async (node) => ({
      name: node.name,
      healthy: await node.id().then(
        () => true,
        () => false,
      ),
    })),
  );
}

async function readR2File(env: Env, videoId: string, path: string): Promise<{ body: Blob; bytes: number }> {
  const object = await getVideoFile(env.UPLOADS, videoId, path);
  if (!object) throw new StorageJobError(`"${path}" is missing in R2`);
  // A Blob goes into the multipart body as it is; bytes would be copied into one first.
  const body = await object.blob();
  return { body, bytes: body.size };
}

/**
 * Runs `work` over `items` with at most `limit` in flight and at most `budget` of their `weight` (the first
 * always starts), starting the next as soon as one finishes; results in input order. Stops at the first error.
 */
export async function inWindow<T, R>(
  items: readonly T[],
  limit: number,
  budget: number,
  weight: (item: T) => number,
  work: (item: T) => Promise<R>,
  onDone?: (result: R, index: number) => Promise<void> | void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let inFlight = 0;
  let held = 0;
  let failed: unknown;
  let failedOnce = false;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (failedOnce) return;
      if (next >= items.length && inFlight === 0) {
        resolve();
        return;
      }
      while (next < items.length && inFlight < limit && (inFlight === 0 || held + weight(items[next] as T) <= budget)) {
        const index = next++;
        const item = items[index] as T;
        const w = weight(item);
        inFlight += 1;
        held += w;
        work(item)
          .then(async (result) => {
            results[index] = result;
            await onDone?.(result, index);
          })
          .then(
            () => {
              inFlight -= 1;
              held -= w;
              pump();
            },
            (error: unknown) => {
              if (!failedOnce) {
                failedOnce = true;
                failed = error;
                reject(failed);
              }
            },
          );
      }
    };
    pump();
  });
  return results;
}

/** Adds the same bytes to every target node; every node must answer the same CID. */
async function addEverywhere(targets: KuboNode[], bytes: Uint8Array | Blob, path: string) {
  const added = await Promise.all(targets.map((node) => node.add(bytes)));
  const first = added[0];
  if (!first) throw new StorageJobError('no target node');
  if (added.some((entry) => entry.cid !== first.cid)) {
    throw new StorageJobError(`nodes disagree on the CID of "${path}": ${added.map((entry) => entry.cid).join(', ')}`);
  }
  return first;
}

/**
 * Puts a video's directory blocks on one node and pins the root recursively (which fails unless every file
 * block is already there). Returns the root CID.
 */
export async function pinDirectory(node: KuboNode, entries: StoredEntry[]): Promise<string> {
  const blocks = await directoryBlocks(entries);
  for (const block of blocks) {
    const stored = await node.putDagPbBlock(block.bytes);
    if (stored !== block.cid) throw new StorageJobError(`node ${node.name} stored directory ${block.cid} as ${stored}`);
  }
  const root = blocks.at(-1) as (typeof blocks)[number];
  await node.pin(root.cid);
  return root.cid;
}

/** The manifest as served to players, with every segment's CID filled in. */
export function withCids(manifest: IntegrityManifest, cidOf: ReadonlyMap<string, string>): IntegrityManifest {
  return {
    ...manifest,
    renditions: manifest.renditions.map((rendition) => ({
      ...rendition,
      segments: rendition.segments.map((segment) => ({ ...segment, cid: cidOf.get(segment.path) ?? null })),
    })),
  };
}

/**
 * Uploads every file of a video from R2 to `targets`, then its manifest with CIDs and its directory, and pins
 * the root on each. Used by the store job and by repair (with the one node that lost its replica).
 */
export async function replicateVideo(
  env: Env,
  videoId: string,
  manifest: IntegrityManifest,
  targets: KuboNode[],
  now: number,
): Promise<{ rootCid: string; entries: StoredEntry[]; manifest: IntegrityManifest }> {
  const db = openDatabase(env.DB);
  const hasMaster = (await env.UPLOADS.head(`videos/${videoId}/${MASTER_PLAYLIST}`)) !== null;
  const entries: StoredEntry[] = [];
  const cidOf = new Map<string, string>();
  let pending: ReturnType<typeof upsertFileStatement>[] = [];
  const paths = packagePaths(manifest, hasMaster);
  const declaredBytes = new Map(manifestFiles(manifest).map((file) => [file.path, file.bytes]));
  const added = await inWindow(
    paths,
    FILES_IN_FLIGHT,
    IN_FLIGHT_BYTES,
    (path) => declaredBytes.get(path) ?? 0,
    async (path) => {
      const file = await readR2File(env, videoId, path);
      return { path, bytes: file.bytes, ...(await addEverywhere(targets, file.body, path)) };
    },
    async (file) => {
      pending.push(
        upsertFileStatement(db, { videoId, path: file.path, cid: file.cid, bytes: file.bytes, dagBytes: file.dagBytes, storedAt: now }),
      );
      if (pending.length >= FILE_ROWS_PER_BATCH) {
        const batch = pending;
        pending = [];
        await db.batch(batch as [(typeof batch)[number], ...typeof batch]);
      }
    },
  );
  for (const file of added) {
    entries.push({ path: file.path, cid: file.cid, dagBytes: file.dagBytes });
    cidOf.set(file.path, file.cid);
  }
  // The manifest players fetch names every segment's CID, and is itself part of the stored directory.
  const served = withCids(manifest, cidOf);
  const manifestJson = new TextEncoder().encode(JSON.stringify(served));
  const addedManifest = await addEverywhere(targets, manifestJson, MANIFEST_PATH);
  entries.push({ path: MANIFEST_PATH, cid: addedManifest.cid, dagBytes: addedManifest.dagBytes });
  pending.push(
    upsertFileStatement(db, {
      videoId,
      path: MANIFEST_PATH,
      cid: addedManifest.cid,
      bytes: manifestJson.byteLength,
      dagBytes: addedManifest.dagBytes,
      storedAt: now,
    }),
  );
  await db.batch(pending as [(typeof pending)[number], ...typeof pending]);
  const roots = await Promise.all(targets.map((node) => pinDirectory(node, entries)));
  return { rootCid: roots[0] as string, entries, manifest: served };
}

export type StoreOutcome = 'stored' | 'already-stored' | 'video-gone' | 'ipfs-off';

export async function storeVideo(env: Env, videoId: string, now = Date.now(), config?: IpfsConfig): Promise<StoreOutcome> {
  const db = openDatabase(env.DB);
  const video = await findVideo(db, videoId);
  if (!video) return 'video-gone';
  const job = await jobOf(db, 'store', videoId);
  if (job?.state === 'done' && video.status === 'ready') return 'already-stored';
  const settled: Promise<unknown>[] = [];
  const waitUntil = (promise: Promise<unknown>) => settled.push(promise);

  const ipfs = config ?? ipfsConfigOf(env);
  if (!ipfs) {
    // IPFS storage was switched off after this job was queued: the files are complete in R2, serve them.
    await db.batch([setJobStateStatement(db, 'store', videoId, 'done', now)]);
    if (video.status !== 'ready') await changeVideoStatus(env, waitUntil, video, 'ready', null, now);
    await Promise.all(settled);
    return 'ipfs-off';
  }

  await db.batch([setJobStateStatement(db, 'store', videoId, 'running', now, { countAttempt: true })]);
  try {
    const manifest = await getManifest(env.UPLOADS, videoId);
    if (!manifest) throw new StorageJobError('the manifest is missing in R2');
    const nodes = kuboNodes(ipfs.nodes, ipfs.timeoutMs);
    const health = await probeNodes(nodes);
    const plan = planReplicas(videoId, health, ipfs.replicationFactor);
    // Publishing with fewer replicas than configured would be publishing half-stored: wait for the nodes.
    if (plan.shortfall > 0) {
      const down = health.filter((node) => !node.healthy).map((node) => node.name);
      throw new StorageJobError(`${plan.shortfall} of ${ipfs.replicationFactor} replicas impossible; unreachable: ${down.join(', ')}`);
    }
    const targets = nodes.filter((node) => plan.targets.includes(node.name));
    const stored = await replicateVideo(env, videoId, manifest, targets, now);

    // Earlier roots of this video (an older manifest) are no longer needed anywhere.
    const previous = (await pinsOf(db, { videoId })).filter((pin) => pin.cid !== stored.rootCid);
    for (const pin of previous) await nodes.find((node) => node.name === pin.node)?.unpin(pin.cid);

    await putManifest(env.UPLOADS, videoId, stored.manifest);
    await db.batch([
      reserveStorageStatement(db, { videoId, creatorId: video.creatorId, bytes: manifestBytes(manifest) }, now),
      markStoredStatement(db, videoId, stored.rootCid, now),
      deletePinsOfVideoStatement(db, videoId, stored.rootCid),
      ...targets.map((node) => recordPinStatement(db, { cid: stored.rootCid, node: node.name, videoId }, now)),
      setJobStateStatement(db, 'store', videoId, 'done', now, { lastError: null }),
    ]);
    // The video may have been deleted or re-uploaded meanwhile; only a video still waiting (or failed by an
    // earlier run of this job, now replayed) is published.
    const current = await findVideo(db, videoId);
    if (current && (current.status === 'processing' || current.status === 'failed')) {
      await changeVideoStatus(env, waitUntil, current, 'ready', null, now);
    }
    await Promise.all(settled);
    return 'stored';
  } catch (error) {
    const reason = errorMessage(error);
    await db
      .batch([setJobStateStatement(db, 'store', videoId, 'queued', Date.now(), { lastError: reason.slice(0, 1000) })])
      .catch(() => {});
    throw error;
  }
}
