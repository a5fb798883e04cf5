// What the */5 cron does for storage, and what the admin API shows:
//   - node health: `id`, `swarm peers` and `repo stat` of every configured node, free-space alerts per node;
//   - pin checks: each reachable node's `pin ls` against the pins D1 records; a replica removed behind our
//     back is re-pinned (or re-uploaded from R2 when its blocks are gone too), an under-replicated video
//     gets the replicas its plan lacks;
//   - dead-lettered store jobs: the job is marked failed and the failed-jobs alert fires.
import { and, eq, isNull } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { openDatabase } from '../../adapters/db/client';
import { jobOf, liveRoots, pinsOf, recordPinStatement, setJobStateStatement } from '../../adapters/db/ipfs-repo';
import { deadLetters } from '../../adapters/db/schema';
import { findVideo, type VideoWithCreator } from '../../adapters/db/videos-repo';
import { type IpfsConfig, ipfsConfigOf } from '../../adapters/ipfs/config';
import { type KuboNode, kuboNodes, type NodeIdentity, type NodeRepoStat } from '../../adapters/ipfs/kubo';
import { getManifest } from '../../adapters/r2-video-store';
import { errorMessage } from '../../domain/errors';
import { parseEvent } from '../../domain/events';
import { type GarbageReport, garbageReport } from '../../domain/storage/garbage';
import { assessNode, DEFAULT_LOW_SPACE_RATIO, type NodeHealth } from '../../domain/storage/node-health';
import { planReplicas } from '../../domain/storage/replication';
import type { Env } from '../../env';
import { changeVideoStatus } from '../video-status';
import { evaluateStorageRule, FAILED_JOBS_RULE_ID, FAILED_JOBS_SCOPE_KEY, LOW_FREE_SPACE_RULE_ID, nodeScopeKey } from './alerts';
import { replicateVideo } from './store-video';

export const IPFS_DEAD_LETTER_QUEUE = 'vibestream-ipfs-jobs-dlq';

export interface NodeReport extends NodeHealth {
  identity: NodeIdentity | null;
  repo: NodeRepoStat | null;
  peers: { peerId: string; address: string }[] | null;
  error: string | null;
}

export function lowSpaceRatioOf(env: Pick<Env, 'IPFS_LOW_SPACE_RATIO'>): number {
  const ratio = Number(env.IPFS_LOW_SPACE_RATIO);
  return Number.isFinite(ratio) && ratio > 0 && ratio < 1 ? ratio : DEFAULT_LOW_SPACE_RATIO;
}

export async function nodeReports(env: Env, config: IpfsConfig): Promise<NodeReport[]> {
  return Promise.all(
    kuboNodes(config.nodes, config.timeoutMs).map(async (node): Promise<NodeReport> => {
      const [identity, repo, peers] = await Promise.allSettled([node.id(), node.repoStat(), node.swarmPeers()]);
      const value = <T>(result: PromiseSettledResult<T>) => (result.status === 'fulfilled' ? result.value : null);
      const failure = [identity, repo, peers].find((result) => result.status === 'rejected') as PromiseRejectedResult | undefined;
      const health = assessNode(node.name, value(repo), lowSpaceRatioOf(env));
      return {
        ...health,
        reachable: identity.status === 'fulfilled' && repo.status === 'fulfilled',
        identity: value(identity),
        repo: value(repo),
        peers: value(peers),
        error: failure ? errorMessage(failure.reason) : null,
      };
    }),
  );
}

/** Pins of every reachable node; unreachable nodes are left out (nothing is judged on them). */
async function pinsByNode(nodes: KuboNode[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  await Promise.all(
    nodes.map(async (node) => {
      try {
        out.set(node.name, await node.pinned());
      } catch {
        // unreachable: skipped this round
      }
    }),
  );
  return out;
}

export async function storageGarbageReport(env: Env, config: IpfsConfig): Promise<GarbageReport> {
  const db = openDatabase(env.DB);
  const nodes = kuboNodes(config.nodes, config.timeoutMs);
  const [roots, recorded, pins] = await Promise.all([liveRoots(db), pinsOf(db), pinsByNode(nodes)]);
  return garbageReport({ liveRoots: roots, recorded, pinsByNode: pins });
}

/** Re-pins a lost replica; when the node lost the blocks too, uploads the video to it again from R2. */
async function restoreReplica(env: Env, node: KuboNode, videoId: string, rootCid: string, now: number): Promise<void> {
  try {
    await node.pin(rootCid);
    return;
  } catch {
    // blocks gone as well: fall through to a full upload
  }
  const manifest = await getManifest(env.UPLOADS, videoId);
  if (!manifest) throw new Error(`video ${videoId}: manifest missing in R2, cannot restore its replica`);
  const stored = await replicateVideo(env, videoId, manifest, [node], now);
  if (stored.rootCid !== rootCid) throw new Error(`video ${videoId}: R2 copy now hashes to ${stored.rootCid}, not ${rootCid}`);
}

export interface MaintenanceResult {
  nodes: number;
  unreachable: number;
  repinned: number;
  replicated: number;
  failedJobs: number;
  errors: string[];
}

export async function runStorageMaintenance(env: Env, now = Date.now()): Promise<MaintenanceResult | null> {
  const config = ipfsConfigOf(env);
  if (!config) return null;
  const db = openDatabase(env.DB);
  const nodes = kuboNodes(config.nodes, config.timeoutMs);
  const result: MaintenanceResult = { nodes: nodes.length, unreachable: 0, repinned: 0, replicated: 0, failedJobs: 0, errors: [] };

  const reports = await nodeReports(env, config);
  result.unreachable = reports.filter((report) => !report.reachable).length;
  await evaluateStorageRule(
    db,
    env,
    LOW_FREE_SPACE_RULE_ID,
    reports.map((report) => ({ scopeKey: nodeScopeKey(report.node), value: report.reachable ? report.freeRatio : null })),
    now,
  );

  // Pin checks and repair.
  const [roots, recorded, pins] = await Promise.all([liveRoots(db), pinsOf(db), pinsByNode(nodes)]);
  const report = garbageReport({ liveRoots: roots, recorded, pinsByNode: pins });
  const missing = new Set(report.missing.map((pin) => `${pin.node}\u0000${pin.cid}`));
  const confirmed = recorded.filter((pin) => roots.get(pin.videoId) === pin.cid && pins.get(pin.node)?.has(pin.cid));
  const statements: BatchItem<'sqlite'>[] = confirmed.map((pin) => recordPinStatement(db, pin, now));
  const failedVideos: { video: VideoWithCreator; reason: string }[] = [];
  for (const pin of report.missing) {
    const node = nodes.find((candidate) => candidate.name === pin.node);
    if (!node) continue;
    try {
      await restoreReplica(env, node, pin.videoId, pin.cid, now);
      statements.push(recordPinStatement(db, pin, now));
      result.repinned += 1;
    } catch (error) {
      result.errors.push(errorMessage(error));
    }
  }
  // Under-replicated videos (a node was added, or a replica was never made): give them their planned nodes.
  const healthy = reports.map((entry) => ({ name: entry.node, healthy: entry.reachable }));
  for (const [videoId, rootCid] of roots) {
    const holders = new Set(recorded.filter((pin) => pin.videoId === videoId && pin.cid === rootCid).map((pin) => pin.node));
    const plan = planReplicas(videoId, healthy, config.replicationFactor);
    for (const target of plan.targets) {
      if (holders.has(target) || missing.has(`${target}\u0000${rootCid}`)) continue;
      if (holders.size >= config.replicationFactor) break;
      const node = nodes.find((candidate) => candidate.name === target) as KuboNode;
      try {
        await restoreReplica(env, node, videoId, rootCid, now);
        statements.push(recordPinStatement(db, { cid: rootCid, node: target, videoId }, now));
        holders.add(target);
        result.replicated += 1;
      } catch (error) {
        result.errors.push(errorMessage(error));
      }
    }
  }

  // Store jobs that exhausted their retries: mark them failed, and alert while any is unhandled.
  const dead = await db
    .select({ body: deadLetters.body })
    .from(deadLetters)
    .where(and(eq(deadLetters.queue, IPFS_DEAD_LETTER_QUEUE), isNull(deadLetters.replayedAt)))
    .all();
  for (const row of dead) {
    const parsed = parseEvent(safeJson(row.body));
    if (parsed.ok && parsed.event.type === 'ipfs.video_uploaded') {
      // A later publish of the same video may have stored it since; that job is done, not failed.
      const job = await jobOf(db, 'store', parsed.event.data.videoId);
      if (job?.state === 'done') continue;
      statements.push(setJobStateStatement(db, 'store', parsed.event.data.videoId, 'failed', now));
      result.failedJobs += 1;
      // The creator sees why the video never became ready (studio); a replayed job publishes it after all.
      const video = await findVideo(db, parsed.event.data.videoId);
      if (video?.status === 'processing') {
        const detail = job?.lastError ? `: ${job.lastError.slice(0, 200)}` : '';
        failedVideos.push({ video, reason: `Storing the files on IPFS failed after every retry${detail}` });
      }
    }
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  const relays: Promise<unknown>[] = [];
  for (const { video, reason } of failedVideos) {
    await changeVideoStatus(env, (promise) => relays.push(promise), video, 'failed', null, now, reason);
  }
  await Promise.all(relays);
  await evaluateStorageRule(db, env, FAILED_JOBS_RULE_ID, [{ scopeKey: FAILED_JOBS_SCOPE_KEY, value: result.failedJobs }], now);
  if (result.errors.length > 0) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'storage maintenance errors', errors: result.errors.slice(0, 10) }));
  }
  return result;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
