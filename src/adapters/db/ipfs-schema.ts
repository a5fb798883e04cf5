// Content-addressed storage of published videos: which IPFS content id each file got, the video's root
// directory, which configured Kubo node pins which root, the store/repair jobs, and per-creator quotas.
// Node names are the labels of IPFS_API_URLS entries (see adapters/ipfs/config.ts), never URLs or secrets.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { StorageJobState } from '../../domain/storage/jobs';
import { users, videos } from './schema';

// One row per stored file of a video (playlists, init segments, segments, manifest.json). Upserted by the
// store job, so a retried job rewrites the same rows instead of adding new ones.
export const ipfsFiles = sqliteTable(
  'ipfs_files',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    // Kubo-default CIDv0 (`Qm…`) of the file's bytes.
    cid: text('cid').notNull(),
    bytes: integer('bytes').notNull(),
    // Cumulative DAG size (Kubo's `Size`, the Tsize of the directory link).
    dagBytes: integer('dag_bytes').notNull(),
    storedAt: integer('stored_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.videoId, t.path] }), index('ipfs_files_cid').on(t.cid)],
);

// A video's storage: the bytes it occupies (counted against its creator's quota from the moment its
// manifest is accepted) and, once stored, the CID of its root directory.
export const videoStorage = sqliteTable(
  'video_storage',
  {
    videoId: text('video_id')
      .primaryKey()
      .references(() => videos.id, { onDelete: 'cascade' }),
    creatorId: text('creator_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    bytes: integer('bytes').notNull(),
    // Bytes of files stored before the manifest (a package uploaded while the browser still encodes it,
    // app/uploads/stage-package-file.ts); never more than `bytes`, the reservation they draw on.
    stagedBytes: integer('staged_bytes').notNull().default(0),
    rootCid: text('root_cid'),
    storedAt: integer('stored_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('video_storage_creator').on(t.creatorId)],
);

// Which node holds a recursive pin of which root. No foreign key to videos: after a video is deleted its
// rows stay until every node has confirmed the unpin, which is what the garbage report watches.
export const ipfsPins = sqliteTable(
  'ipfs_pins',
  {
    cid: text('cid').notNull(),
    node: text('node').notNull(),
    videoId: text('video_id').notNull(),
    pinnedAt: integer('pinned_at').notNull(),
    // Last time `pin ls` on the node confirmed it (repair cron).
    verifiedAt: integer('verified_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cid, t.node] }), index('ipfs_pins_video').on(t.videoId), index('ipfs_pins_node').on(t.node)],
);

// Store / unpin / repair jobs, one row per (kind, video). The queue message carries the work; this row is what
// operators and the admin API see, and what makes a redelivered message find the job already done.
export const ipfsJobs = sqliteTable(
  'ipfs_jobs',
  {
    id: text('id').primaryKey(),
    videoId: text('video_id').notNull(),
    kind: text('kind').$type<'store' | 'unpin' | 'repair'>().notNull(),
    state: text('state').$type<StorageJobState>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [index('ipfs_jobs_video').on(t.videoId, t.kind), index('ipfs_jobs_state').on(t.state, t.updatedAt)],
);

// A creator's storage allowance in bytes; creators without a row get STORAGE_QUOTA_BYTES (default 10 GiB).
export const storageQuotas = sqliteTable('storage_quotas', {
  creatorId: text('creator_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  quotaBytes: integer('quota_bytes').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
