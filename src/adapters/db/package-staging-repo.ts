// The storage reservation of a package uploaded before its manifest exists (app/uploads): how many bytes the
// creator's quota holds for it and how many of them staged files have used. Same row as the manifest's
// reservation (video_storage), which later replaces the estimate with the exact size.
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from './client';
import { videoStorage } from './ipfs-schema';

export function reservePackageStatement(
  db: Database,
  row: { videoId: string; creatorId: string; bytes: number; stagedBytes: number },
  now: number,
) {
  return db
    .insert(videoStorage)
    .values({ ...row, rootCid: null, storedAt: null, updatedAt: now })
    .onConflictDoUpdate({
      target: videoStorage.videoId,
      set: { bytes: row.bytes, stagedBytes: row.stagedBytes, rootCid: null, storedAt: null, updatedAt: now },
    });
}

/**
 * Adds `bytes` to the video's staged total if the reservation still has room for them, in one statement, so
 * parallel uploads cannot together overdraw it. False when there is no reservation or no room.
 */
export async function drawStagedBytes(db: Database, videoId: string, bytes: number, now: number): Promise<boolean> {
  const rows = await db
    .update(videoStorage)
    .set({ stagedBytes: sql`${videoStorage.stagedBytes} + ${bytes}`, updatedAt: now })
    .where(and(eq(videoStorage.videoId, videoId), sql`${videoStorage.stagedBytes} + ${bytes} <= ${videoStorage.bytes}`))
    .returning({ videoId: videoStorage.videoId });
  return rows.length > 0;
}

/** Gives back what a refused upload drew (R2 rejected its checksum, nothing was stored). */
export async function returnStagedBytes(db: Database, videoId: string, bytes: number, now: number): Promise<void> {
  await db
    .update(videoStorage)
    .set({ stagedBytes: sql`max(0, ${videoStorage.stagedBytes} - ${bytes})`, updatedAt: now })
    .where(eq(videoStorage.videoId, videoId));
}
