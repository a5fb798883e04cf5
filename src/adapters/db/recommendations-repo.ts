// Recommendation storage: the signal upsert of the queue consumer, the short indexed reads of the request path,
// and the bulk reads and writes of the hourly precomputation. D1 takes at most 100 bound parameters per
// statement, so multi-row writes go in chunks below that and many statements per db.batch() round trip.
import { and, desc, eq, gt, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { chunk } from '../../domain/collections';
import type { PersonalCandidate } from '../../domain/recommendations/hybrid';
import { emptySignal, foldInteraction, type Interaction, type SignalSummary } from '../../domain/recommendations/signals';
import type { Scored } from '../../domain/recommendations/top-k';
import type { Database } from './client';
import { peerSessions, recNeighbours, recSignals, recSwarmHealth, recTrending, recViewerCandidates, users, videos } from './schema';

export type SignalRow = typeof recSignals.$inferSelect;
export type NeighbourKind = 'collaborative' | 'content';

/**
 * The catalog lists public videos that are ready to play (routes/videos.ts GET /videos: visibility public, status
 * ready); recommendations list exactly those.
 */
export const LISTED_VISIBILITY = 'public' as const;
export const LISTED_STATUS = 'ready' as const;
const isListed = () => and(eq(videos.visibility, LISTED_VISIBILITY), eq(videos.status, LISTED_STATUS));

const PARAMS_PER_STATEMENT = 90;
const STATEMENTS_PER_BATCH = 50;

export function toSummary(row: SignalRow): SignalSummary {
  return {
    views: row.views,
    maxWatchFraction: row.maxWatchFraction,
    completed: row.completed,
    liked: row.liked,
    purchased: row.purchased,
    followed: row.followed,
    skipped: row.skipped,
    firstAt: row.firstAt,
    lastAt: row.lastAt,
  };
}

/**
 * Folds one interaction into the (user, video) row: the same rules as domain foldInteraction (counts add,
 * maxima and flags take the larger), written as an upsert so concurrent consumers cannot lose an update.
 */
export function upsertSignalStatement(db: Database, userId: string, videoId: string, region: string, interaction: Interaction) {
  const row = foldInteraction(emptySignal(interaction.at), interaction);
  return db
    .insert(recSignals)
    .values({ userId, videoId, region, ...row })
    .onConflictDoUpdate({
      target: [recSignals.userId, recSignals.videoId],
      set: {
        views: sql`${recSignals.views} + excluded.views`,
        maxWatchFraction: sql`max(${recSignals.maxWatchFraction}, excluded.max_watch_fraction)`,
        completed: sql`max(${recSignals.completed}, excluded.completed)`,
        liked: sql`max(${recSignals.liked}, excluded.liked)`,
        purchased: sql`max(${recSignals.purchased}, excluded.purchased)`,
        followed: sql`max(${recSignals.followed}, excluded.followed)`,
        skipped: sql`max(${recSignals.skipped}, excluded.skipped)`,
        region: sql`CASE WHEN excluded.region <> '' AND excluded.last_at >= ${recSignals.lastAt} THEN excluded.region ELSE ${recSignals.region} END`,
        firstAt: sql`min(${recSignals.firstAt}, excluded.first_at)`,
        lastAt: sql`max(${recSignals.lastAt}, excluded.last_at)`,
      },
    });
}

// ---- request path -------------------------------------------------------------------------------------------

/**
 * The neighbours of each kind of each video ranked by score (row_number over the primary key's video_id, kind
 * prefix): callers keep the best few, so only what the scoring uses crosses from D1 to the Worker.
 */
function rankedNeighbours(db: Database, ids: string[], kinds: readonly NeighbourKind[]) {
  return db
    .select({
      videoId: recNeighbours.videoId,
      kind: recNeighbours.kind,
      id: recNeighbours.neighbourId,
      score: recNeighbours.score,
      rank: sql<number>`row_number() OVER (PARTITION BY ${recNeighbours.videoId}, ${recNeighbours.kind} ORDER BY ${recNeighbours.score} DESC)`.as(
        'rank',
      ),
    })
    .from(recNeighbours)
    .where(and(inArray(recNeighbours.videoId, ids), inArray(recNeighbours.kind, [...kinds])))
    .as('ranked');
}

export function groupNeighbours(rows: { videoId: string; kind: NeighbourKind; id: string; score: number }[]) {
  const lists: Record<NeighbourKind, Map<string, Scored[]>> = { collaborative: new Map(), content: new Map() };
  for (const row of rows) {
    const map = lists[row.kind];
    const list = map.get(row.videoId) ?? [];
    list.push({ id: row.id, score: row.score });
    map.set(row.videoId, list);
  }
  for (const map of Object.values(lists)) for (const list of map.values()) list.sort((a, b) => b.score - a.score);
  return lists;
}

/**
 * What a candidate list row carries besides its score, joined in the same statement so that serving needs no
 * separate round trip for it: the listed video (null columns when the video is not listed) and its swarm health
 * in the viewer's region (null columns when unknown). Left joins keep every ranked row, so the scores a list is
 * normalised by are the same whether or not a candidate is still listed.
 */
const candidateFacts = {
  title: videos.title,
  creatorId: videos.creatorId,
  creatorName: users.displayName,
  durationSeconds: videos.durationSeconds,
  posterPath: videos.posterPath,
  peers: recSwarmHealth.peers,
  offloadRatio: recSwarmHealth.offloadRatio,
  quality: recSwarmHealth.quality,
};

export interface CandidateFactsRow {
  id: string;
  title: string | null;
  creatorId: string | null;
  creatorName: string | null;
  durationSeconds: number | null;
  posterPath: string | null;
  peers: number | null;
  offloadRatio: number | null;
  quality: number | null;
}

/** Trending in `region` with each entry's facts (see candidateFacts; health in `healthRegion`). */
export function trendingWithFactsQuery(db: Database, region: string, limit: number, healthRegion: string) {
  return db
    .select({ id: recTrending.videoId, score: recTrending.score, ...candidateFacts })
    .from(recTrending)
    .leftJoin(videos, and(eq(videos.id, recTrending.videoId), isListed()))
    .leftJoin(users, eq(users.id, videos.creatorId))
    .leftJoin(recSwarmHealth, and(eq(recSwarmHealth.videoId, recTrending.videoId), eq(recSwarmHealth.region, healthRegion)))
    .where(eq(recTrending.region, region))
    .orderBy(desc(recTrending.score), recTrending.videoId)
    .limit(limit);
}

/** neighbourQueries with each neighbour's facts (see candidateFacts; health in `healthRegion`). */
export function neighboursWithFactsQueries(
  db: Database,
  videoIds: readonly string[],
  kinds: readonly NeighbourKind[],
  perVideo: number,
  healthRegion: string,
) {
  return chunk(videoIds, PARAMS_PER_STATEMENT - kinds.length - 2).map((ids) => {
    const ranked = rankedNeighbours(db, ids, kinds);
    return db
      .select({ videoId: ranked.videoId, kind: ranked.kind, id: ranked.id, score: ranked.score, ...candidateFacts })
      .from(ranked)
      .leftJoin(videos, and(eq(videos.id, ranked.id), isListed()))
      .leftJoin(users, eq(users.id, videos.creatorId))
      .leftJoin(recSwarmHealth, and(eq(recSwarmHealth.videoId, ranked.id), eq(recSwarmHealth.region, healthRegion)))
      .where(sql`${ranked.rank} <= ${perVideo}`);
  });
}

/** The facts of listed videos among `ids` (for candidates that came without them), in one round trip. */
export async function candidateFactsOf(db: Database, ids: readonly string[], healthRegion: string): Promise<CandidateFactsRow[]> {
  const statements = chunk([...new Set(ids)], PARAMS_PER_STATEMENT - 3).map((part) =>
    db
      .select({ id: videos.id, ...candidateFacts })
      .from(videos)
      .innerJoin(users, eq(users.id, videos.creatorId))
      .leftJoin(recSwarmHealth, and(eq(recSwarmHealth.videoId, videos.id), eq(recSwarmHealth.region, healthRegion)))
      .where(and(inArray(videos.id, part), isListed())),
  );
  if (statements.length === 0) return [];
  return (await db.batch(statements as [(typeof statements)[number]])).flat();
}

/**
 * The viewer's precomputed personal candidates, best first, each with its facts (see candidateFacts; health in
 * `healthRegion`): one primary-key range read. Empty when the last precomputation had no list for the viewer.
 */
export function viewerCandidatesWithFactsQuery(db: Database, userId: string, healthRegion: string) {
  return db
    .select({
      id: recViewerCandidates.videoId,
      collaborative: recViewerCandidates.collaborative,
      content: recViewerCandidates.content,
      seedId: recViewerCandidates.seedId,
      contribution: recViewerCandidates.contribution,
      ...candidateFacts,
    })
    .from(recViewerCandidates)
    .leftJoin(videos, and(eq(videos.id, recViewerCandidates.videoId), isListed()))
    .leftJoin(users, eq(users.id, videos.creatorId))
    .leftJoin(recSwarmHealth, and(eq(recSwarmHealth.videoId, recViewerCandidates.videoId), eq(recSwarmHealth.region, healthRegion)))
    .where(eq(recViewerCandidates.userId, userId))
    .orderBy(recViewerCandidates.rank);
}

/** The viewer's most recent signals, with the title of each video that is listed (for explanations). */
export function historyWithTitlesQuery(db: Database, userId: string, limit: number) {
  return db
    .select({ signal: recSignals, title: videos.title })
    .from(recSignals)
    .leftJoin(videos, and(eq(videos.id, recSignals.videoId), isListed()))
    .where(eq(recSignals.userId, userId))
    .orderBy(desc(recSignals.lastAt))
    .limit(limit);
}

export interface ListedVideo {
  id: string;
  title: string;
  creatorId: string;
  creatorName: string;
  durationSeconds: number | null;
  posterUrl: string | null;
}

/** Videos sharing a tag or the creator with `videoId` (candidates for a video not yet precomputed). */
export async function contentCandidates(db: Database, video: { id: string; creatorId: string; tags: string[] }, limit: number) {
  const tags = video.tags.slice(0, 20).map((tag) => tag.toLowerCase());
  const sharesTag =
    tags.length > 0
      ? sql`${videos.id} IN (SELECT video_id FROM video_tags WHERE tag IN (${sql.join(
          tags.map((tag) => sql`${tag}`),
          sql`, `,
        )}))`
      : sql`0`;
  return db
    .select({
      id: videos.id,
      title: videos.title,
      description: videos.description,
      tags: videos.tags,
      language: videos.language,
      creatorId: videos.creatorId,
    })
    .from(videos)
    .where(and(isListed(), sql`${videos.id} <> ${video.id}`, or(eq(videos.creatorId, video.creatorId), sharesTag)))
    .orderBy(desc(videos.createdAt))
    .limit(limit)
    .all();
}

// ---- precomputation ---------------------------------------------------------------------------------------

/** Signals with last interaction at or after `since`, a page at a time in (user_id, video_id) order. */
export function signalsPage(db: Database, since: number, after: readonly [string, string] | null, limit: number) {
  const conditions = [sql`${recSignals.lastAt} >= ${since}`];
  if (after) conditions.push(sql`(${recSignals.userId}, ${recSignals.videoId}) > (${after[0]}, ${after[1]})`);
  return db
    .select()
    .from(recSignals)
    .where(and(...conditions))
    .orderBy(recSignals.userId, recSignals.videoId)
    .limit(limit)
    .all();
}

/** Listed videos with the text content-based similarity reads, a page at a time in id order. */
export function catalogPage(db: Database, afterId: string | null, limit: number) {
  return db
    .select({
      id: videos.id,
      title: videos.title,
      description: videos.description,
      tags: videos.tags,
      language: videos.language,
      creatorId: videos.creatorId,
    })
    .from(videos)
    .where(and(isListed(), afterId ? gt(videos.id, afterId) : undefined))
    .orderBy(videos.id)
    .limit(limit)
    .all();
}

/**
 * Swarm health per (video, country) from the analytics peer sessions seen since `since` (read-only): sessions
 * count as peers, offload is bytes from peers over all bytes, quality the mean session score. Only videos the
 * catalog still has are returned.
 */
export function swarmHealthFromAnalytics(db: Database, since: number) {
  return db
    .select({
      videoId: peerSessions.videoId,
      region: peerSessions.country,
      peers: sql<number>`count(*)`,
      bytesFromPeers: sql<number>`sum(${peerSessions.bytesFromPeers})`,
      bytesFromHttp: sql<number>`sum(${peerSessions.bytesFromHttp})`,
      quality: sql<number | null>`avg(${peerSessions.score})`,
    })
    .from(peerSessions)
    .innerJoin(videos, eq(videos.id, peerSessions.videoId))
    .where(and(sql`${peerSessions.lastSeenAt} >= ${since}`, isNotNull(peerSessions.country)))
    .groupBy(peerSessions.videoId, peerSessions.country)
    .all();
}

async function runInBatches(db: Database, statements: BatchItem<'sqlite'>[]): Promise<void> {
  for (const part of chunk(statements, STATEMENTS_PER_BATCH)) {
    if (part.length > 0) await db.batch(part as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  }
}

/**
 * Writes one precomputation run in place: upsert every row with `computedAt`, then delete the rows an older run
 * left behind. Readers never see an empty table, only old or new lists (or, briefly, both).
 */
export async function replaceNeighbours(db: Database, kind: NeighbourKind, lists: Map<string, Scored[]>, computedAt: number) {
  const rows = [...lists].flatMap(([videoId, list]) => list.map((n) => ({ videoId, kind, neighbourId: n.id, score: n.score, computedAt })));
  const statements = chunk(rows, Math.floor(PARAMS_PER_STATEMENT / 5)).map((part) =>
    db
      .insert(recNeighbours)
      .values(part)
      .onConflictDoUpdate({
        target: [recNeighbours.videoId, recNeighbours.kind, recNeighbours.neighbourId],
        set: { score: sql`excluded.score`, computedAt: sql`excluded.computed_at` },
      }),
  );
  await runInBatches(db, [
    ...statements,
    db.delete(recNeighbours).where(and(eq(recNeighbours.kind, kind), lt(recNeighbours.computedAt, computedAt))),
  ]);
  return rows.length;
}

/** Writes every viewer's candidate list in place (as replaceNeighbours): upsert by (viewer, rank), then drop older rows. */
export async function replaceViewerCandidates(db: Database, lists: Map<string, PersonalCandidate[]>, computedAt: number) {
  const rows = [...lists].flatMap(([userId, list]) =>
    list.map((candidate, rank) => ({
      userId,
      rank,
      videoId: candidate.id,
      collaborative: candidate.collaborative,
      content: candidate.content,
      seedId: candidate.seedId,
      contribution: candidate.contribution,
      computedAt,
    })),
  );
  const statements = chunk(rows, Math.floor(PARAMS_PER_STATEMENT / 8)).map((part) =>
    db
      .insert(recViewerCandidates)
      .values(part)
      .onConflictDoUpdate({
        target: [recViewerCandidates.userId, recViewerCandidates.rank],
        set: {
          videoId: sql`excluded.video_id`,
          collaborative: sql`excluded.collaborative`,
          content: sql`excluded.content`,
          seedId: sql`excluded.seed_id`,
          contribution: sql`excluded.contribution`,
          computedAt: sql`excluded.computed_at`,
        },
      }),
  );
  await runInBatches(db, [...statements, db.delete(recViewerCandidates).where(lt(recViewerCandidates.computedAt, computedAt))]);
  return rows.length;
}

export async function replaceTrending(db: Database, lists: Map<string, (Scored & { viewers: number })[]>, computedAt: number) {
  const rows = [...lists].flatMap(([region, list]) =>
    list.map((e) => ({ region, videoId: e.id, score: e.score, viewers: e.viewers, computedAt })),
  );
  const statements = chunk(rows, Math.floor(PARAMS_PER_STATEMENT / 5)).map((part) =>
    db
      .insert(recTrending)
      .values(part)
      .onConflictDoUpdate({
        target: [recTrending.region, recTrending.videoId],
        set: { score: sql`excluded.score`, viewers: sql`excluded.viewers`, computedAt: sql`excluded.computed_at` },
      }),
  );
  await runInBatches(db, [...statements, db.delete(recTrending).where(lt(recTrending.computedAt, computedAt))]);
  return rows.length;
}

export interface SwarmHealthRow {
  videoId: string;
  region: string;
  peers: number;
  offloadRatio: number | null;
  quality: number | null;
}

export async function replaceSwarmHealth(db: Database, rows: SwarmHealthRow[], computedAt: number) {
  const statements = chunk(
    rows.map((row) => ({ ...row, computedAt })),
    Math.floor(PARAMS_PER_STATEMENT / 6),
  ).map((part) =>
    db
      .insert(recSwarmHealth)
      .values(part)
      .onConflictDoUpdate({
        target: [recSwarmHealth.videoId, recSwarmHealth.region],
        set: {
          peers: sql`excluded.peers`,
          offloadRatio: sql`excluded.offload_ratio`,
          quality: sql`excluded.quality`,
          computedAt: sql`excluded.computed_at`,
        },
      }),
  );
  await runInBatches(db, [...statements, db.delete(recSwarmHealth).where(lt(recSwarmHealth.computedAt, computedAt))]);
  return rows.length;
}
