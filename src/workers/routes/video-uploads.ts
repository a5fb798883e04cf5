// Resumable uploads of a packaged video's large files through R2 multipart uploads, for the creator page and
// any client that must survive a dropped connection or a reload:
//
//   GET    /videos/{id}/uploads                          what is stored already, open uploads, the limits
//   POST   /videos/{id}/uploads {path}                   start (or resume) the upload of one large manifest file
//   GET    /videos/{id}/uploads/{uploadId}               which parts are done
//   PUT    /videos/{id}/uploads/{uploadId}/parts/{n}     one part, exactly the size the plan says
//   POST   /videos/{id}/uploads/{uploadId}/complete      assemble, then check size and SHA-256 against the manifest
//   DELETE /videos/{id}/uploads/{uploadId}               abort
//
// Small files keep the single PUT of routes/video-files.ts (R2 checks their SHA-256 as they stream in). The
// storage quota is reserved when the manifest is accepted, so nothing here reserves space. Parts are recorded
// in D1 (adapters/db/upload-schema.ts explains why R2 cannot tell us which parts it has).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import {
  deleteUpload,
  insertUpload,
  type MultipartUploadRow,
  openUploadOf,
  openUploadsOfVideo,
  partsOf,
  recordPart,
} from '../../adapters/db/upload-repo';
import { getManifest } from '../../adapters/r2-video-store';
import {
  abortFileUpload,
  checkStoredFile,
  completeFileUpload,
  createFileUpload,
  deleteFile,
  isUploadGone,
  storedFileSizes,
  uploadFilePart,
} from '../../adapters/r2-video-uploads';
import { newId } from '../../domain/ids';
import { type IntegrityManifest, manifestFiles } from '../../domain/packaging/manifest';
import { contentTypeOf, isSafeRelativePath } from '../../domain/packaging/paths';
import {
  expectedPartBytes,
  missingParts,
  needsMultipart,
  type PartPlan,
  planParts,
  uploadLimitsOf,
} from '../../domain/storage/upload-plan';
import type { Env } from '../../env';
import { editableVideo } from '../editable-video';
import type { AppEnv } from '../env';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { MASTER_PLAYLIST } from '../ipfs/store-video';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { VideoIdParam } from '../schemas';

export const videoUploadRoutes = createRouter();

const creatorOnly = requireAuth({ role: 'creator', scope: 'catalog:write' });

export function uploadLimitsOfEnv(env: Pick<Env, 'UPLOAD_MULTIPART_MIN_BYTES' | 'UPLOAD_PART_BYTES'>) {
  return uploadLimitsOf({ multipartMinBytes: env.UPLOAD_MULTIPART_MIN_BYTES, partBytes: env.UPLOAD_PART_BYTES });
}

const UploadIdParams = z.object({
  id: VideoIdParam.shape.id,
  uploadId: z
    .string()
    .regex(/^upl_[a-z0-9]{6,40}$/, 'Not an upload id')
    .openapi({ param: { name: 'uploadId', in: 'path' }, example: 'upl_abcdefghijkmnpqrstuvwxyz' }),
});

const LimitsSchema = z
  .object({
    multipartMinBytes: z.number().int().openapi({ description: 'Files of at least this size must use a multipart upload' }),
    partBytes: z.number().int().openapi({ description: 'Size of every part but the last (at least 5 MiB, R2’s rule)' }),
  })
  .openapi('UploadLimits');

const UploadSchema = z
  .object({
    uploadId: z.string(),
    path: z.string(),
    fileBytes: z.number().int(),
    partBytes: z.number().int(),
    parts: z.number().int(),
    doneParts: z.array(z.number().int()).openapi({ description: 'Part numbers (from 1) stored so far' }),
    missingParts: z.array(z.number().int()),
  })
  .openapi('MultipartUpload');

const UploadStatusSchema = z
  .object({
    limits: LimitsSchema,
    files: z.array(
      z.object({
        path: z.string(),
        bytes: z.number().int().nullable().openapi({ description: 'From the manifest; null for playlists' }),
        multipart: z.boolean(),
        stored: z.boolean().openapi({ description: 'In storage with the manifest size (playlists: present)' }),
      }),
    ),
    uploads: z.array(UploadSchema),
  })
  .openapi('VideoUploadStatus');

type UploadView = z.infer<typeof UploadSchema>;

function planOf(upload: MultipartUploadRow): PartPlan {
  return { fileBytes: upload.fileBytes, partBytes: upload.partBytes, parts: upload.parts };
}

async function viewOf(c: Context<AppEnv>, upload: MultipartUploadRow): Promise<UploadView> {
  const done = (await partsOf(openDatabase(c.env.DB), upload.uploadId)).map((part) => part.partNumber);
  return {
    uploadId: upload.uploadId,
    path: upload.path,
    fileBytes: upload.fileBytes,
    partBytes: upload.partBytes,
    parts: upload.parts,
    doneParts: done,
    missingParts: missingParts(planOf(upload), done),
  };
}

async function manifestOf(c: Context<AppEnv>, videoId: string): Promise<IntegrityManifest> {
  const manifest = await getManifest(c.env.UPLOADS, videoId);
  if (!manifest) throw conflict('manifest_missing', 'Upload the manifest first');
  return manifest;
}

/** The upload, only for its video's creator or an admin (404 for anyone else who cannot see the video). */
async function editableUpload(c: Context<AppEnv>, videoId: string, uploadId: string): Promise<MultipartUploadRow> {
  await editableVideo(c, videoId);
  const upload = await openUploadOf(openDatabase(c.env.DB), videoId, uploadId);
  if (!upload) throw notFound('Upload');
  return upload;
}

/** An upload R2 no longer has is forgotten here too, and the client told to start the file again (409). */
async function forgetIfGone(c: Context<AppEnv>, upload: MultipartUploadRow, error: unknown): Promise<never> {
  if (!isUploadGone(error)) throw error;
  await deleteUpload(openDatabase(c.env.DB), upload.uploadId);
  throw conflict('upload_gone', `This upload of "${upload.path}" expired or ended; start it again`);
}

videoUploadRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos/{id}/uploads',
    tags: ['Video uploads'],
    summary: 'Which files of the manifest are stored and which multipart uploads are open, to resume an upload',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: VideoIdParam },
    responses: {
      200: jsonResponse(UploadStatusSchema, 'Upload status'),
      ...errorResponses(400, 401, 403, 404),
      409: { description: 'manifest_missing', content: { 'application/json': { schema: ErrorSchema } } },
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await editableVideo(c, id);
    const manifest = await manifestOf(c, id);
    const limits = uploadLimitsOfEnv(c.env);
    const sizes = await storedFileSizes(c.env.UPLOADS, id);
    const playlists = [MASTER_PLAYLIST, ...manifest.renditions.map((rendition) => rendition.playlist)];
    const files = [
      ...playlists.map((path) => ({ path, bytes: null, multipart: false, stored: sizes.has(path) })),
      ...manifestFiles(manifest).map((file) => ({
        path: file.path,
        bytes: file.bytes,
        multipart: needsMultipart(file.bytes, limits),
        stored: sizes.get(file.path) === file.bytes,
      })),
    ];
    const uploads = await Promise.all((await openUploadsOfVideo(openDatabase(c.env.DB), id)).map((upload) => viewOf(c, upload)));
    return c.json({ limits, files, uploads }, 200);
  },
);

videoUploadRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos/{id}/uploads',
    tags: ['Video uploads'],
    summary: 'Start the multipart upload of one large file of the manifest, or return the one already open for it',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: {
      params: VideoIdParam,
      body: jsonBody(
        z.strictObject({
          path: z
            .string()
            .refine(isSafeRelativePath, 'Must be a relative path of the manifest')
            .openapi({ example: '1080p/seg_00000.m4s' }),
        }),
      ),
    },
    responses: {
      200: jsonResponse(UploadSchema, 'An upload of this file was already open: resume it'),
      201: jsonResponse(UploadSchema, 'Started; send the parts'),
      ...errorResponses(400, 401, 403, 404),
      409: { description: 'manifest_missing', content: { 'application/json': { schema: ErrorSchema } } },
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { path } = c.req.valid('json');
    await editableVideo(c, id);
    const manifest = await manifestOf(c, id);
    const file = manifestFiles(manifest).find((candidate) => candidate.path === path);
    if (!file) throw notFound(`File "${path}" in the manifest`);
    const limits = uploadLimitsOfEnv(c.env);
    if (!needsMultipart(file.bytes, limits)) {
      throw badRequest(`"${path}" has ${file.bytes} bytes; files under ${limits.multipartMinBytes} bytes are sent with one PUT to /files/`);
    }
    const db = openDatabase(c.env.DB);
    // One open upload per file and manifest digest: a reloaded page asking again resumes it. An upload begun
    // under an earlier manifest (different size or digest) is dropped, its parts no longer fit.
    for (const open of (await openUploadsOfVideo(db, id)).filter((upload) => upload.path === path)) {
      if (open.fileBytes === file.bytes && open.sha256 === file.sha256) return c.json(await viewOf(c, open), 200);
      await abortFileUpload(c.env.UPLOADS, { videoId: id, path, r2UploadId: open.r2UploadId });
      await deleteUpload(db, open.uploadId);
    }
    const plan = planParts(file.bytes, limits);
    const upload: MultipartUploadRow = {
      uploadId: newId('upl'),
      r2UploadId: await createFileUpload(c.env.UPLOADS, id, path, contentTypeOf(path)),
      videoId: id,
      path,
      createdBy: principalOf(c).userId,
      fileBytes: file.bytes,
      sha256: file.sha256,
      partBytes: plan.partBytes,
      parts: plan.parts,
      createdAt: Date.now(),
    };
    await insertUpload(db, upload);
    return c.json(await viewOf(c, upload), 201);
  },
);

videoUploadRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/videos/{id}/uploads/{uploadId}',
    tags: ['Video uploads'],
    summary: 'Which parts of a multipart upload are stored (after a reload, send only the missing ones)',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: UploadIdParams },
    responses: { 200: jsonResponse(UploadSchema, 'The upload'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, uploadId } = c.req.valid('param');
    return c.json(await viewOf(c, await editableUpload(c, id, uploadId)), 200);
  },
);

// A binary body, so a plain Hono route (zod-openapi validates JSON bodies only); documented by hand below.
videoUploadRoutes.put('/videos/:id/uploads/:uploadId/parts/:partNumber', creatorOnly, async (c) => {
  const params = UploadIdParams.safeParse({ id: c.req.param('id'), uploadId: c.req.param('uploadId') });
  if (!params.success) throw badRequest('Not a video or upload id');
  const { id, uploadId } = params.data;
  const upload = await editableUpload(c, id, uploadId);
  const rawPart = c.req.param('partNumber');
  const partNumber = /^\d{1,5}$/.test(rawPart) ? Number(rawPart) : Number.NaN;
  const expected = expectedPartBytes(planOf(upload), partNumber);
  if (expected === undefined) {
    throw new ApiError(400, 'part_out_of_range', `Part numbers of this upload run from 1 to ${upload.parts}`, { parts: upload.parts });
  }
  // Checked before a byte is read: R2 would accept a wrong-sized part and fail only at completion.
  const declared = c.req.header('Content-Length');
  if (declared === undefined || !/^\d{1,12}$/.test(declared)) throw new ApiError(411, 'length_required', 'Send Content-Length');
  if (Number(declared) !== expected) {
    throw new ApiError(400, 'part_size_mismatch', `Part ${partNumber} must be exactly ${expected} bytes`, {
      expectedBytes: expected,
      receivedBytes: Number(declared),
    });
  }
  const etag = await uploadFilePart(c.env.UPLOADS, upload, partNumber, c.req.raw.body ?? new ArrayBuffer(0)).catch((error) =>
    forgetIfGone(c, upload, error),
  );
  await recordPart(openDatabase(c.env.DB), { uploadId, partNumber, etag, bytes: expected, uploadedAt: Date.now() });
  return c.json({ partNumber, bytes: expected }, 200);
});

videoUploadRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos/{id}/uploads/{uploadId}/complete',
    tags: ['Video uploads'],
    summary: 'Assemble the parts, then check the stored file against the manifest size and SHA-256',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: UploadIdParams },
    responses: {
      200: jsonResponse(z.object({ path: z.string(), bytes: z.number().int() }), 'Stored and verified'),
      ...errorResponses(400, 401, 403, 404),
      409: {
        description: 'parts_missing: send these parts first (details.missingParts); upload_gone: R2 no longer has the upload, start again',
        content: { 'application/json': { schema: ErrorSchema } },
      },
      422: {
        description: 'checksum_mismatch or size_mismatch: the assembled file is not the manifest’s; it was deleted and the upload ended',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const { id, uploadId } = c.req.valid('param');
    const upload = await editableUpload(c, id, uploadId);
    const db = openDatabase(c.env.DB);
    const parts = await partsOf(db, uploadId);
    const missing = missingParts(
      planOf(upload),
      parts.map((part) => part.partNumber),
    );
    if (missing.length > 0) {
      throw new ApiError(409, 'parts_missing', `${missing.length} part(s) not uploaded yet`, { missingParts: missing.slice(0, 100) });
    }
    await completeFileUpload(
      c.env.UPLOADS,
      upload,
      parts.map(({ partNumber, etag }) => ({ partNumber, etag })),
    ).catch((error) => forgetIfGone(c, upload, error));
    // The upload is consumed by R2 either way; forget it before checking, so a failed check leaves no row behind.
    await deleteUpload(db, uploadId);
    // Between completion and this check the object exists unverified for the time of one read; publishing
    // re-checks sizes, and a mismatch removes the object before this request answers.
    const check = await checkStoredFile(c.env.UPLOADS, id, upload.path, { bytes: upload.fileBytes, sha256: upload.sha256 });
    if (!check.ok) {
      await deleteFile(c.env.UPLOADS, id, upload.path);
      const reason = check.reason === 'missing' ? 'size_mismatch' : check.reason;
      throw new ApiError(422, reason, `The assembled "${upload.path}" does not match the manifest; it was not kept`);
    }
    return c.json({ path: upload.path, bytes: upload.fileBytes }, 200);
  },
);

videoUploadRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/videos/{id}/uploads/{uploadId}',
    tags: ['Video uploads'],
    summary: 'Abort a multipart upload; its parts are discarded',
    security: bearerOrKeySecurity,
    middleware: [creatorOnly] as const,
    request: { params: UploadIdParams },
    responses: { 204: { description: 'Aborted' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, uploadId } = c.req.valid('param');
    const upload = await editableUpload(c, id, uploadId);
    await abortFileUpload(c.env.UPLOADS, upload);
    await deleteUpload(openDatabase(c.env.DB), uploadId);
    return c.body(null, 204);
  },
);

videoUploadRoutes.openAPIRegistry.registerPath({
  method: 'put',
  path: '/videos/{id}/uploads/{uploadId}/parts/{partNumber}',
  tags: ['Video uploads'],
  summary: 'Upload one part (1-based) of a multipart upload: exactly partBytes bytes, the last part the remainder',
  security: bearerOrKeySecurity,
  request: {
    params: UploadIdParams.extend({
      partNumber: z
        .string()
        .openapi({ param: { name: 'partNumber', in: 'path' }, example: '1', description: 'From 1 to the upload’s parts' }),
    }),
    headers: z.object({ 'Content-Length': z.string().openapi({ description: 'Required; must equal the part’s planned size' }) }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    200: {
      description: 'Stored (re-sending a part replaces it)',
      content: { 'application/json': { schema: z.object({ partNumber: z.number().int(), bytes: z.number().int() }) } },
    },
    400: {
      description: 'part_out_of_range, part_size_mismatch or a malformed id',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    ...errorResponses(401, 403, 404),
    409: {
      description: 'upload_gone: R2 no longer has the upload; start it again',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    411: { description: 'Content-Length missing', content: { 'application/json': { schema: ErrorSchema } } },
  },
});
