// Resumable multipart uploads of large video files (routes/video-uploads.ts).
//
// Why D1 and not R2 alone: the Workers R2 binding can create, resume, complete and abort a multipart upload but
// cannot list its parts (no ListParts), and completing needs every part's etag. A creator page that reloads
// must learn which parts are already stored, so every uploaded part's etag is recorded here the moment R2
// accepts it. R2 custom metadata would not do: it is fixed when the upload is created.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users, videos } from './schema';

// One row per open multipart upload: one file of a video's manifest, cut into `parts` parts of `partBytes`.
// Deleted when the upload completes or is aborted (the parts go with it). URLs carry our own `upl_…` id: R2's
// upload ids are long opaque strings that need not be safe in a path segment.
export const multipartUploads = sqliteTable(
  'multipart_uploads',
  {
    uploadId: text('upload_id').primaryKey(),
    r2UploadId: text('r2_upload_id').notNull(),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    // Relative to manifest.json, as in the manifest.
    path: text('path').notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    fileBytes: integer('file_bytes').notNull(),
    sha256: text('sha256').notNull(),
    partBytes: integer('part_bytes').notNull(),
    parts: integer('parts').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('multipart_uploads_video_path').on(t.videoId, t.path)],
);

// A part R2 has accepted, with the etag completion needs. Re-sending a part replaces its row (R2 keeps the
// last upload of a part number).
export const multipartUploadParts = sqliteTable(
  'multipart_upload_parts',
  {
    uploadId: text('upload_id')
      .notNull()
      .references(() => multipartUploads.uploadId, { onDelete: 'cascade' }),
    partNumber: integer('part_number').notNull(),
    etag: text('etag').notNull(),
    bytes: integer('bytes').notNull(),
    uploadedAt: integer('uploaded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.partNumber] })],
);
