// Before a browser starts encoding, it reserves room in the creator's storage quota for the package it is
// about to upload segment by segment: the exact size is only known at the end, so the reservation is an upper
// estimate (domain/storage/quota.ts estimatePackageBytes). A creator without room learns it from this one
// request, before a single frame is encoded. The answer also lists the files already stored, so a reloaded
// page skips what an earlier attempt uploaded.
import type { Database } from '../../adapters/db/client';
import { quotaOf, storageOf, usedBytesOf } from '../../adapters/db/ipfs-repo';
import { reservePackageStatement } from '../../adapters/db/package-staging-repo';
import type { PackageFileStore, StoredVideoFile } from '../../adapters/r2-video-store';
import type { VideoStatus } from '../../domain/catalog';
import { isStageablePath } from '../../domain/packaging/paths';
import { checkQuota } from '../../domain/storage/quota';

export interface PackageStagingDeps {
  db: Database;
  files: PackageFileStore;
  defaultQuotaBytes: number;
  now: () => number;
}

/** Statuses in which a package may still be (re)uploaded: not while one is being stored, not once published. */
export const STAGING_STATUSES: readonly VideoStatus[] = ['draft', 'failed'];

export type ReservePackageResult =
  | { ok: true; reservedBytes: number; stagedBytes: number; files: StoredVideoFile[] }
  | { ok: false; reason: 'not_staging'; status: VideoStatus }
  | { ok: false; reason: 'quota_exceeded'; usedBytes: number; quotaBytes: number; requestedBytes: number };

export async function reservePackageSpace(
  deps: PackageStagingDeps,
  input: { video: { id: string; creatorId: string; status: VideoStatus }; estimatedBytes: number },
): Promise<ReservePackageResult> {
  const { video } = input;
  if (!STAGING_STATUSES.includes(video.status)) return { ok: false, reason: 'not_staging', status: video.status };
  const files = (await deps.files.list()).filter((file) => isStageablePath(file.path));
  const stagedBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const requestedBytes = Math.max(input.estimatedBytes, stagedBytes);
  const [usedBytes, quotaBytes, existing] = await Promise.all([
    usedBytesOf(deps.db, video.creatorId),
    quotaOf(deps.db, video.creatorId, deps.defaultQuotaBytes),
    storageOf(deps.db, video.id),
  ]);
  const decision = checkQuota({ usedBytes, replacingBytes: existing?.bytes ?? 0, requestedBytes, quotaBytes });
  if (!decision.ok) {
    const { usedBytes: used, quotaBytes: quota } = decision;
    return { ok: false, reason: 'quota_exceeded', usedBytes: used, quotaBytes: quota, requestedBytes };
  }
  await reservePackageStatement(
    deps.db,
    { videoId: video.id, creatorId: video.creatorId, bytes: requestedBytes, stagedBytes },
    deps.now(),
  ).run();
  return { ok: true, reservedBytes: requestedBytes, stagedBytes, files };
}
