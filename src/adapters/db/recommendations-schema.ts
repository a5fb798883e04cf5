// Recommendation data. Signals are written by the queue consumer (one row per viewer and video, folded as in
// domain/recommendations/signals.ts); everything else is precomputed by the hourly cron
// (workers/recommendations/precompute.ts) and replaced in place, so a request only reads short, indexed lists.
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users, videos } from './schema';

/** What one viewer did with one video: counts, maxima and flags, so events can be folded in any order. */
export const recSignals = sqliteTable(
  'rec_signals',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    // ISO 3166 alpha-2 country of the latest interaction ('' unknown): feeds trending per region.
    region: text('region').notNull().default(''),
    views: integer('views').notNull().default(0),
    maxWatchFraction: real('max_watch_fraction').notNull().default(0),
    completed: integer('completed', { mode: 'boolean' }).notNull().default(false),
    liked: integer('liked', { mode: 'boolean' }).notNull().default(false),
    purchased: integer('purchased', { mode: 'boolean' }).notNull().default(false),
    followed: integer('followed', { mode: 'boolean' }).notNull().default(false),
    skipped: integer('skipped', { mode: 'boolean' }).notNull().default(false),
    firstAt: integer('first_at').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.videoId] }),
    // A viewer's history, most recent first (request path).
    index('rec_signals_user_last').on(t.userId, t.lastAt),
    // The precomputation reads the recent window.
    index('rec_signals_last').on(t.lastAt),
    index('rec_signals_video').on(t.videoId),
  ],
);

/** Top-k neighbours of each video: 'collaborative' (item-item cosine) or 'content' (TF-IDF cosine). */
export const recNeighbours = sqliteTable(
  'rec_neighbours',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'collaborative' | 'content'>().notNull(),
    neighbourId: text('neighbour_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    score: real('score').notNull(),
    // Precomputation run that wrote the row; rows of older runs are deleted once a run has written all of its own.
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.videoId, t.kind, t.neighbourId] }), index('rec_neighbours_computed').on(t.computedAt)],
);

/** Trending per region ('' = everywhere): decayed signal weight summed over viewers. */
export const recTrending = sqliteTable(
  'rec_trending',
  {
    region: text('region').notNull(),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    score: real('score').notNull(),
    viewers: integer('viewers').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.videoId] }),
    index('rec_trending_region_score').on(t.region, t.score),
    index('rec_trending_computed').on(t.computedAt),
  ],
);

/** Swarm health per video and region, summarised from peer_sessions (analytics) for P2P-aware re-ranking. */
export const recSwarmHealth = sqliteTable(
  'rec_swarm_health',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    peers: integer('peers').notNull(),
    offloadRatio: real('offload_ratio'),
    quality: real('quality'),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.videoId, t.region] }), index('rec_swarm_health_computed').on(t.computedAt)],
);

/**
 * Each active viewer's personal candidates from the last precomputation, best first (domain precompute.ts
 * viewerCandidates): summed collaborative and content evidence and the strongest seed, so "for you" is one indexed
 * read; trending, swarm health, the listing and what was seen since are applied on request.
 */
export const recViewerCandidates = sqliteTable(
  'rec_viewer_candidates',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    rank: integer('rank').notNull(),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    collaborative: real('collaborative').notNull(),
    content: real('content').notNull(),
    // The history video that contributed most (the "because you watched").
    seedId: text('seed_id').notNull(),
    contribution: real('contribution').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.rank] }), index('rec_viewer_candidates_computed').on(t.computedAt)],
);
