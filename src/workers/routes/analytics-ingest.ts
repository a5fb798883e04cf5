// Metric ingest: a browser posts batches of its RTCPeerConnection.getStats() samples (and connection events)
// with its session's ingest token; a server may post with an API key holding analytics:ingest. The Worker
// validates, tags the batch with the edge location, and hands it to the session's aggregator Durable Object,
// answering 202 once the object has stored it.
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { IngestBody, IngestResult, MAX_CLOCK_SKEW_MS, MAX_INGEST_BODY_BYTES, MAX_SAMPLE_AGE_MS } from '../analytics/schemas';
import type { AppEnv } from '../env';
import { ApiError, badRequest, unauthorized } from '../errors';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { edgeLocationOf } from '../request-cf';

export const analyticsIngestRoutes = createRouter();
const ingestSecurity: Record<string, string[]>[] = [{ ingestToken: [] }, { apiKey: [] }];

const ingestBodyLimit: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_INGEST_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, 'payload_too_large', `A metrics batch may be at most ${MAX_INGEST_BODY_BYTES} bytes`);
  },
});

analyticsIngestRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/analytics/samples',
    tags: ['Analytics'],
    summary: 'Post a batch of WebRTC stats samples and connection events for one peer session',
    description:
      'Up to 200 samples and 200 events, 256 KiB. Field names follow W3C webrtc-stats; counters are cumulative as ' +
      'getStats() reports them. Authorize with the ingest token from POST /api/v1/tokens/ingest (its session and ' +
      'peer must match the body; a videoId or roomId in the body must be the one the token was issued for) or an API key with the analytics:ingest scope. Timestamps more than 60 s in the ' +
      "future or older than 24 h are rejected. Samples at or before a stream's last accepted timestamp are ignored " +
      '(retries are safe).',
    security: ingestSecurity,
    middleware: [ingestBodyLimit] as const,
    request: { body: jsonBody(IngestBody) },
    responses: { 202: jsonResponse(IngestResult, 'Stored by the session aggregator'), ...errorResponses(400, 401, 403, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal');
    if (!principal) throw unauthorized('Send the ingest token of this session');
    let userId: string | null;
    let videoId = body.videoId ?? null;
    let roomId = body.roomId ?? null;
    if (principal.kind === 'ingest') {
      if (principal.claims.sessionId !== body.sessionId || principal.claims.peerId !== body.peerId) {
        throw new ApiError(403, 'session_mismatch', 'This ingest token belongs to another session or peer');
      }
      // The token's video and room were checked when it was issued (the caller may watch, has joined); the body
      // cannot file the session under anything else, or a token for no video would fill any video's numbers.
      if ((videoId !== null && videoId !== principal.claims.videoId) || (roomId !== null && roomId !== principal.claims.roomId)) {
        throw new ApiError(403, 'subject_mismatch', 'This ingest token was issued for another video or room');
      }
      userId = principal.claims.userId;
      videoId = principal.claims.videoId;
      roomId = principal.claims.roomId;
    } else if (principal.kind === 'apiKey' && (principal.scopes.includes('analytics:ingest') || principal.scopes.includes('admin'))) {
      userId = principal.userId;
    } else {
      throw new ApiError(403, 'insufficient_scope', 'Post metrics with an ingest token or an API key holding analytics:ingest');
    }

    const now = Date.now();
    const times = [...body.samples.map((s) => s.ts), ...body.events.map((e) => e.ts)];
    const future = times.filter((t) => t > now + MAX_CLOCK_SKEW_MS).length;
    const stale = times.filter((t) => t < now - MAX_SAMPLE_AGE_MS).length;
    if (future > 0 || stale > 0) {
      throw badRequest('Timestamps must be within the last 24 hours and not in the future', { future, stale, serverTime: now });
    }

    const { country, colo } = edgeLocationOf(c.req.raw);
    const stub = c.env.PEER_METRICS.get(c.env.PEER_METRICS.idFromName(body.sessionId));
    const outcome = await stub.ingest({
      identity: {
        sessionId: body.sessionId,
        peerId: body.peerId,
        userId,
        videoId,
        roomId,
        country,
        colo,
      },
      samples: body.samples,
      events: body.events,
      now,
    });
    if (!outcome.ok) throw new ApiError(403, 'session_taken', 'This session id belongs to another peer');
    return c.json(
      {
        sessionId: body.sessionId,
        acceptedSamples: outcome.acceptedSamples,
        acceptedEvents: outcome.acceptedEvents,
        duplicateSamples: outcome.duplicateSamples,
        score: outcome.summary.score,
        mos: outcome.summary.mos,
        tier: outcome.summary.tier,
      },
      202,
    );
  },
);
