// The two points where uploads meet storage, called from the video file routes:
//   - a manifest is accepted only if the creator's quota has room for every byte it lists (checked before
//     the manifest or any file is stored), and the video's size is reserved against the quota at once;
//   - publishing with IPFS configured queues the store job (through the outbox) instead of marking the video
//     ready: the store job does that once every file is pinned;
//   - a playlist is accepted only if every file it names is part of the package.
import { openDatabase } from '../../adapters/db/client';
import { queueJobStatement, quotaOf, reserveStorageStatement, storageOf, usedBytesOf } from '../../adapters/db/ipfs-repo';
import { ipfsConfigOf } from '../../adapters/ipfs/config';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { KEY_PATH } from '../../domain/content-encryption';
import { createEvent } from '../../domain/events';
import { type IntegrityManifest, manifestFiles } from '../../domain/packaging/manifest';
import { missingReferences } from '../../domain/storage/playlist-check';
import { checkQuota, DEFAULT_QUOTA_BYTES, manifestBytes } from '../../domain/storage/quota';
import type { Env } from '../../env';
import { ApiError } from '../errors';
import { MASTER_PLAYLIST } from './store-video';

/**
 * 422 playlist_references_missing unless every URI of an uploaded playlist is a file of the package
 * (domain/storage/playlist-check.ts); called before the playlist is stored.
 */
export function assertPlaylistComplete(manifest: IntegrityManifest, playlistPath: string, bytes: ArrayBuffer): void {
  const packagePaths = new Set([
    MASTER_PLAYLIST,
    ...manifest.renditions.map((rendition) => rendition.playlist),
    ...manifestFiles(manifest).map((file) => file.path),
    // An encrypted package's playlists name the key route (domain/content-encryption), which is no file.
    ...(manifest.encryption ? [KEY_PATH] : []),
  ]);
  const missing = missingReferences(playlistPath, new TextDecoder().decode(bytes), packagePaths);
  if (missing.length > 0) {
    throw new ApiError(
      422,
      'playlist_references_missing',
      `"${playlistPath}" names ${missing.length} file(s) that are not in the manifest`,
      {
        missing: missing.slice(0, 100),
      },
    );
  }
}

export function defaultQuotaBytes(env: Pick<Env, 'STORAGE_QUOTA_BYTES'>): number {
  const configured = Number(env.STORAGE_QUOTA_BYTES);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_QUOTA_BYTES;
}

/** 413 storage_quota_exceeded (nothing stored) unless the manifest fits; otherwise reserves its bytes. */
export async function reserveStorageForManifest(
  env: Env,
  video: { id: string; creatorId: string },
  manifest: IntegrityManifest,
  now = Date.now(),
): Promise<void> {
  const db = openDatabase(env.DB);
  const requestedBytes = manifestBytes(manifest);
  const usedBytes = await usedBytesOf(db, video.creatorId);
  const quotaBytes = await quotaOf(db, video.creatorId, defaultQuotaBytes(env));
  const existing = await storageOf(db, video.id);
  const decision = checkQuota({ usedBytes, replacingBytes: existing?.bytes ?? 0, requestedBytes, quotaBytes });
  if (!decision.ok) {
    throw new ApiError(413, 'storage_quota_exceeded', 'This video does not fit in the storage quota', {
      usedBytes: decision.usedBytes,
      requestedBytes: decision.requestedBytes,
      quotaBytes: decision.quotaBytes,
    });
  }
  await reserveStorageStatement(db, { videoId: video.id, creatorId: video.creatorId, bytes: requestedBytes }, now).run();
}

/**
 * With IPFS configured: the store job is queued (job row + `ipfs.video_uploaded` in one D1 batch) and true is
 * returned; the video stays `processing`. Without IPFS: false, and the caller publishes from R2 directly.
 */
export async function queueIpfsStorage(
  env: Env,
  waitUntil: (promise: Promise<unknown>) => void,
  video: { id: string; creatorId: string },
  actorId: string | null,
  now = Date.now(),
): Promise<boolean> {
  if (!ipfsConfigOf(env)) return false;
  const db = openDatabase(env.DB);
  const event = createEvent('ipfs.video_uploaded', { videoId: video.id, creatorId: video.creatorId }, actorId, now);
  await db.batch([queueJobStatement(db, 'store', video.id, now), ...outboxStatements(db, [event])]);
  waitUntil(relay(db, queuesOf(env), [event]).catch(() => {}));
  return true;
}
