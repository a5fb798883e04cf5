// The API: one Hono app, middleware in the order a request meets it, routers per area, one error path,
// and the OpenAPI 3.1 document generated from the same zod schemas that validate requests.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { openDatabase } from '../adapters/db/client';
import { watchPageStatus } from '../app/videos/watch-page-status';
import { loadConfig } from './config';
import type { AppEnv } from './env';
import { ApiError, errorResponse } from './errors';
import { authenticate } from './middleware/auth';
import { monitorRequests } from './middleware/monitoring';
import { requestLog } from './middleware/request-log';
import { carriesPlaybackBearer } from './playback-access';
import { adminRoutes } from './routes/admin';
import { alertRoutes } from './routes/alerts';
import { analyticsIngestRoutes } from './routes/analytics-ingest';
import { analyticsQueryRoutes } from './routes/analytics-query';
import { analyticsRawRoutes } from './routes/analytics-raw';
import { apiKeyRoutes } from './routes/api-keys';
import { authRoutes } from './routes/auth';
import { checkoutRoutes } from './routes/checkout';
import { healthRoutes } from './routes/health';
import { iceServerRoutes } from './routes/ice-servers';
import { monitoringRoutes } from './routes/monitoring';
import { paymentRoutes } from './routes/payments';
import { recommendationRoutes } from './routes/recommendations';
import { reportRoutes } from './routes/reports';
import { roomRoutes } from './routes/rooms';
import { SFU_GRANT_HEADER, sfuRoutes } from './routes/sfu';
import { storageAdminRoutes } from './routes/storage-admin';
import { studioRoutes } from './routes/studio';
import { tokenRoutes } from './routes/tokens';
import { trackerRoutes } from './routes/tracker';
import { videoFileRoutes } from './routes/video-files';
import { videoPackageRoutes } from './routes/video-package';
import { videoUploadRoutes } from './routes/video-uploads';
import { videoRoutes } from './routes/videos';
import { webhookRoutes } from './routes/webhooks';

export const API_PREFIX = '/api/v1';

// Pages addressed by an id in the path (`/watch/{videoId}`, `/room/{roomId}`) are one static shell each; the page
// script reads the id from location. wrangler.toml routes these paths to the Worker (run_worker_first) for this,
// which includes the bare `/room/` (the calls lobby), so it is a page shell too.
const PAGE_SHELLS = /^\/(watch|room)\/([^/]+\/?)?$/;

function pageShellRequest(request: Request): Request {
  const url = new URL(request.url);
  const shell = PAGE_SHELLS.exec(url.pathname);
  if (!shell) return request;
  return new Request(new URL(`/${shell[1]}/`, url), { method: request.method, headers: request.headers });
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', requestLog);
  // Counts and latency per matched route; records after the response is built, flushes in waitUntil.
  app.use('*', monitorRequests);
  // JSON responses never need to load anything: the strictest CSP, no framing, no sniffing. Pages the Worker
  // passes through from static assets keep the headers of web/public/_headers (their CSP lets them run scripts).
  const apiSecurityHeaders = secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    crossOriginResourcePolicy: 'same-site',
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
  });
  app.use('*', (c, next) => (PAGE_SHELLS.test(c.req.path) ? next() : apiSecurityHeaders(c, next)));
  app.use('*', async (c, next) => {
    c.set('config', loadConfig(c.env));
    await next();
  });
  // Bearer tokens, not cookies: no credentials mode, so a listed origin cannot ride a user's session.
  app.use(
    `${API_PREFIX}/*`,
    cors({
      origin: (origin, c) => (c.get('config').corsOrigins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id', SFU_GRANT_HEADER],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    }),
  );
  // Uploaded video files and multipart parts are bounded by their manifest entry instead (routes/video-files.ts
  // and routes/video-uploads.ts check Content-Length).
  const videoFileUpload = new RegExp(`^${API_PREFIX}/videos/[^/]+/(files/|uploads/[^/]+/parts/)`);
  app.use(`${API_PREFIX}/*`, async (c, next) =>
    c.req.method === 'PUT' && videoFileUpload.test(c.req.path)
      ? next()
      : bodyLimit({
          maxSize: c.get('config').maxBodyBytes,
          onError: () => {
            throw new ApiError(413, 'payload_too_large', `Request body exceeds ${c.get('config').maxBodyBytes} bytes`);
          },
        })(c, next),
  );
  // A playback token (paid videos' files) is not an API credential: playback-access.ts reads it instead.
  app.use(`${API_PREFIX}/*`, (c, next) => (carriesPlaybackBearer(c) ? next() : authenticate(c, next)));

  for (const routes of [
    healthRoutes,
    authRoutes,
    apiKeyRoutes,
    tokenRoutes,
    videoRoutes,
    studioRoutes,
    videoFileRoutes,
    videoUploadRoutes,
    videoPackageRoutes,
    adminRoutes,
    storageAdminRoutes,
    analyticsIngestRoutes,
    analyticsQueryRoutes,
    analyticsRawRoutes,
    monitoringRoutes,
    alertRoutes,
    iceServerRoutes,
    sfuRoutes,
    roomRoutes,
    trackerRoutes,
    checkoutRoutes,
    paymentRoutes,
    reportRoutes,
    recommendationRoutes,
  ]) {
    app.route(API_PREFIX, routes);
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from /auth/login, /auth/signup or /auth/refresh (15 minutes)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Scoped API key "vsk_…" (also accepted as "Authorization: Bearer vsk_…")',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'ingestToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'One-hour token for one peer session from POST /api/v1/tokens/ingest',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'roomToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Five-minute token to join one call room from POST /api/v1/tokens/room (SFU routes of that room only)',
  });
  app.doc31(`${API_PREFIX}/openapi.json`, {
    openapi: '3.1.0',
    info: {
      title: 'VibeStream API',
      version: '1.0.0',
      description:
        'Edge API of VibeStream. Errors always have the shape {"error":{"code","message","details"?,"requestId"?}}. ' +
        'Lists are cursor-paginated: pass nextCursor back as cursor.',
    },
    servers: [{ url: '/' }],
  });
  // Built by hand rather than c.redirect(): Response.redirect() has immutable headers, which the security
  // headers middleware must still be able to set.
  app.get(`${API_PREFIX}/docs`, (c) => c.body(null, 302, { Location: '/docs/' }));

  // Provider webhooks: outside /api/v1 (no bearer auth, no body limit of the API); verified on the raw body.
  app.route('/', webhookRoutes);

  app.notFound(async (c) => {
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/webhooks/')) {
      return errorResponse(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`), c);
    }
    // A fetched response has immutable headers; copy it so middleware can still add its headers.
    const asset = await c.env.ASSETS.fetch(pageShellRequest(c.req.raw));
    const watched = /^\/watch\/([^/]+)\/?$/.exec(c.req.path);
    if (watched?.[1] && asset.status === 200) {
      const status = await watchPageStatus({ db: openDatabase(c.env.DB) }, decodeURIComponent(watched[1]));
      return new Response(asset.body, { status, headers: asset.headers });
    }
    return new Response(asset.body, asset);
  });
  app.onError((error, c) => errorResponse(error, c));
  return app;
}
