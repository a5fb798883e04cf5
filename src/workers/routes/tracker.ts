// GET /api/v1/tracker/{videoId}: the WebTorrent tracker announce URL of one video (WebSocket upgrade).
// Stock clients (bittorrent-tracker, p2p-media-loader) open a plain `ws(s)://…/api/v1/tracker/<videoId>` with no
// custom headers, so the route needs no credential. It is private all the same: only videos that exist in D1, are
// ready and are public or unlisted get a swarm; anything else is a 404 in the API error shape before any upgrade.
// Not part of the OpenAPI document: OpenAPI 3.1 cannot describe a WebSocket protocol, and the README documents it.

import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { findVideo } from '../../adapters/db/videos-repo';
import { REPORTS_TO_BLOCK } from '../../domain/swarm/peer-reports';
import { SWARM_COLO_HEADER, SWARM_COUNTRY_HEADER } from '../../durable-objects/swarm-tracker';
import { ApiError, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';

export const trackerRoutes = createRouter();

// Video ids are short; a longer path segment cannot name one, so it is answered without touching D1.
const MAX_VIDEO_ID_LENGTH = 64;

trackerRoutes.get('/tracker/:videoId', async (c) => {
  const videoId = c.req.param('videoId');
  const video = videoId.length <= MAX_VIDEO_ID_LENGTH ? await findVideo(openDatabase(c.env.DB), videoId) : undefined;
  // Only videos that play get a swarm: drafts and videos still being stored have nothing to share yet.
  if (!video || video.visibility === 'private' || video.status !== 'ready') throw notFound('Video');
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'upgrade_required', 'The tracker speaks the WebTorrent protocol over a WebSocket');
  }
  // Only what the object needs, set by us: a client cannot claim another colo through these headers.
  const cf = c.req.raw.cf as { colo?: unknown; country?: unknown } | undefined;
  const headers = new Headers({ Upgrade: 'websocket' });
  if (typeof cf?.colo === 'string') headers.set(SWARM_COLO_HEADER, cf.colo.slice(0, 8));
  if (typeof cf?.country === 'string') headers.set(SWARM_COUNTRY_HEADER, cf.country.slice(0, 2));
  const stub = c.env.SWARM_TRACKER.get(c.env.SWARM_TRACKER.idFromName(video.id));
  const upgraded = await stub.fetch(new Request('https://swarm-tracker.internal/connect', { headers }));
  if (!upgraded.webSocket) return upgraded;
  // A fresh Response: the object's has immutable headers, and the security-headers middleware still sets its own.
  return new Response(null, { status: 101, webSocket: upgraded.webSocket });
});

const PeerReportBody = z
  .strictObject({
    // p2p-media-loader ids are 20 ASCII characters; bittorrent-tracker ones 20 binary code units.
    peerId: z.string().min(1).max(64),
    // The segment that failed its check, for the operator's log only.
    segment: z.string().max(512).optional(),
  })
  .openapi('PeerReport');

const PeerReportResult = z
  .object({
    reporters: z.number().int().describe('Distinct accounts that have reported this peer in this video'),
    blocked: z.boolean().describe(`True once ${REPORTS_TO_BLOCK} accounts agree: the tracker stops matching the peer`),
  })
  .openapi('PeerReportResult');

trackerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/tracker/{videoId}/reports',
    tags: ['Swarm'],
    summary: 'Report a peer that served a segment failing its integrity check',
    description:
      `Players call this when a segment from a peer does not match the integrity manifest. Once ${REPORTS_TO_BLOCK} ` +
      "distinct accounts have reported the same peer, the video's tracker never matches it again (any of its stream ids).",
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ scope: 'analytics:ingest' })] as const,
    request: { params: z.object({ videoId: z.string().min(1).max(MAX_VIDEO_ID_LENGTH) }), body: jsonBody(PeerReportBody) },
    responses: { 200: jsonResponse(PeerReportResult, 'Recorded'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { videoId } = c.req.valid('param');
    const { peerId } = c.req.valid('json');
    const video = await findVideo(openDatabase(c.env.DB), videoId);
    if (!video || video.visibility === 'private' || video.status !== 'ready') throw notFound('Video');
    const stub = c.env.SWARM_TRACKER.get(c.env.SWARM_TRACKER.idFromName(video.id));
    const result = await stub.reportPeer(peerId, `user:${principalOf(c).userId}`);
    return c.json(result, 200);
  },
);
