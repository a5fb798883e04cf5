// Catalog storage. Listing uses keyset pagination on (created_at, id) backed by the
// videos_visibility_created / videos_creator_created indexes; search goes through the videos_fts FTS5
// table ranked by bm25 (title ×10, tags ×4, description ×1), paginated by rank offset.

import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { VideoStatus, Visibility } from '../../domain/catalog';
import type { PackageFacts } from '../../domain/packaging/manifest';
import { packageFileUrl } from '../../domain/packaging/paths';
import type { Database } from './client';
import { beforeKeyset, type Keyset } from './keyset';
import { users, videos, videoTags } from './schema';

export type VideoRow = typeof videos.$inferSelect;
export type VideoWithCreator = VideoRow & { creatorName: string };

export function toPublicVideo(row: VideoWithCreator) {
  return {
    id: row.id,
    creatorId: row.creatorId,
    creatorName: row.creatorName,
    title: row.title,
    description: row.description,
    tags: row.tags,
    language: row.language,
    priceCents: row.priceCents,
    currency: row.currency,
    visibility: row.visibility,
    status: row.status,
    durationSeconds: row.durationSeconds,
    // Poster and storyboard are files of the package, served by the same route as its segments.
    posterUrl: row.posterPath ? packageFileUrl(row.id, row.posterPath) : null,
    storyboard: row.storyboard ? { ...row.storyboard, url: packageFileUrl(row.id, row.storyboard.path) } : null,
    statusReason: row.statusReason,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

const withCreator = { ...getColumns(), creatorName: users.displayName };
function getColumns() {
  return {
    id: videos.id,
    creatorId: videos.creatorId,
    title: videos.title,
    description: videos.description,
    tags: videos.tags,
    language: videos.language,
    priceCents: videos.priceCents,
    currency: videos.currency,
    visibility: videos.visibility,
    status: videos.status,
    durationSeconds: videos.durationSeconds,
    posterPath: videos.posterPath,
    storyboard: videos.storyboard,
    statusReason: videos.statusReason,
    contentEncryption: videos.contentEncryption,
    createdAt: videos.createdAt,
    updatedAt: videos.updatedAt,
  };
}

export async function findVideo(db: Database, id: string): Promise<VideoWithCreator | undefined> {
  return db.select(withCreator).from(videos).innerJoin(users, eq(users.id, videos.creatorId)).where(eq(videos.id, id)).get();
}

export interface ListFilter {
  visibility?: Visibility[];
  status?: VideoStatus[];
  creatorId?: string;
  language?: string;
  tag?: string;
}

function filterConditions(filter: ListFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.visibility) conditions.push(inArray(videos.visibility, filter.visibility));
  if (filter.status) conditions.push(inArray(videos.status, filter.status));
  if (filter.creatorId) conditions.push(eq(videos.creatorId, filter.creatorId));
  if (filter.language) conditions.push(eq(videos.language, filter.language));
  if (filter.tag) {
    conditions.push(
      inArray(videos.id, sql`(SELECT ${videoTags.videoId} FROM ${videoTags} WHERE ${videoTags.tag} = ${filter.tag.toLowerCase()})`),
    );
  }
  return conditions;
}

/** Newest first; `after` is the (createdAt, id) of the last row of the previous page. */
export async function listVideos(db: Database, filter: ListFilter, after: Keyset | null, limit: number) {
  const conditions = filterConditions(filter);
  if (after) conditions.push(beforeKeyset(videos.createdAt, videos.id, after));
  return db
    .select(withCreator)
    .from(videos)
    .innerJoin(users, eq(users.id, videos.creatorId))
    .where(and(...conditions))
    .orderBy(desc(videos.createdAt), desc(videos.id))
    .limit(limit + 1)
    .all();
}

// The FTS5 index (migrations/0001_catalog_search.sql). Declared here for queries only, not in schema.ts,
// because drizzle-kit cannot generate virtual tables.
const videosFts = sqliteTable('videos_fts', { title: text('title'), description: text('description'), tags: text('tags') });

/** Best match first; `offset` counts rows already returned. */
export async function searchVideos(db: Database, ftsQuery: string, filter: ListFilter, offset: number, limit: number) {
  return db
    .select(withCreator)
    .from(videosFts)
    .innerJoin(videos, sql`${videos}.rowid = ${videosFts}.rowid`)
    .innerJoin(users, eq(users.id, videos.creatorId))
    .where(and(sql`${videosFts} MATCH ${ftsQuery}`, ...filterConditions(filter)))
    .orderBy(sql`bm25(${videosFts}, 10.0, 1.0, 4.0)`, desc(videos.createdAt), desc(videos.id))
    .limit(limit + 1)
    .offset(offset)
    .all();
}

export function insertVideoStatements(db: Database, row: VideoRow) {
  return [db.insert(videos).values(row), ...tagStatements(db, row.id, row.tags)];
}

function tagStatements(db: Database, videoId: string, tags: string[]) {
  return tags.length === 0 ? [] : [db.insert(videoTags).values(tags.map((tag) => ({ videoId, tag })))];
}

export function updateVideoStatements(db: Database, id: string, changes: Partial<VideoRow>) {
  const statements = [db.update(videos).set(changes).where(eq(videos.id, id))];
  if (changes.tags) {
    return [...statements, db.delete(videoTags).where(eq(videoTags.videoId, id)), ...tagStatements(db, id, changes.tags)];
  }
  return statements;
}

export function deleteVideoStatement(db: Database, id: string) {
  return db.delete(videos).where(eq(videos.id, id));
}

/** Duration and stills of the package being published (domain/packaging packageFacts). */
export function recordPackageFactsStatement(db: Database, id: string, facts: PackageFacts, now: number) {
  return db
    .update(videos)
    .set({
      durationSeconds: facts.durationSeconds,
      posterPath: facts.posterPath,
      storyboard: facts.storyboard,
      contentEncryption: facts.contentEncryption,
      updatedAt: now,
    })
    .where(eq(videos.id, id));
}
