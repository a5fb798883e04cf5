// Open multipart uploads and the parts R2 has accepted for them (upload-schema.ts).
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from './client';
import { multipartUploadParts, multipartUploads } from './upload-schema';

export type MultipartUploadRow = typeof multipartUploads.$inferSelect;
export type UploadedPartRow = typeof multipartUploadParts.$inferSelect;

export function openUploadOf(db: Database, videoId: string, uploadId: string): Promise<MultipartUploadRow | undefined> {
  return db
    .select()
    .from(multipartUploads)
    .where(and(eq(multipartUploads.uploadId, uploadId), eq(multipartUploads.videoId, videoId)))
    .get();
}

export function openUploadsOfVideo(db: Database, videoId: string): Promise<MultipartUploadRow[]> {
  return db.select().from(multipartUploads).where(eq(multipartUploads.videoId, videoId)).orderBy(asc(multipartUploads.createdAt)).all();
}

export async function insertUpload(db: Database, row: MultipartUploadRow): Promise<void> {
  await db.insert(multipartUploads).values(row).run();
}

export function partsOf(db: Database, uploadId: string): Promise<UploadedPartRow[]> {
  return db
    .select()
    .from(multipartUploadParts)
    .where(eq(multipartUploadParts.uploadId, uploadId))
    .orderBy(asc(multipartUploadParts.partNumber))
    .all();
}

/** Records (or, for a re-sent part, replaces) a part R2 accepted. */
export async function recordPart(db: Database, row: UploadedPartRow): Promise<void> {
  await db
    .insert(multipartUploadParts)
    .values(row)
    .onConflictDoUpdate({
      target: [multipartUploadParts.uploadId, multipartUploadParts.partNumber],
      set: { etag: row.etag, bytes: row.bytes, uploadedAt: row.uploadedAt },
    })
    .run();
}

/** Forgets an upload and its parts (completed or aborted). */
export async function deleteUpload(db: Database, uploadId: string): Promise<void> {
  await db.batch([
    db.delete(multipartUploadParts).where(eq(multipartUploadParts.uploadId, uploadId)),
    db.delete(multipartUploads).where(eq(multipartUploads.uploadId, uploadId)),
  ]);
}
