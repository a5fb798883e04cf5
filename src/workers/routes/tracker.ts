// GET /api/v1/tracker/{videoId}: the WebTorrent tracker announce URL of one video (WebSocket upgrade).
// Stock clients (bittorrent-tracker, p2p-media-loader) open a plain `ws(s)://…/api/v1/tracker/<videoId>` and cannot
// set headers, so what the tracker needs rides in the query:
//   `pt`  a playback token, required for paid and private videos exactly as their files require one
//         (app/swarm/authorize-swarm-join.ts); free public and unlisted videos stay open to anyone;
//   `rk`  optional: the player's random report key, which lets this viewer report a peer it was paired with
//         (domain/swarm/peer-reports.ts). The object only ever sees its hash.
// A refusal is answered in the API error shape (401/403, 404 for videos that do not exist to the caller) before
// any upgrade. Not part of the OpenAPI document: OpenAPI 3.1 cannot describe a WebSocket protocol, and the README
// documents it.

import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { authorizeSwarmJoin } from '../../app/swarm/authorize-swarm-join';
import { reportPeer } from '../../app/swarm/report-peer';
import { sha256Hex } from '../../domain/hash';
import { REPORT_KEY_PATTERN, REPORTS_TO_BLOCK } from '../../domain/swarm/peer-reports';
import { SWARM_COLO_HEADER, SWARM_COUNTRY_HEADER, SWARM_REPORT_KEY_HEADER } from '../../durable-objects/swarm-tracker';
import { ApiError, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { playbackRefusalError, playbackTokenOf, playbackViewerOf } from '../playback-access';
import { edgeLocationOf } from '../request-cf';

export const trackerRoutes = createRouter();

const MAX_VIDEO_ID_LENGTH = 64;

trackerRoutes.get('/tracker/:videoId', async (c) => {
  const reportKey = c.req.query('rk');
  if (reportKey !== undefined && !REPORT_KEY_PATTERN.test(reportKey)) {
    throw new ApiError(400, 'validation_failed', 'rk must be 22 to 64 base64url characters');
  }
  const decision = await authorizeSwarmJoin(
    { db: openDatabase(c.env.DB), jwtSecret: c.get('config').jwtSecret, now: Date.now() },
    { videoId: c.req.param('videoId'), viewer: playbackViewerOf(c), playbackToken: playbackTokenOf(c) },
  );
  if (!decision.ok) throw playbackRefusalError(decision.reason, 'Video');
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'upgrade_required', 'The tracker speaks the WebTorrent protocol over a WebSocket');
  }
  // Only what the object needs, set by us: a client cannot claim another colo through these headers.
  const { colo, countryCode } = edgeLocationOf(c.req.raw);
  const headers = new Headers({ Upgrade: 'websocket' });
  if (colo !== null) headers.set(SWARM_COLO_HEADER, colo);
  if (countryCode !== null) headers.set(SWARM_COUNTRY_HEADER, countryCode);
  if (reportKey) headers.set(SWARM_REPORT_KEY_HEADER, await sha256Hex(reportKey));
  const stub = c.env.SWARM_TRACKER.get(c.env.SWARM_TRACKER.idFromName(decision.videoId));
  const upgraded = await stub.fetch(new Request('https://swarm-tracker.internal/connect', { headers }));
  if (!upgraded.webSocket) return upgraded;
  // A fresh Response: the object's has immutable headers, and the security-headers middleware still sets its own.
  return new Response(null, { status: 101, webSocket: upgraded.webSocket });
});

const PeerReportBody = z
  .strictObject({
    // p2p-media-loader ids are 20 ASCII characters; bittorrent-tracker ones 20 binary code units.
    peerId: z.string().min(1).max(64),
    reportKey: z.string().regex(REPORT_KEY_PATTERN).describe('The report key this player put on its announce URL (`rk`)'),
    // The segment that failed its check, for the operator's log only.
    segment: z.string().max(512).optional(),
  })
  .openapi('PeerReport');

const PeerReportResult = z
  .object({
    reporters: z.number().int().describe('Distinct accounts that have reported this peer in its swarm in the last 24 h'),
    blocked: z.boolean().describe(`True once ${REPORTS_TO_BLOCK} accounts agree: the tracker stops matching the peer for 24 h`),
  })
  .openapi('PeerReportResult');

trackerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/tracker/{videoId}/reports',
    tags: ['Swarm'],
    summary: 'Report a peer that served a segment failing its integrity check',
    description:
      "Players call this when a segment from a peer does not match the integrity manifest. A report counts only if the video's " +
      'tracker relayed an offer and answer between this player (the socket opened with `rk=reportKey`) and that peer in the ' +
      `last hour (409 \`not_paired\` otherwise); a report key serves one account. Once ${REPORTS_TO_BLOCK} distinct accounts ` +
      'have reported the same peer, the tracker stops matching it (any of its stream ids) in that swarm for 24 hours. ' +
      'Reports per account and video are rate limited (429).',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ scope: 'analytics:ingest' })] as const,
    request: { params: z.object({ videoId: z.string().min(1).max(MAX_VIDEO_ID_LENGTH) }), body: jsonBody(PeerReportBody) },
    responses: { 200: jsonResponse(PeerReportResult, 'Recorded'), ...errorResponses(400, 401, 403, 404, 409, 429) },
  }),
  async (c) => {
    const { videoId } = c.req.valid('param');
    const { peerId, reportKey } = c.req.valid('json');
    const result = await reportPeer(
      { db: openDatabase(c.env.DB), trackerOf: (id) => c.env.SWARM_TRACKER.get(c.env.SWARM_TRACKER.idFromName(id)) },
      { videoId, peerId, reportKey, reporterUserId: principalOf(c).userId },
    );
    switch (result.kind) {
      case 'video_not_found':
        throw notFound('Video');
      case 'rate_limited':
        throw new ApiError(429, 'rate_limited', 'Too many peer reports; try again later');
      case 'key_of_another_account':
        throw new ApiError(409, 'report_key_in_use', 'This report key belongs to another account');
      case 'not_paired':
        throw new ApiError(409, 'not_paired', 'The tracker did not pair this player with that peer recently');
      case 'counted':
        return c.json({ reporters: result.reporters, blocked: result.blocked }, 200);
    }
  },
);
