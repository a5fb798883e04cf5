// The creator studio's figures: views, earnings and prices of the videos a studio page lists.
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { videoStatsForStudio } from '../../app/studio/video-stats';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonResponse } from '../openapi';
import { VideoIdString } from '../schemas';
import { VideoStatsListSchema } from '../studio-schemas';

export const studioRoutes = createRouter();

const StatsQuery = z.strictObject({
  ids: z
    .string()
    .max(100 * 45)
    .transform((list) => list.split(',').filter(Boolean))
    .pipe(z.array(VideoIdString).min(1, 'Name at least one video').max(100, 'At most 100 videos per request'))
    .openapi({
      description: 'Comma-separated video ids (1–100), e.g. the ids of one page of GET /me/videos',
      example: 'vid_a1b2c3d4,vid_e5f6g7h8',
    }),
  creatorId: z
    .string()
    .regex(/^usr_[a-z0-9]{6,40}$/, 'Not a user id')
    .optional()
    .openapi({ description: "Admins: only this creator's videos. Creators always get their own." }),
});

studioRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me/videos/stats',
    tags: ['Catalog'],
    summary: 'Views, earnings and prices of your videos',
    description:
      'For each named video the caller may manage: recorded views, the creator’s earnings per currency (net of the ' +
      'platform share, refunds, chargebacks and fees) and the current purchase and rental prices. Videos of other ' +
      'creators are left out (admins see any creator’s). Items come in the order of `ids`.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'payments:read' })] as const,
    request: { query: StatsQuery },
    responses: { 200: jsonResponse(VideoStatsListSchema, 'Figures per video'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const { userId, role } = principalOf(c);
    const items = await videoStatsForStudio(
      { db: openDatabase(c.env.DB) },
      { caller: { userId, role }, videoIds: query.ids, creatorId: query.creatorId },
    );
    return c.json({ items }, 200);
  },
);
