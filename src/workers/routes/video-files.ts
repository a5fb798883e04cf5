// The files of a packaged video: creators upload the integrity manifest, then every file it lists, then
// publish; players fetch playlists and segments from the edge cache, falling back to R2, with Range support.
//
// The file routes carry a path with slashes (`360p/seg_00000.m4s`), which an OpenAPI path parameter cannot
// express, so they are plain Hono routes described in the OpenAPI registry by hand below.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import { findVideo, recordPackageFactsStatement, toPublicVideo, type VideoWithCreator } from '../../adapters/db/videos-repo';
import { getManifest, getVideoFile, headVideoFile, MANIFEST_PATH, putManifest, putVideoFile } from '../../adapters/r2-video-store';
import { contentKeyForPlayback } from '../../app/playback/content-key-for-playback';
import { checkPackageEncryption } from '../../app/uploads/check-package-encryption';
import { canEdit, canView, type Viewer } from '../../domain/catalog';
import { CONTENT_ENCRYPTION_METHOD, KEY_PATH } from '../../domain/content-encryption';
import {
  type FileDigest,
  type IntegrityManifest,
  MANIFEST_VERSION,
  manifestFiles,
  POSTER_PATH,
  packageFacts,
  STORYBOARD_PATH,
} from '../../domain/packaging/manifest';
import { contentTypeOf, isSafeRelativePath } from '../../domain/packaging/paths';
import { addTokenToPlaylist } from '../../domain/payments/playlist-token';
import { editableVideo } from '../editable-video';
import type { AppEnv } from '../env';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { serveFromIpfs, warmNextSegment } from '../ipfs/delivery';
import { assertPlaylistComplete, queueIpfsStorage, reserveStorageForManifest } from '../ipfs/publish';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, ErrorSchema, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { playbackRefusalError, playbackTokenOf, playbackViewerOf, requirePlaybackAccess } from '../playback-access';
import { VideoIdParam, VideoSchema } from '../schemas';
import { changeVideoStatus } from '../video-status';

export const videoFileRoutes = createRouter();

const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Playlists are not in the manifest's digests; they are small text files, capped here. */
const MAX_PLAYLIST_BYTES = 256 * 1024;
const MASTER_PLAYLIST = 'master.m3u8';

const RelativePath = z
  .string()
  .refine(isSafeRelativePath, 'Must be a relative path without "..", made of letters, digits, ".", "_" and "-"');
const Sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'Not a SHA-256 hex digest')
  .transform((hex) => hex.toLowerCase());
const Bytes = z.number().int().min(0).max(MAX_FILE_BYTES);
const FileDigestSchema = z.strictObject({ path: RelativePath, bytes: Bytes, sha256: Sha256Hex });
const Jpeg = (path: string) => FileDigestSchema.extend({ path: z.literal(path) });

// Mirrors IntegrityManifest (src/domain/packaging/manifest.ts); the typed assignment in the manifest route keeps
// them in step.
export const ManifestSchema = z
  .strictObject({
    version: z.literal(MANIFEST_VERSION),
    videoId: z.string().max(64).optional(),
    createdAt: z.iso.datetime({ offset: true }),
    source: z.strictObject({
      name: z.string().min(1).max(255),
      bytes: z.number().int().min(0),
      sha256: Sha256Hex,
      durationSeconds: z.number().min(0).max(86_400),
      width: z.number().int().min(1).max(16_384),
      height: z.number().int().min(1).max(16_384),
    }),
    renditions: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(32),
          bandwidth: z.number().int().min(1),
          resolution: z.string().regex(/^\d{1,5}x\d{1,5}$/),
          codecs: z.string().min(1).max(200),
          playlist: RelativePath,
          init: FileDigestSchema.optional(),
          segments: z
            .array(
              FileDigestSchema.extend({
                index: z.number().int().min(0),
                durationSeconds: z.number().min(0).max(3600),
                cid: z.string().max(128).nullable(),
              }),
            )
            .min(1)
            .max(5000),
        }),
      )
      .min(1)
      .max(12),
    poster: Jpeg(POSTER_PATH).optional(),
    storyboard: Jpeg(STORYBOARD_PATH)
      .extend({
        columns: z.number().int().min(1).max(100),
        rows: z.number().int().min(1).max(100),
        tiles: z.number().int().min(1).max(10_000),
        tileWidth: z.number().int().min(1).max(1920),
        tileHeight: z.number().int().min(1).max(1920),
        intervalSeconds: z.number().positive().max(86_400),
      })
      .optional(),
    encryption: z.strictObject({ method: z.literal(CONTENT_ENCRYPTION_METHOD) }).optional(),
  })
  .superRefine((manifest, context) => {
    const paths = [
      MANIFEST_PATH,
      MASTER_PLAYLIST,
      KEY_PATH,
      ...manifest.renditions.map((rendition) => rendition.playlist),
      ...manifestFiles(manifest as IntegrityManifest).map((file) => file.path),
    ];
    const seen = new Set<string>();
    for (const path of paths) {
      if (seen.has(path)) context.addIssue({ code: 'custom', message: `Path listed twice or reserved: ${path}`, path: ['renditions'] });
      seen.add(path);
    }
  })
  .openapi('IntegrityManifest');

/** An R2 object's SHA-256 (from the put checksum or our metadata copy) equals `sha256`; true if it has none. */
function storedDigestMatches(object: R2Object, sha256: string): boolean {
  const checksum = object.checksums?.sha256;
  const stored = checksum
    ? [...new Uint8Array(checksum)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
    : object.customMetadata?.sha256;
  return stored === undefined || stored === sha256;
}

videoFileRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/videos/{id}/manifest',
    tags: ['Video files'],
    summary: 'Upload the integrity manifest of a packaged video (its creator or an admin); the video becomes "processing"',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { params: VideoIdParam, body: jsonBody(ManifestSchema, 'manifest.json as written by npm run package-video') },
    responses: { 200: jsonResponse(VideoSchema, 'Stored; upload the listed files next'), ...errorResponses(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const video = await editableVideo(c, id);
    const manifest: IntegrityManifest = c.req.valid('json');
    // 413 storage_quota_exceeded before anything is stored (workers/ipfs/publish.ts).
    await reserveStorageForManifest(c.env, video, manifest);
    await putManifest(c.env.UPLOADS, id, manifest);
    if (video.status !== 'processing') {
      await changeVideoStatus(c.env, (p) => c.executionCtx.waitUntil(p), video, 'processing', principalOf(c).userId);
    }
    const updated = await findVideo(openDatabase(c.env.DB), id);
    if (!updated) throw notFound('Video');
    return c.json(toPublicVideo(updated), 200);
  },
);

videoFileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/videos/{id}/publish',
    tags: ['Video files'],
    summary: 'Publish once every file of the manifest is uploaded with its size (its creator or an admin)',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'catalog:write' })] as const,
    request: { params: VideoIdParam },
    responses: {
      200: jsonResponse(VideoSchema, 'The video, now "ready" — or "processing" until IPFS storage has pinned every file'),
      ...errorResponses(400, 401, 403, 404),
      409: {
        description:
          'No manifest yet, files missing (details.missing lists them), or the package is not encrypted the way the video needs (encryption_required, encryption_not_expected, content_key_missing)',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const video = await editableVideo(c, id);
    const manifest = await getManifest(c.env.UPLOADS, id);
    if (!manifest) throw conflict('manifest_missing', 'Upload the manifest first');
    const required: { path: string; bytes?: number; sha256?: string }[] = [
      ...manifest.renditions.map((rendition) => ({ path: rendition.playlist })),
      ...manifestFiles(manifest),
    ];
    const stored = await Promise.all(required.map((file) => headVideoFile(c.env.UPLOADS, id, file.path)));
    // Files uploaded before the manifest (routes/video-package.ts) were checked against the digest their uploader
    // declared then; the stored checksum must also be the one the manifest names.
    const missing = required
      .filter((file, i) => {
        const object = stored[i];
        if (!object) return true;
        if (file.bytes === undefined || file.sha256 === undefined) return false;
        return object.size !== file.bytes || !storedDigestMatches(object, file.sha256);
      })
      .map((file) => file.path);
    if (missing.length > 0) {
      throw new ApiError(409, 'incomplete_upload', `${missing.length} file(s) missing or of the wrong size`, {
        missing: missing.slice(0, 100),
      });
    }
    const encryption = await checkPackageEncryption({ db: openDatabase(c.env.DB) }, video, manifest);
    if (!encryption.ok) throw conflict(encryption.reason, ENCRYPTION_REFUSALS[encryption.reason]);
    await recordPackageFactsStatement(openDatabase(c.env.DB), id, packageFacts(manifest), Date.now()).run();
    // With IPFS storage on, the store job marks the video ready once every file is pinned (workers/ipfs).
    if (!(await queueIpfsStorage(c.env, (p) => c.executionCtx.waitUntil(p), video, principalOf(c).userId))) {
      await changeVideoStatus(c.env, (p) => c.executionCtx.waitUntil(p), video, 'ready', principalOf(c).userId);
    }
    const published = await findVideo(openDatabase(c.env.DB), id);
    if (!published) throw notFound('Video');
    return c.json(toPublicVideo(published), 200);
  },
);

const ENCRYPTION_REFUSALS = {
  encryption_required:
    'This video is paid or private, so its package must be encrypted: package it again with the key from POST /videos/{id}/content-key',
  encryption_not_expected: 'This video is free and not private: package it again without encryption',
  content_key_missing:
    'The package is encrypted but the video has no content key: get one from POST /videos/{id}/content-key and package again',
} as const;

/** The path after `/files/` or `/hls/`, percent-decoded by Hono; 400 unless it is a safe relative path. */
function filePathOf(c: Context<AppEnv>): string {
  const path = c.req.param('path') ?? '';
  if (!isSafeRelativePath(path)) throw badRequest('The file path must be relative, without ".." or empty segments');
  return path;
}

function videoIdOf(c: Context<AppEnv>): string {
  const parsed = VideoIdParam.safeParse({ id: c.req.param('id') });
  if (!parsed.success) throw badRequest('Not a video id');
  return parsed.data.id;
}

videoFileRoutes.put('/videos/:id/files/:path{.+}', requireAuth({ role: 'creator', scope: 'catalog:write' }), async (c) => {
  const id = videoIdOf(c);
  const path = filePathOf(c);
  await editableVideo(c, id);
  const manifest = await getManifest(c.env.UPLOADS, id);
  if (!manifest) throw conflict('manifest_missing', 'Upload the manifest first');
  const digest: FileDigest | undefined = manifestFiles(manifest).find((file) => file.path === path);
  const isPlaylist = path === MASTER_PLAYLIST || manifest.renditions.some((rendition) => rendition.playlist === path);
  if (!digest && !isPlaylist) throw notFound(`File "${path}" in the manifest`);

  // Content-Length is checked before any byte is read, so an oversized body is refused without streaming it.
  const declared = c.req.header('Content-Length');
  if (declared === undefined || !/^\d{1,12}$/.test(declared)) throw new ApiError(411, 'length_required', 'Send Content-Length');
  const limit = digest ? digest.bytes : MAX_PLAYLIST_BYTES;
  if (Number(declared) > limit) throw new ApiError(413, 'payload_too_large', `"${path}" is at most ${limit} bytes`);
  let body: ReadableStream | ArrayBuffer = c.req.raw.body ?? new ArrayBuffer(0);
  if (isPlaylist) {
    // 422 playlist_references_missing when it names a file outside the package (workers/ipfs/publish.ts).
    body = await c.req.arrayBuffer();
    assertPlaylistComplete(manifest, path, body);
  }

  const result = await putVideoFile(c.env.UPLOADS, id, path, body, {
    contentType: contentTypeOf(path),
    ...(digest ? { sha256: digest.sha256 } : {}),
  });
  if (!result.ok) throw new ApiError(422, 'checksum_mismatch', `The body of "${path}" does not match the manifest's SHA-256`);
  return c.body(null, 204);
});

type ByteRange = { offset: number; length: number };

/**
 * One `bytes=` range (RFC 9110 §14.1.2) against an object of `size` bytes. Returns null when the header is
 * absent, malformed or asks for several ranges (then the whole file is served, which the RFC allows), and
 * 'unsatisfiable' when it starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match) return null;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    const length = Math.min(suffix, size);
    return size === 0 ? 'unsatisfiable' : { offset: size - length, length };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { offset: start, length: end - start + 1 };
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weakless(tag) === weakless(etag));
}

function cacheControlOf(path: string, isPublic: boolean): string {
  const scope = isPublic ? 'public' : 'private';
  // Segments never change once published (a new package is a new manifest); playlists and the manifest may.
  if (path.endsWith('.m3u8') || path === MANIFEST_PATH) return `${scope}, max-age=60`;
  // Stills keep their path when a failed upload is redone; an hour bounds how long an old poster lingers.
  if (path.endsWith('.jpg')) return `${scope}, max-age=3600`;
  return `${scope}, max-age=31536000, immutable`;
}

// The content key of an encrypted video, which its media playlists name as `../key` (domain/content-encryption).
// Registered before the file route below so `key` never reaches R2, IPFS or the edge cache; answered only to a
// caller who may play the video right now (the entitlement is re-read every time), and never stored by anyone.
videoFileRoutes.get(`/videos/:id/hls/${KEY_PATH}`, async (c) => {
  const id = videoIdOf(c);
  const viewer = playbackViewerOf(c);
  const video = await findVideo(openDatabase(c.env.DB), id);
  if (!video) throw notFound('Key');
  const result = await contentKeyForPlayback(
    {
      db: openDatabase(c.env.DB),
      jwtSecret: c.get('config').jwtSecret,
      contentKeySecret: c.get('config').contentKeySecret,
      now: Date.now(),
    },
    { video, viewer, token: playbackTokenOf(c), restricted: isRestricted(video, viewer) },
  );
  if (!result.ok) {
    if (result.reason === 'not_encrypted') throw notFound('Key');
    if (result.reason === 'misconfigured')
      throw new ApiError(503, 'misconfigured', 'Content keys are not configured', { fields: ['CONTENT_KEY_SECRET'] });
    const refusal = playbackRefusalError(result.reason, 'Key');
    // RFC 6750 §3: a 401 says how to authenticate — here, with a playback token for this video.
    if (refusal.status === 401)
      throw new ApiError(401, refusal.code, refusal.message, undefined, { 'WWW-Authenticate': PLAYBACK_CHALLENGE });
    throw refusal;
  }
  return new Response(result.key, {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'private, no-store',
      'Content-Length': String(result.key.byteLength),
    },
  });
});

async function opensRestricted(c: Context<AppEnv>, video: VideoWithCreator, path: string): Promise<boolean> {
  try {
    await requirePlaybackAccess(c, video, path, { restricted: true });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) return false;
    throw error;
  }
}

const PLAYBACK_CHALLENGE = 'Bearer realm="vibestream-playback"';

/** Private or unpublished: only the creator and admins may play it; to anyone else it does not exist. */
function isRestricted(video: VideoWithCreator, viewer: Viewer | null): boolean {
  return !canView(video, viewer ?? undefined) || (video.status !== 'ready' && !(viewer && canEdit(video, viewer)));
}

videoFileRoutes.get('/videos/:id/hls/:path{.+}', async (c) => {
  const id = videoIdOf(c);
  const path = filePathOf(c);
  const video = await findVideo(openDatabase(c.env.DB), id);
  // Missing, not viewable and not yet published all look the same to a stranger; the creator and admins can play
  // and preview, signed in or with an editor playback token (playback-access.ts).
  if (!video) throw notFound('File');
  const restricted = isRestricted(video, playbackViewerOf(c));
  // Paid videos need a playback token (src/workers/playback-access.ts); checked before the edge cache is read.
  // Stills are the video's shop window: a paid video's poster and seek previews show to anyone who may see it.
  const isStill = path === POSTER_PATH || path === STORYBOARD_PATH;
  // A private or unpublished video's stills open to whoever may play it (its creator's watch page sends an editor
  // playback token, as for the media); to anyone else they do not exist, whatever token they hold.
  if (isStill && restricted && !(await opensRestricted(c, video, path))) throw notFound('File');
  const access = isStill ? { token: null } : await requirePlaybackAccess(c, video, path, { restricted });
  const isPublic = video.visibility !== 'private' && video.status === 'ready';
  // A paid video's playlist is served with the viewer's token written into every URI it lists
  // (domain/payments/playlist-token.ts): per viewer, so never 304'd, ranged or cached with the token in it. The
  // edge cache below stays keyed on the path alone and holds the token-free file.
  const tokenForPlaylist = access.token && path.endsWith('.m3u8') ? access.token : null;
  const finish = async (response: Response) => (tokenForPlaylist ? playlistWithToken(response, tokenForPlaylist) : response);

  const range = tokenForPlaylist ? undefined : c.req.header('Range');
  const ifNoneMatch = tokenForPlaylist ? undefined : c.req.header('If-None-Match');
  // The edge cache holds whole files of public videos only, keyed without credentials; private files always
  // come from R2 so the permission check above can never be skipped by a cache hit.
  const cacheKey = new Request(new URL(c.req.path, c.req.url).toString(), { method: 'GET' });
  if (isPublic && !range) {
    const cached = await caches.default.match(cacheKey);
    if (cached) {
      const etag = cached.headers.get('ETag');
      if (etag && etagMatches(ifNoneMatch, etag))
        return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': cacheControlOf(path, true) } });
      return finish(new Response(cached.body, cached));
    }
  }

  const head = await headVideoFile(c.env.UPLOADS, id, path);
  if (!head) {
    // Not in R2 (any more): the IPFS copy, when the video was stored there (workers/ipfs/delivery.ts).
    return finish(
      await serveFromIpfs(c, {
        videoId: id,
        path,
        ifNoneMatch,
        cacheKey: isPublic && !range ? cacheKey : null,
        rangeOf: (size) => parseRange(range, size),
        headers: { 'Content-Type': contentTypeOf(path), 'Cache-Control': cacheControlOf(path, isPublic), 'Accept-Ranges': 'bytes' },
      }),
    );
  }
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(path),
    'Cache-Control': cacheControlOf(path, isPublic),
    ETag: head.httpEtag,
    'Accept-Ranges': 'bytes',
  };
  if (etagMatches(ifNoneMatch, head.httpEtag)) return new Response(null, { status: 304, headers });

  const byteRange = parseRange(range, head.size);
  if (byteRange === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', `The file has ${head.size} bytes`, undefined, {
      'Content-Range': `bytes */${head.size}`,
    });
  }
  const object = await getVideoFile(c.env.UPLOADS, id, path, byteRange ?? undefined);
  if (!object) throw notFound('File');
  if (byteRange) {
    const end = byteRange.offset + byteRange.length - 1;
    return new Response(object.body, {
      status: 206,
      headers: { ...headers, 'Content-Range': `bytes ${byteRange.offset}-${end}/${head.size}`, 'Content-Length': String(byteRange.length) },
    });
  }
  const response = new Response(object.body, { status: 200, headers: { ...headers, 'Content-Length': String(head.size) } });
  if (isPublic) c.executionCtx.waitUntil(caches.default.put(cacheKey, response.clone()).catch(() => {}));
  if (isPublic) {
    const headersOf = (next: string) => ({
      'Content-Type': contentTypeOf(next),
      'Cache-Control': cacheControlOf(next, true),
      'Accept-Ranges': 'bytes',
    });
    c.executionCtx.waitUntil(warmNextSegment(c, { videoId: id, path, requestUrl: c.req.url, headersOf }));
  }
  return finish(response);
});

/** A 200 playlist rewritten with the playback token; private and uncacheable, since the token is the viewer's. */
async function playlistWithToken(response: Response, token: string): Promise<Response> {
  if (response.status !== 200) return response;
  const headers = new Headers(response.headers);
  for (const name of ['ETag', 'Content-Length', 'Accept-Ranges']) headers.delete(name);
  headers.set('Cache-Control', 'private, no-store');
  const text = new TextDecoder().decode(await response.arrayBuffer());
  return new Response(addTokenToPlaylist(text, token), { status: 200, headers });
}

const FilePathParams = z.object({
  id: VideoIdParam.shape.id,
  path: z
    .string()
    .openapi({ param: { name: 'path', in: 'path' }, example: '360p/seg_00000.m4s', description: 'Path relative to manifest.json' }),
});

videoFileRoutes.openAPIRegistry.registerPath({
  method: 'put',
  path: '/videos/{id}/files/{path}',
  tags: ['Video files'],
  summary: 'Upload one file listed in the manifest, or a playlist (its creator or an admin); R2 checks the SHA-256',
  security: bearerOrKeySecurity,
  request: {
    params: FilePathParams,
    headers: z.object({ 'Content-Length': z.string().openapi({ description: 'Required; checked against the manifest before reading' }) }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    204: { description: 'Stored' },
    ...errorResponses(400, 401, 403, 404, 409, 413),
    411: { description: 'Content-Length missing', content: { 'application/json': { schema: ErrorSchema } } },
    422: {
      description:
        'checksum_mismatch: the body does not hash to the manifest SHA-256; playlist_references_missing: a playlist names files outside the package; nothing stored',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});

videoFileRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: `/videos/{id}/hls/${KEY_PATH}`,
  tags: ['Video files'],
  summary:
    'The AES-128 content key of a paid or private video (16 bytes), for a caller who may play it: a playback token (entitlement re-read on every request), its creator or an admin; Cache-Control: private, no-store',
  request: { params: VideoIdParam },
  responses: {
    200: { description: 'The raw key', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

videoFileRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/videos/{id}/hls/{path}',
  tags: ['Video files'],
  summary: 'A playlist, segment or manifest.json of a published video, with Range and If-None-Match',
  request: { params: FilePathParams },
  responses: {
    200: { description: 'The whole file' },
    206: { description: 'One byte range (Content-Range)' },
    304: { description: 'Not modified (ETag)' },
    ...errorResponses(400, 404),
    416: { description: 'Range not satisfiable', content: { 'application/json': { schema: ErrorSchema } } },
  },
});
