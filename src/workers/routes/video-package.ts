// A package uploaded while the creator's browser is still encoding it (web/src/packaging):
//
//   POST /videos/{id}/content-key             whether the package must be encrypted, and with which key
//   PUT /videos/{id}/package                  reserve quota for the estimated size; lists files already stored
//   PUT /videos/{id}/package/files/{path}     one segment, init segment or still, before the manifest exists
//
// then the usual PUT /videos/{id}/manifest, the playlists through PUT /videos/{id}/files/{path}, and publish
// (routes/video-files.ts). The use cases are in app/uploads.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import { packageFileStore } from '../../adapters/r2-video-store';
import { issuePackagingKey } from '../../app/uploads/issue-packaging-key';
import { reservePackageSpace } from '../../app/uploads/reserve-package-space';
import { stagePackageFile } from '../../app/uploads/stage-package-file';
import { findEditableVideo } from '../../app/videos/editable-video';
import { CONTENT_ENCRYPTION_METHOD, toBase64Url } from '../../domain/content-encryption';
import { isSafeRelativePath } from '../../domain/packaging/paths';
import type { AppEnv } from '../env';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { defaultQuotaBytes } from '../ipfs/publish';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { VideoIdParam } from '../schemas';

export const videoPackageRoutes = createRouter();

/** A 2 s segment at 100 Mbit/s is 25 MB; nothing the browser packager writes comes near this. */
export const MAX_STAGED_FILE_BYTES = 64 * 1024 * 1024;

const creatorOnly = requireAuth({ role: 'creator', scope: 'catalog:write' });

async function editable(c: Context<AppEnv>, videoId: string) {
  const found = await findEditableVideo({ db: openDatabase(c.env.DB) }, videoId, principalOf(c));
  if (!found.ok) {
    if (found.reason === 'forbidden') throw forbidden('Only the creator of this video or an admin can upload its files');
    throw notFound('Video');
  }
  return found.video;
}

function notStaging(status: string): ApiError {
  return conflict('not_staging', `The video is ${status}: a new package can be uploaded only to a draft or failed video`);
}

const StoredFileSchema = z.object({ path: z.string(), bytes: z.number().int(), sha256: z.string().nullable() });

const ReservationSchema = z
  .object({
    reservedBytes: z.number().int().openapi({ description: 'Held in the storage quota until the manifest gives the exact size' }),
    stagedBytes: z.number().int(),
    files: z.array(StoredFileSchema).openapi({ description: 'Media and stills stored already (skip them on a resumed upload)' }),
  })
  .openapi('PackageReservation');

const ReserveBody = z
  .strictObject({
    estimatedBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 ** 4)
      .openapi({ description: 'Upper estimate of the package size (e.g. 1.5 × the ladder’s bit rates × duration)' }),
  })
  .openapi('PackageReservationRequest');

videoPackageRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/videos/{id}/package',
    tags: ['Video files'],
    summary: 'Reserve storage for a package that will be uploaded while it is encoded (its creator or an admin)',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: VideoIdParam, body: jsonBody(ReserveBody, 'The estimated size') },
    responses: {
      200: jsonResponse(ReservationSchema, 'Reserved'),
      ...errorResponses(400, 401, 403, 404, 409, 413),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const video = await editable(c, id);
    const result = await reservePackageSpace(
      {
        db: openDatabase(c.env.DB),
        files: packageFileStore(c.env.UPLOADS, id),
        defaultQuotaBytes: defaultQuotaBytes(c.env),
        now: Date.now,
      },
      { video, estimatedBytes: c.req.valid('json').estimatedBytes },
    );
    if (result.ok) return c.json({ reservedBytes: result.reservedBytes, stagedBytes: result.stagedBytes, files: result.files }, 200);
    if (result.reason === 'not_staging') throw notStaging(result.status);
    throw new ApiError(413, 'storage_quota_exceeded', 'This video does not fit in the storage quota', {
      usedBytes: result.usedBytes,
      requestedBytes: result.requestedBytes,
      quotaBytes: result.quotaBytes,
    });
  },
);

const PackagingKeySchema = z
  .object({
    encryption: z.enum(['none', 'aes-128']).openapi({
      description: '"aes-128" for private or priced videos: encrypt every init and media segment (HLS AES-128) with `key`',
    }),
    method: z.literal(CONTENT_ENCRYPTION_METHOD).optional(),
    key: z.string().optional().openapi({ description: 'The 16-byte content key, base64url; only when encryption is "aes-128"' }),
  })
  .openapi('PackagingKey');

videoPackageRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos/{id}/content-key',
    tags: ['Video files'],
    summary:
      'Whether the package of this video must be encrypted and, if so, its content key (its creator or an admin); the same key on every call',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: VideoIdParam },
    responses: {
      200: jsonResponse(PackagingKeySchema, 'Package with this (Cache-Control: no-store)'),
      ...errorResponses(400, 401, 403, 404),
      503: { description: 'CONTENT_KEY_SECRET is not configured', content: { 'application/json': { schema: ErrorSchema } } },
    },
  }),
  async (c) => {
    const video = await editable(c, c.req.valid('param').id);
    const issued = await issuePackagingKey(
      { db: openDatabase(c.env.DB), contentKeySecret: c.get('config').contentKeySecret, now: Date.now() },
      video,
    );
    if (!issued.ok) throw new ApiError(503, 'misconfigured', 'Content keys are not configured', { fields: ['CONTENT_KEY_SECRET'] });
    c.header('Cache-Control', 'private, no-store');
    if (issued.encryption === 'none') return c.json({ encryption: 'none' as const }, 200);
    return c.json({ encryption: 'aes-128' as const, method: CONTENT_ENCRYPTION_METHOD, key: toBase64Url(issued.key) }, 200);
  },
);

videoPackageRoutes.put('/videos/:id/package/files/:path{.+}', creatorOnly, async (c) => {
  const parsedId = VideoIdParam.safeParse({ id: c.req.param('id') });
  if (!parsedId.success) throw badRequest('Not a video id');
  const path = c.req.param('path') ?? '';
  if (!isSafeRelativePath(path)) throw badRequest('The file path must be relative, without ".." or empty segments');
  const sha256 = (c.req.header('X-Content-SHA256') ?? '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw badRequest('Send X-Content-SHA256: the hex SHA-256 of the body');
  // Checked before any byte is read, so an oversized body is refused without streaming it.
  const declared = c.req.header('Content-Length');
  if (declared === undefined || !/^\d{1,12}$/.test(declared)) throw new ApiError(411, 'length_required', 'Send Content-Length');
  const bytes = Number(declared);
  if (bytes > MAX_STAGED_FILE_BYTES)
    throw new ApiError(413, 'payload_too_large', `A package file is at most ${MAX_STAGED_FILE_BYTES} bytes`);

  const video = await editable(c, parsedId.data.id);
  const result = await stagePackageFile(
    { db: openDatabase(c.env.DB), files: packageFileStore(c.env.UPLOADS, video.id), now: Date.now },
    { video, path, bytes, sha256, body: c.req.raw.body ?? new ArrayBuffer(0) },
  );
  if (result.ok) return c.body(null, 204);
  switch (result.reason) {
    case 'not_stageable':
      throw badRequest('Only media segments, init segments and JPEG stills can be uploaded before the manifest');
    case 'not_staging':
      throw notStaging(result.status);
    case 'reservation_exhausted':
      throw new ApiError(
        413,
        'reservation_exhausted',
        'The package is larger than the space reserved for it: reserve again (PUT /videos/{id}/package)',
      );
    case 'checksum_mismatch':
      throw new ApiError(422, 'checksum_mismatch', `The body of "${path}" does not hash to X-Content-SHA256; nothing was stored`);
  }
});

videoPackageRoutes.openAPIRegistry.registerPath({
  method: 'put',
  path: '/videos/{id}/package/files/{path}',
  tags: ['Video files'],
  summary: 'Upload one segment, init segment or still of a package before its manifest (its creator or an admin)',
  security: bearerOrKeySecurity,
  request: {
    params: z.object({
      id: VideoIdParam.shape.id,
      path: z.string().openapi({ param: { name: 'path', in: 'path' }, example: '720p/seg_00001.m4s' }),
    }),
    headers: z.object({
      'Content-Length': z.string().openapi({ description: 'Required; drawn from the reservation before the body is read' }),
      'X-Content-SHA256': z.string().openapi({ description: 'Hex SHA-256 of the body; R2 refuses a body that does not match' }),
    }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    204: { description: 'Stored' },
    ...errorResponses(400, 401, 403, 404, 409, 413),
    411: { description: 'Content-Length missing', content: { 'application/json': { schema: ErrorSchema } } },
    422: { description: 'checksum_mismatch: nothing stored', content: { 'application/json': { schema: ErrorSchema } } },
  },
});
