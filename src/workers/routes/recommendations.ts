// Recommendations: what to watch next, similar videos, trending per region, and the interaction signals that
// feed them. Requests read precomputed lists (hourly cron, workers/recommendations/precompute.ts) and do only
// light scoring (domain/recommendations/hybrid.ts). D1 round trips are what a request waits for, so each is a
// db.batch() of indexed reads and every candidate list carries its videos' listing and swarm-health facts in the
// same statement (left joins): "for you" takes one round trip when the hourly job stored the viewer's candidate
// list (the common case), two for a viewer new since (history and trending, then the seeds' neighbours); similar
// videos and trending one each after their own lookups.
// Interactions go through the transactional outbox and the queue, so the player never waits on the write.

import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../adapters/db/client';
import {
  type CandidateFactsRow,
  candidateFactsOf,
  contentCandidates,
  groupNeighbours,
  historyWithTitlesQuery,
  type ListedVideo,
  type NeighbourKind,
  neighboursWithFactsQueries,
  toSummary,
  trendingWithFactsQuery,
  viewerCandidatesWithFactsQuery,
} from '../../adapters/db/recommendations-repo';
import { videos } from '../../adapters/db/schema';
import { findVideo } from '../../adapters/db/videos-repo';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { canView } from '../../domain/catalog';
import { createEvent } from '../../domain/events';
import { packageFileUrl } from '../../domain/packaging/paths';
import { rankByContent } from '../../domain/recommendations/content';
import { explanationText } from '../../domain/recommendations/explain';
import {
  accumulatePersonal,
  type BlendWeights,
  blendCandidates,
  CONTEXT_SEED_FACTOR,
  finalizeRecommendations,
  type HistoryEntry,
  mergeTrending,
  NEIGHBOURS_PER_SEED,
  type PersonalCandidate,
  type Recommendation,
  type ScoredCandidate,
  scoreCandidates,
  selectSeeds,
} from '../../domain/recommendations/hybrid';
import { swarmHealthScore } from '../../domain/recommendations/p2p-rerank';
import { INTERACTION_KINDS, isSeen, signalWeight } from '../../domain/recommendations/signals';
import type { Scored } from '../../domain/recommendations/top-k';
import { GLOBAL_REGION } from '../../domain/recommendations/trending';
import { notFound } from '../errors';
import { principalOf, requireAuth, viewerOf } from '../middleware/auth';
import { bearerOrKeySecurity, bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { recommendationCache } from '../recommendations/cache';
import { edgeLocationOf } from '../request-cf';
import { VideoIdParam, VideoIdString } from '../schemas';

export const recommendationRoutes = createRouter();

/** History rows read per request: the seeds are chosen among them, the seen ones are filtered out. */
const HISTORY_LIMIT = 100;
/** Trending entries read per list (regional and global). */
const TRENDING_READ = 50;
/** "Similar videos" blends watched-together and same-topic equally. */
const SIMILAR_BLEND: BlendWeights = { collaborative: 0.5, content: 0.5, trending: 0 };
/** Candidates a video with no precomputed lists yet (new) is compared with, by TF-IDF. */
const NEW_VIDEO_CANDIDATES = 200;

const Region = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'ISO 3166 alpha-2 country code')
  .transform((code) => code.toUpperCase());
const Limit = z.coerce.number().int().min(1).max(50).default(20).openapi({ description: 'How many videos, 1–50 (default 20)' });

const ReasonSchema = z
  .object({
    kind: z.enum(['because_you_watched', 'similar_to_current', 'popular_near_you', 'trending']),
    videoId: z.string().optional().openapi({ description: 'The video the recommendation is based on' }),
    region: z.string().optional(),
  })
  .openapi('RecommendationReason');

const RecommendationSchema = z
  .object({
    video: z.object({
      id: z.string(),
      title: z.string(),
      creatorId: z.string(),
      creatorName: z.string(),
      durationSeconds: z.number().nullable(),
      posterUrl: z.string().nullable(),
    }),
    score: z
      .number()
      .openapi({ description: 'Blended relevance after the P2P re-ranking (higher first; only comparable within one list)' }),
    reason: ReasonSchema,
    explanation: z.string().openapi({ example: 'Because you watched “Jazz piano for beginners”' }),
    p2pBoosted: z
      .boolean()
      .openapi({ description: 'A healthy swarm near you (peers, offload, quality) lifted it within the relevance tolerance' }),
  })
  .openapi('Recommendation');

const RecommendationListSchema = z
  .object({
    items: z.array(RecommendationSchema),
    region: z.string().openapi({ description: 'The region used for "popular near you" and swarm health ("" unknown)' }),
    coldStart: z.boolean().openapi({ description: 'No usable history yet: the list is trending near you' }),
  })
  .openapi('RecommendationList');

const InteractionBody = z
  .strictObject({
    videoId: VideoIdString,
    kind: z.enum(INTERACTION_KINDS).openapi({
      description: 'view (send watchFraction), complete, like, purchase, follow (the creator of the video), skip',
    }),
    watchFraction: z.number().min(0).max(1).optional().openapi({ description: 'Share of the video watched, 0–1 (views only)' }),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'view' && body.watchFraction === undefined) {
      ctx.addIssue({ code: 'custom', path: ['watchFraction'], message: 'A view needs watchFraction (0–1)', input: body });
    }
    if (body.kind !== 'view' && body.watchFraction !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['watchFraction'], message: 'watchFraction belongs to views only', input: body });
    }
  })
  .openapi('InteractionCreate');

const InteractionAcceptedSchema = z
  .object({ eventId: z.string(), status: z.literal('accepted') })
  .openapi('InteractionAccepted', { description: 'Queued: it shapes recommendations once the consumer has stored it (seconds)' });

/** ISO country of the request (Cloudflare's request.cf), '' when unknown. */
function regionOf(request: Request): string {
  return edgeLocationOf(request).country ?? '';
}

interface CandidateFacts {
  listed: Map<string, ListedVideo>;
  health: Map<string, number>;
}

const emptyFacts = (): CandidateFacts => ({ listed: new Map(), health: new Map() });

/** Collects the listed videos and (with a region) swarm health scores carried by candidate rows. */
function collectFacts(facts: CandidateFacts, rows: readonly CandidateFactsRow[], region: string): void {
  for (const row of rows) {
    if (row.title !== null && row.creatorId !== null && row.creatorName !== null) {
      facts.listed.set(row.id, {
        id: row.id,
        title: row.title,
        creatorId: row.creatorId,
        creatorName: row.creatorName,
        durationSeconds: row.durationSeconds,
        posterUrl: row.posterPath ? packageFileUrl(row.id, row.posterPath) : null,
      });
    }
    if (region && row.peers !== null) {
      facts.health.set(row.id, swarmHealthScore({ peers: row.peers, offloadRatio: row.offloadRatio, quality: row.quality }));
    }
  }
}

/** Re-ranks, diversifies and explains the best `limit` of `scored`. */
function present(scored: ScoredCandidate[], limit: number, region: string, titles: Map<string, string>, facts: CandidateFacts) {
  const pool = scored.slice(0, limit * 4);
  for (const row of facts.listed.values()) titles.set(row.id, row.title);
  const chosen: Recommendation[] = finalizeRecommendations(pool, {
    limit,
    listed: (id) => facts.listed.get(id),
    healthOf: region ? (id) => facts.health.get(id) ?? 0 : undefined,
  });
  return chosen.map((item) => {
    const video = facts.listed.get(item.id) as ListedVideo;
    return {
      video,
      score: Number(item.score.toFixed(6)),
      reason: item.reason,
      explanation: explanationText(item.reason, (id) => titles.get(id)),
      p2pBoosted: item.p2pBoosted,
    };
  });
}

type NeighbourRow = CandidateFactsRow & { videoId: string; kind: NeighbourKind; score: number };

recommendationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/recommendations',
    tags: ['Recommendations'],
    summary: 'Videos to watch next, for the signed-in viewer',
    description:
      'Hybrid of item-item collaborative filtering and TF-IDF content similarity over the viewer’s history, blended with ' +
      'trending in their region; P2P-aware re-ranking within a 15 % relevance tolerance; at most two videos per creator ' +
      'while others remain; seen videos (finished, liked, skipped) left out. Without history: trending near the viewer. ' +
      'Answers are cached per user in the isolate for 30 s.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ scope: 'catalog:read' })] as const,
    request: {
      query: z.strictObject({
        limit: Limit,
        context: VideoIdString.optional().openapi({ description: 'The video being watched: "up next" is built around it' }),
      }),
    },
    responses: { 200: jsonResponse(RecommendationListSchema, 'Recommendations, best first'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { limit, context } = c.req.valid('query');
    const principal = principalOf(c);
    const region = regionOf(c.req.raw);
    const cacheKey = `rec|${principal.userId}|${limit}|${context ?? ''}|${region}`;
    const cached = recommendationCache.get<z.infer<typeof RecommendationListSchema>>(cacheKey);
    if (cached) return c.json(cached, 200, { 'Cache-Control': 'private, max-age=30', 'X-Cache': 'hit' });

    const db = openDatabase(c.env.DB);
    const now = Date.now();
    // One round trip: the context video, the history (what was seen since the last precomputation, seed titles),
    // trending, the viewer's precomputed candidates and, with a context, its own neighbours; all with their facts.
    const [contextRows, history, regional, global, precomputed, contextNeighbours] = await db.batch([
      db
        .select({ id: videos.id, title: videos.title, creatorId: videos.creatorId, visibility: videos.visibility, status: videos.status })
        .from(videos)
        .where(eq(videos.id, context ?? ''))
        .limit(1),
      historyWithTitlesQuery(db, principal.userId, HISTORY_LIMIT),
      trendingWithFactsQuery(db, region || GLOBAL_REGION, region ? TRENDING_READ : 0, region),
      trendingWithFactsQuery(db, GLOBAL_REGION, TRENDING_READ, region),
      viewerCandidatesWithFactsQuery(db, principal.userId, region),
      ...(neighboursWithFactsQueries(db, [context ?? ''], ['collaborative', 'content'], NEIGHBOURS_PER_SEED, region) as [
        ReturnType<typeof neighboursWithFactsQueries>[number],
      ]),
    ]);
    const contextVideo = contextRows[0];
    // With its status, so another creator's draft answers 404 like a missing video and its id confirms nothing.
    if (context && (!contextVideo || !canView(contextVideo, principal))) throw notFound('Video');

    const titles = new Map<string, string>(contextVideo ? [[contextVideo.id, contextVideo.title]] : []);
    for (const row of history) if (row.title !== null) titles.set(row.signal.videoId, row.title);
    const entries: HistoryEntry[] = history.map(({ signal }) => {
      const summary = toSummary(signal);
      return { videoId: signal.videoId, weight: signalWeight(summary, now), seen: isSeen(summary) };
    });
    // Seen now (the history is read live), whether or not it was when the list was precomputed.
    const exclude = new Set(entries.filter((entry) => entry.seen).map((entry) => entry.videoId));
    if (context) exclude.add(context);
    const facts = emptyFacts();
    collectFacts(facts, regional, region);
    collectFacts(facts, global, region);
    const trending = mergeTrending(regional, global);

    let scored: ScoredCandidate[];
    let coldStart: boolean;
    if (precomputed.length > 0) {
      collectFacts(facts, precomputed, region);
      const personal = new Map<string, PersonalCandidate>();
      for (const row of precomputed) {
        if (!personal.has(row.id))
          personal.set(row.id, {
            id: row.id,
            collaborative: row.collaborative,
            content: row.content,
            seedId: row.seedId,
            contribution: row.contribution,
          });
      }
      if (context) {
        // The context video is a seed worth twice the strongest one (hybrid.ts selectSeeds); its neighbours add
        // to the stored sums exactly as they would have in the hourly job.
        const rows = contextNeighbours as NeighbourRow[];
        collectFacts(facts, rows, region);
        const lists = groupNeighbours(rows);
        const strongest = selectSeeds(entries)[0]?.weight ?? 1;
        accumulatePersonal(
          {
            seeds: [{ videoId: context, weight: CONTEXT_SEED_FACTOR * strongest }],
            collaborative: (id) => lists.collaborative.get(id),
            content: (id) => lists.content.get(id),
            exclude,
          },
          personal,
        );
      }
      scored = blendCandidates(personal.values(), { context, trending, region, exclude });
      coldStart = false;
    } else {
      // No list from the last precomputation (a viewer new since): the seeds' neighbours, one more round trip.
      const seeds = selectSeeds(entries, context);
      const neighbourRows = (
        seeds.length > 0
          ? await db.batch(
              neighboursWithFactsQueries(
                db,
                seeds.map((seed) => seed.videoId),
                ['collaborative', 'content'],
                NEIGHBOURS_PER_SEED,
                region,
              ) as [ReturnType<typeof neighboursWithFactsQueries>[number]],
            )
          : []
      ).flat() as NeighbourRow[];
      collectFacts(facts, neighbourRows, region);
      const lists = groupNeighbours(neighbourRows);
      scored = scoreCandidates({
        seeds,
        context,
        collaborative: (id) => lists.collaborative.get(id),
        content: (id) => lists.content.get(id),
        trending,
        region,
        exclude,
      });
      coldStart = seeds.length === 0;
    }
    const items = present(scored, limit, region, titles, facts);
    const body = { items, region, coldStart };
    recommendationCache.set(cacheKey, body, principal.userId);
    return c.json(body, 200, { 'Cache-Control': 'private, max-age=30', 'X-Cache': 'miss' });
  },
);

recommendationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos/{id}/similar',
    tags: ['Recommendations'],
    summary: 'Videos similar to one video (watched together, same topics)',
    description:
      'Blend of precomputed collaborative and content neighbours; a video too new for the precomputation is compared by ' +
      'TF-IDF with videos sharing its tags or creator. No sign-in needed; private videos are 404 except to their creator and admins.',
    request: { params: VideoIdParam, query: z.strictObject({ limit: Limit }) },
    responses: { 200: jsonResponse(RecommendationListSchema, 'Similar videos, best first'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const region = regionOf(c.req.raw);
    const db = openDatabase(c.env.DB);
    const video = await findVideo(db, id);
    if (!video || !canView(video, viewerOf(c))) throw notFound('Video');
    const cacheKey = `similar|${id}|${limit}|${region}`;
    const cached = recommendationCache.get<z.infer<typeof RecommendationListSchema>>(cacheKey);
    if (cached) return c.json(cached, 200, { 'Cache-Control': 'public, max-age=60', 'X-Cache': 'hit' });

    const rows = (
      await db.batch(
        neighboursWithFactsQueries(db, [id], ['collaborative', 'content'], 50, region) as [
          ReturnType<typeof neighboursWithFactsQueries>[number],
        ],
      )
    ).flat() as NeighbourRow[];
    const facts = emptyFacts();
    collectFacts(facts, rows, region);
    const lists = groupNeighbours(rows);
    let content: Scored[] | undefined = lists.content.get(id);
    if (!content && !lists.collaborative.get(id)) {
      // Cold start of a new video: nothing precomputed yet, so compare it with its likeliest neighbours now.
      const candidates = await contentCandidates(db, video, NEW_VIDEO_CANDIDATES);
      content = rankByContent(video, candidates, 30);
    }
    const scored = scoreCandidates({
      seeds: [{ videoId: id, weight: 1 }],
      context: id,
      collaborative: (seed) => lists.collaborative.get(seed),
      content: (seed) => (seed === id ? content : undefined),
      trending: [],
      region,
      exclude: new Set([id]),
      weights: SIMILAR_BLEND,
    });
    // A new video's TF-IDF candidates carry no facts: one more read for the few that made the pool.
    const missing = scored
      .slice(0, limit * 4)
      .map((candidate) => candidate.id)
      .filter((candidateId) => !facts.listed.has(candidateId));
    if (missing.length > 0) collectFacts(facts, await candidateFactsOf(db, missing, region), region);
    const items = present(scored, limit, region, new Map([[id, video.title]]), facts);
    const body = { items, region, coldStart: false };
    // Public videos only: a private video's neighbours must not be served to someone else from the cache.
    if (video.visibility !== 'private') recommendationCache.set(cacheKey, body, '');
    return c.json(body, 200, {
      'Cache-Control': video.visibility === 'private' ? 'private, no-store' : 'public, max-age=60',
      'X-Cache': 'miss',
    });
  },
);

recommendationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/trending',
    tags: ['Recommendations'],
    summary: 'Trending videos in a region (default: the caller’s), topped up from everywhere',
    request: {
      query: z.strictObject({
        region: Region.optional().openapi({ description: 'ISO 3166 alpha-2 country; default the country of the request' }),
        limit: Limit,
      }),
    },
    responses: { 200: jsonResponse(RecommendationListSchema, 'Trending videos, best first'), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const region = query.region ?? regionOf(c.req.raw);
    const cacheKey = `trending|${region}|${query.limit}`;
    const cached = recommendationCache.get<z.infer<typeof RecommendationListSchema>>(cacheKey);
    if (cached) return c.json(cached, 200, { 'Cache-Control': 'public, max-age=60', 'X-Cache': 'hit' });
    const db = openDatabase(c.env.DB);
    const [regional, global] = await db.batch([
      trendingWithFactsQuery(db, region || GLOBAL_REGION, region ? TRENDING_READ : 0, region),
      trendingWithFactsQuery(db, GLOBAL_REGION, TRENDING_READ, region),
    ]);
    const facts = emptyFacts();
    collectFacts(facts, regional, region);
    collectFacts(facts, global, region);
    const scored = scoreCandidates({
      seeds: [],
      collaborative: () => undefined,
      content: () => undefined,
      trending: mergeTrending(regional, global),
      region,
      exclude: new Set(),
    });
    const items = present(scored, query.limit, region, new Map(), facts);
    const body = { items, region, coldStart: false };
    recommendationCache.set(cacheKey, body, '');
    return c.json(body, 200, { 'Cache-Control': 'public, max-age=60', 'X-Cache': 'miss' });
  },
);

recommendationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/interactions',
    tags: ['Recommendations'],
    summary: 'Record what the signed-in viewer did with a video (implicit feedback)',
    description:
      'Queued through the transactional outbox and folded into the viewer’s signals by the queue consumer; the ' +
      'recommendations reflect it within seconds (and after at most 30 s of cached answers elsewhere).',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    request: { body: jsonBody(InteractionBody) },
    responses: { 202: jsonResponse(InteractionAcceptedSchema, 'Accepted'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const principal = principalOf(c);
    const db = openDatabase(c.env.DB);
    const video = await findVideo(db, body.videoId);
    if (!video || !canView(video, principal)) throw notFound('Video');
    const event = createEvent(
      'interaction.recorded',
      {
        userId: principal.userId,
        videoId: body.videoId,
        kind: body.kind,
        watchFraction: body.kind === 'view' ? (body.watchFraction ?? 0) : null,
        region: regionOf(c.req.raw),
      },
      principal.userId,
    );
    const [insert] = outboxStatements(db, [event]);
    if (insert) await insert.run();
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    recommendationCache.invalidate(principal.userId);
    return c.json({ eventId: event.id, status: 'accepted' as const }, 202);
  },
);
