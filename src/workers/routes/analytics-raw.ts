// Raw WebRTC stat points of one peer session, read from Analytics Engine through its SQL API (production
// only; needs AE_ACCOUNT_ID and AE_API_TOKEN). Deliberately no free-form SQL endpoint: the query is built here
// from validated values only (see src/adapters/analytics-engine-sql.ts for why and how).
import { createRoute, z } from '@hono/zod-openapi';
import {
  AnalyticsEngineSqlError,
  analyticsEngineSqlFromEnv,
  MAX_RAW_ROWS,
  SESSION_ID_PATTERN,
  sessionPointsQuery,
  toSessionPoint,
} from '../../adapters/analytics-engine-sql';
import { ApiError, badRequest } from '../errors';
import { requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, ErrorSchema, errorResponses, jsonResponse } from '../openapi';

export const analyticsRawRoutes = createRouter();

const HOUR_MS = 3_600_000;
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;

const Time = z
  .union([z.coerce.number().int().positive(), z.iso.datetime({ offset: true })])
  .optional()
  .openapi({ description: 'ISO 8601 or epoch milliseconds' });

const SessionPointSchema = z
  .object({
    timestamp: z.string().openapi({ description: 'When Analytics Engine received the point (UTC, "YYYY-MM-DD hh:mm:ss")' }),
    sessionId: z.string(),
    peerId: z.string(),
    videoId: z.string().nullable(),
    roomId: z.string().nullable(),
    country: z.string().nullable(),
    colo: z.string().nullable(),
    pathType: z.string().nullable(),
    connectionState: z.string().nullable(),
    sampleTs: z.number(),
    rttMs: z.number().nullable(),
    jitterMs: z.number().nullable(),
    packetsLost: z.number().nullable(),
    packetsReceived: z.number().nullable(),
    bytesReceived: z.number().nullable(),
    framesPerSecond: z.number().nullable(),
    bytesFromPeers: z.number().nullable(),
    bytesFromHttp: z.number().nullable(),
    sampleInterval: z.number(),
  })
  .openapi('RawSessionPoint');

const RawSessionResponse = z
  .object({
    sessionId: z.string(),
    from: z.string(),
    to: z.string(),
    rows: z.array(SessionPointSchema),
    rowsBeforeLimitAtLeast: z.number().nullable(),
  })
  .openapi('RawSessionPoints');

analyticsRawRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/raw/session/{sessionId}',
    tags: ['Analytics'],
    summary: 'Raw stat points of one peer session from Analytics Engine (newest first)',
    description:
      'Reads dataset vibestream_peer_stats through the Analytics Engine SQL API. 503 not_configured unless the ' +
      'AE_ACCOUNT_ID and AE_API_TOKEN secrets are set. Values are -1 in storage where a sample had none; they are null here.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'admin', scope: 'analytics:read' })] as const,
    request: {
      params: z.object({
        sessionId: z
          .string()
          .regex(SESSION_ID_PATTERN, 'Not a session id')
          .openapi({ param: { name: 'sessionId', in: 'path' }, example: 'ses_abc123def' }),
      }),
      query: z.strictObject({
        from: Time,
        to: Time,
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(MAX_RAW_ROWS)
          .default(100)
          .openapi({ description: `Rows, 1–${MAX_RAW_ROWS} (default 100)` }),
      }),
    },
    responses: {
      200: jsonResponse(RawSessionResponse, 'The points, newest first'),
      ...errorResponses(400, 401, 403, 503),
      502: { description: 'The Analytics Engine SQL API failed', content: { 'application/json': { schema: ErrorSchema } } },
    },
  }),
  async (c) => {
    const { sessionId } = c.req.valid('param');
    const query = c.req.valid('query');
    const at = (value: number | string | undefined) =>
      value === undefined ? undefined : typeof value === 'number' ? value : Date.parse(value);
    const toMs = at(query.to) ?? Date.now();
    const fromMs = at(query.from) ?? toMs - HOUR_MS;
    if (!(fromMs < toMs)) throw badRequest('"from" must be before "to"');
    if (toMs - fromMs > MAX_RANGE_MS) throw badRequest('The range may span at most 31 days');

    const client = analyticsEngineSqlFromEnv(c.env);
    if (!client) {
      throw new ApiError(503, 'not_configured', 'Raw analytics need the AE_ACCOUNT_ID and AE_API_TOKEN secrets', undefined, {
        'Retry-After': '3600',
      });
    }
    try {
      const result = await client.query<Record<string, unknown>>(sessionPointsQuery({ sessionId, fromMs, toMs, limit: query.limit }));
      return c.json(
        {
          sessionId,
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
          rows: result.data.map(toSessionPoint),
          rowsBeforeLimitAtLeast: result.rowsBeforeLimitAtLeast ?? null,
        },
        200,
      );
    } catch (error) {
      if (!(error instanceof AnalyticsEngineSqlError)) throw error;
      // The upstream body can echo the query; log it, answer without it.
      console.error(JSON.stringify({ level: 'error', msg: 'analytics engine sql failed', status: error.status, detail: error.detail }));
      throw new ApiError(502, 'upstream_error', 'The Analytics Engine SQL API did not answer the query');
    }
  },
);
