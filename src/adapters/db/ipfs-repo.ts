// Storage records: per-file CIDs, video roots and sizes, pins per node, jobs, quotas (ipfs-schema.ts).
// Writes are upserts keyed on what they describe, so a retried job rewrites rows instead of duplicating them.
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { StorageJobKind, StorageJobState } from '../../domain/storage/jobs';
import { storageJobId } from '../../domain/storage/jobs';
import type { Database } from './client';
import { ipfsFiles, ipfsJobs, ipfsPins, storageQuotas, videoStorage } from './ipfs-schema';
import { videos } from './schema';

export type IpfsFileRow = typeof ipfsFiles.$inferSelect;
export type IpfsPinRow = typeof ipfsPins.$inferSelect;
export type IpfsJobRow = typeof ipfsJobs.$inferSelect;
export type VideoStorageRow = typeof videoStorage.$inferSelect;

export function filesOf(db: Database, videoId: string): Promise<IpfsFileRow[]> {
  return db.select().from(ipfsFiles).where(eq(ipfsFiles.videoId, videoId)).all();
}

export function fileOf(db: Database, videoId: string, path: string): Promise<IpfsFileRow | undefined> {
  return db
    .select()
    .from(ipfsFiles)
    .where(and(eq(ipfsFiles.videoId, videoId), eq(ipfsFiles.path, path)))
    .get();
}

export function upsertFileStatement(db: Database, row: IpfsFileRow) {
  return db
    .insert(ipfsFiles)
    .values(row)
    .onConflictDoUpdate({
      target: [ipfsFiles.videoId, ipfsFiles.path],
      set: { cid: row.cid, bytes: row.bytes, dagBytes: row.dagBytes, storedAt: row.storedAt },
    });
}

export function deleteFilesStatement(db: Database, videoId: string) {
  return db.delete(ipfsFiles).where(eq(ipfsFiles.videoId, videoId));
}

export function storageOf(db: Database, videoId: string): Promise<VideoStorageRow | undefined> {
  return db.select().from(videoStorage).where(eq(videoStorage.videoId, videoId)).get();
}

/** Reserves (or re-sizes) a video's bytes when its manifest is accepted; a new manifest forgets the old root. */
export function reserveStorageStatement(db: Database, row: { videoId: string; creatorId: string; bytes: number }, now: number) {
  return db
    .insert(videoStorage)
    .values({ ...row, rootCid: null, storedAt: null, updatedAt: now })
    .onConflictDoUpdate({ target: videoStorage.videoId, set: { bytes: row.bytes, rootCid: null, storedAt: null, updatedAt: now } });
}

export function markStoredStatement(db: Database, videoId: string, rootCid: string, now: number) {
  return db.update(videoStorage).set({ rootCid, storedAt: now, updatedAt: now }).where(eq(videoStorage.videoId, videoId));
}

/** Bytes a creator's videos occupy (every video with an accepted manifest). */
export async function usedBytesOf(db: Database, creatorId: string): Promise<number> {
  const row = await db
    .select({ total: sql<number>`coalesce(sum(${videoStorage.bytes}), 0)` })
    .from(videoStorage)
    .where(eq(videoStorage.creatorId, creatorId))
    .get();
  return Number(row?.total ?? 0);
}

export async function quotaOf(db: Database, creatorId: string, fallbackBytes: number): Promise<number> {
  const row = await db.select().from(storageQuotas).where(eq(storageQuotas.creatorId, creatorId)).get();
  return row?.quotaBytes ?? fallbackBytes;
}

export function setQuotaStatement(db: Database, creatorId: string, quotaBytes: number, now: number) {
  return db
    .insert(storageQuotas)
    .values({ creatorId, quotaBytes, updatedAt: now })
    .onConflictDoUpdate({ target: storageQuotas.creatorId, set: { quotaBytes, updatedAt: now } });
}

/** Root CIDs of stored videos that still exist (videoId → rootCid). */
export async function liveRoots(db: Database): Promise<Map<string, string>> {
  const rows = await db
    .select({ videoId: videoStorage.videoId, rootCid: videoStorage.rootCid })
    .from(videoStorage)
    .innerJoin(videos, eq(videos.id, videoStorage.videoId))
    .where(isNotNull(videoStorage.rootCid))
    .all();
  return new Map(rows.map((row) => [row.videoId, row.rootCid as string]));
}

export function pinsOf(db: Database, filter: { videoId?: string } = {}): Promise<IpfsPinRow[]> {
  const query = db.select().from(ipfsPins);
  return (filter.videoId ? query.where(eq(ipfsPins.videoId, filter.videoId)) : query).all();
}

export function recordPinStatement(db: Database, row: { cid: string; node: string; videoId: string }, now: number) {
  return db
    .insert(ipfsPins)
    .values({ ...row, pinnedAt: now, verifiedAt: now })
    .onConflictDoUpdate({ target: [ipfsPins.cid, ipfsPins.node], set: { verifiedAt: now, videoId: row.videoId } });
}

export function deletePinStatement(db: Database, cid: string, node: string) {
  return db.delete(ipfsPins).where(and(eq(ipfsPins.cid, cid), eq(ipfsPins.node, node)));
}

export function deletePinsOfVideoStatement(db: Database, videoId: string, exceptCid?: string) {
  const ofVideo = eq(ipfsPins.videoId, videoId);
  return db.delete(ipfsPins).where(exceptCid ? and(ofVideo, sql`${ipfsPins.cid} <> ${exceptCid}`) : ofVideo);
}

export function jobOf(db: Database, kind: StorageJobKind, videoId: string): Promise<IpfsJobRow | undefined> {
  return db
    .select()
    .from(ipfsJobs)
    .where(eq(ipfsJobs.id, storageJobId(kind, videoId)))
    .get();
}

/** A (re)queued job: attempts and error start over, so a new manifest gets a fresh retry budget. */
export function queueJobStatement(db: Database, kind: StorageJobKind, videoId: string, now: number) {
  const id = storageJobId(kind, videoId);
  return db
    .insert(ipfsJobs)
    .values({ id, videoId, kind, state: 'queued', attempts: 0, lastError: null, createdAt: now, updatedAt: now, completedAt: null })
    .onConflictDoUpdate({ target: ipfsJobs.id, set: { state: 'queued', attempts: 0, lastError: null, updatedAt: now, completedAt: null } });
}

export function setJobStateStatement(
  db: Database,
  kind: StorageJobKind,
  videoId: string,
  state: StorageJobState,
  now: number,
  extra: { lastError?: string | null; countAttempt?: boolean } = {},
) {
  const id = storageJobId(kind, videoId);
  return db
    .insert(ipfsJobs)
    .values({
      id,
      videoId,
      kind,
      state,
      attempts: extra.countAttempt ? 1 : 0,
      lastError: extra.lastError ?? null,
      createdAt: now,
      updatedAt: now,
      completedAt: state === 'done' ? now : null,
    })
    .onConflictDoUpdate({
      target: ipfsJobs.id,
      set: {
        state,
        updatedAt: now,
        completedAt: state === 'done' ? now : null,
        ...(extra.lastError !== undefined ? { lastError: extra.lastError } : {}),
        ...(extra.countAttempt ? { attempts: sql`${ipfsJobs.attempts} + 1` } : {}),
      },
    });
}

/** Jobs matching every filter given, most recently updated first; both filters apply in SQL, before the limit. */
export function listJobs(db: Database, filter: { state?: StorageJobState; videoId?: string }, limit: number): Promise<IpfsJobRow[]> {
  const conditions = [
    ...(filter.state ? [eq(ipfsJobs.state, filter.state)] : []),
    ...(filter.videoId ? [eq(ipfsJobs.videoId, filter.videoId)] : []),
  ];
  return db
    .select()
    .from(ipfsJobs)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(ipfsJobs.updatedAt), desc(ipfsJobs.id))
    .limit(limit)
    .all();
}

/** How many jobs are in each state. */
export function jobCountsByState(db: Database): Promise<{ state: StorageJobState; count: number }[]> {
  return db.select({ state: ipfsJobs.state, count: sql<number>`count(*)` }).from(ipfsJobs).groupBy(ipfsJobs.state).all();
}

export function jobsInState(db: Database, states: StorageJobState[], limit = 100): Promise<IpfsJobRow[]> {
  return db.select().from(ipfsJobs).where(inArray(ipfsJobs.state, states)).limit(limit).all();
}
