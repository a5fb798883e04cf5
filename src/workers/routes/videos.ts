// The catalog: creators create and edit their videos; everyone lists and searches public ones.

import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import {
  deleteVideoStatement,
  findVideo,
  insertVideoStatements,
  type ListFilter,
  listVideos,
  searchVideos,
  toPublicVideo,
  updateVideoStatements,
  type VideoRow,
} from '../../adapters/db/videos-repo';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { checkAccessChange } from '../../app/uploads/check-access-change';
import { canEdit, canView, toFtsQuery } from '../../domain/catalog';
import { CLEAR_CONTENT_MESSAGE } from '../../domain/content-encryption';
import { createEvent } from '../../domain/events';
import { newId } from '../../domain/ids';
import { decodeCursor, toPage } from '../../domain/pagination';
import { keysetFromCursor } from '../cursor';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { principalOf, requireAuth, viewerOf } from '../middleware/auth';
import {
  bearerOrKeySecurity,
  createRouter,
  ErrorSchema,
  errorResponses,
  jsonBody,
  jsonResponse,
  PaginationQuery,
  pageOf,
} from '../openapi';
import { CreateVideoBody, UpdateVideoBody, VideoIdParam, VideoSchema } from '../schemas';

export const videoRoutes = createRouter();

const VideoPage = pageOf(VideoSchema, 'VideoPage');

const ListQuery = z.strictObject({
  q: z.string().max(200).optional().openapi({ description: 'Full-text search over title, tags and description' }),
  tag: z.string().trim().toLowerCase().min(1).max(32).optional(),
  creatorId: z
    .string()
    .regex(/^usr_[a-z0-9]{6,40}$/, 'Not a user id')
    .optional(),
  language: z.string().max(35).optional(),
  ...PaginationQuery,
});

type Video = VideoRow & { creatorName: string };

/** Shared by the public catalog and "my videos": search by rank offset, browse by (createdAt, id) keyset. */
async function pageOfVideos(c: { env: { DB: D1Database } }, query: z.infer<typeof ListQuery>, filter: ListFilter) {
  const db = openDatabase(c.env.DB);
  const ftsQuery = query.q ? toFtsQuery(query.q) : null;
  if (ftsQuery) {
    const key = query.cursor ? decodeCursor(query.cursor, ['number']) : [0];
    if (!key) throw badRequest('Invalid cursor');
    const offset = key[0] as number;
    if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) throw badRequest('Invalid cursor');
    const rows = await searchVideos(db, ftsQuery, filter, offset, query.limit);
    return toPage(rows, query.limit, () => [offset + query.limit], toPublicVideo);
  }
  const rows = await listVideos(db, filter, keysetFromCursor(query.cursor), query.limit);
  return toPage(rows, query.limit, (row: Video) => [row.createdAt, row.id], toPublicVideo);
}

videoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos',
    tags: ['Catalog'],
    summary: 'List or search public videos',
    request: { query: ListQuery },
    responses: { 200: jsonResponse(VideoPage, 'A page of videos'), ...errorResponses(400) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const page = await pageOfVideos(c, query, {
      visibility: ['public'],
      // Only what plays: drafts and videos still being stored stay out of the catalog and search.
      status: ['ready'],
      creatorId: query.creatorId,
      language: query.language,
      tag: query.tag,
    });
    return c.json(page, 200);
  },
);

videoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me/videos',
    tags: ['Catalog'],
    summary: 'Your own videos, whatever their visibility',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:read' })] as const,
    request: { query: ListQuery.omit({ creatorId: true }) },
    responses: { 200: jsonResponse(VideoPage, 'A page of your videos'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const page = await pageOfVideos(c, query, { creatorId: principalOf(c).userId, language: query.language, tag: query.tag });
    return c.json(page, 200);
  },
);

videoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos/{id}',
    tags: ['Catalog'],
    summary: 'One video (private ones only for their creator and admins; 403 video_private for anyone else)',
    request: { params: VideoIdParam },
    responses: { 200: jsonResponse(VideoSchema, 'The video'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const video = await findVideo(openDatabase(c.env.DB), c.req.valid('param').id);
    const viewer = viewerOf(c);
    // A published private video says so (403 video_private, nothing else about it), as a shared link to one should:
    // its id is an unguessable 120-bit token, so the answer tells only someone who holds the link. Drafts and videos
    // still being stored are reported as missing, so an id never confirms that unpublished work exists.
    if (video && video.visibility === 'private' && video.status === 'ready' && !canView(video, viewer)) {
      throw new ApiError(403, 'video_private', 'This video is private: only its creator can watch it');
    }
    if (!video || !canView(video, viewer)) throw notFound('Video');
    return c.json(toPublicVideo(video), 200);
  },
);

videoRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos',
    tags: ['Catalog'],
    summary: 'Create a video entry (creators and admins)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { body: jsonBody(CreateVideoBody) },
    responses: { 201: jsonResponse(VideoSchema, 'Created'), ...errorResponses(400, 401, 403, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const principal = principalOf(c);
    const db = openDatabase(c.env.DB);
    const now = Date.now();
    const row: VideoRow = {
      id: newId('vid'),
      creatorId: principal.userId,
      ...body,
      // Free until PUT /videos/{id}/prices says otherwise: the card price always follows the price rows.
      priceCents: 0,
      currency: 'USD',
      status: 'draft',
      durationSeconds: null,
      posterPath: null,
      storyboard: null,
      statusReason: null,
      contentEncryption: 'none',
      createdAt: now,
      updatedAt: now,
    };
    const event = createEvent(
      'video.created',
      { videoId: row.id, creatorId: row.creatorId, visibility: row.visibility },
      principal.userId,
      now,
    );
    await db.batch([...insertVideoStatements(db, row), ...outboxStatements(db, [event])] as [
      ReturnType<typeof insertVideoStatements>[number],
    ]);
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    const created = await findVideo(db, row.id);
    if (!created) throw notFound('Video');
    return c.json(toPublicVideo(created), 201);
  },
);

videoRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/videos/{id}',
    tags: ['Catalog'],
    summary: 'Change a video (its creator or an admin)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { params: VideoIdParam, body: jsonBody(UpdateVideoBody) },
    responses: {
      200: jsonResponse(VideoSchema, 'Updated'),
      ...errorResponses(400, 401, 403, 404, 413),
      409: {
        description: 'published_in_clear: a video published unencrypted cannot be made private; upload it again',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const changes = c.req.valid('json');
    const principal = principalOf(c);
    const db = openDatabase(c.env.DB);
    const video = await findVideo(db, id);
    if (!video || !canView(video, principal)) throw notFound('Video');
    if (!canEdit(video, principal)) throw forbidden('Only the creator of this video or an admin can change it');
    if (changes.visibility !== undefined) {
      const allowed = await checkAccessChange({ db }, video, { visibility: changes.visibility });
      if (!allowed.ok) throw conflict('published_in_clear', CLEAR_CONTENT_MESSAGE);
    }
    const now = Date.now();
    const event = createEvent(
      'video.updated',
      { videoId: id, creatorId: video.creatorId, fields: Object.keys(changes) },
      principal.userId,
      now,
    );
    await db.batch([...updateVideoStatements(db, id, { ...changes, updatedAt: now }), ...outboxStatements(db, [event])] as [
      ReturnType<typeof updateVideoStatements>[number],
    ]);
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    const updated = await findVideo(db, id);
    if (!updated) throw notFound('Video');
    return c.json(toPublicVideo(updated), 200);
  },
);

videoRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/videos/{id}',
    tags: ['Catalog'],
    summary: 'Delete a video (its creator or an admin)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { params: VideoIdParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const principal = principalOf(c);
    const db = openDatabase(c.env.DB);
    const video = await findVideo(db, id);
    if (!video || !canView(video, principal)) throw notFound('Video');
    if (!canEdit(video, principal)) throw forbidden('Only the creator of this video or an admin can delete it');
    const event = createEvent('video.deleted', { videoId: id, creatorId: video.creatorId }, principal.userId);
    await db.batch([deleteVideoStatement(db, id), ...outboxStatements(db, [event])]);
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    return c.body(null, 204);
  },
);
