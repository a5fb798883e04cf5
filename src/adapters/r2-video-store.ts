// Where the files of a packaged video live in R2: `videos/{videoId}/manifest.json` and, beside it, every
// playlist and segment under the same relative path the manifest names (`videos/{videoId}/360p/seg_00000.m4s`).
// Only this module knows the key layout; routes speak in video ids and manifest paths.
import type { IntegrityManifest } from '../domain/packaging/manifest';

export const MANIFEST_PATH = 'manifest.json';

export function keyOf(videoId: string, path: string): string {
  return `videos/${videoId}/${path}`;
}

export async function putManifest(bucket: R2Bucket, videoId: string, manifest: IntegrityManifest): Promise<void> {
  await bucket.put(keyOf(videoId, MANIFEST_PATH), JSON.stringify(manifest), {
    httpMetadata: { contentType: 'application/json' },
  });
}

export async function getManifest(bucket: R2Bucket, videoId: string): Promise<IntegrityManifest | undefined> {
  const object = await bucket.get(keyOf(videoId, MANIFEST_PATH));
  return object ? ((await object.json()) as IntegrityManifest) : undefined;
}

export type PutFileResult = { ok: true } | { ok: false; reason: 'checksum_mismatch' };

// R2 reports a body whose SHA-256 differs from the `sha256` put option with error 10037 ("The SHA-256 checksum
// you specified did not match what we received"); nothing is stored in that case.
const CHECKSUM_ERROR = /10037|checksum|BadDigest/i;

/**
 * Stores one file of the package. With `sha256`, R2 hashes the body while it streams in and refuses to store it
 * when the digest differs, so a corrupted upload never becomes visible (R2PutOptions.sha256).
 */
export async function putVideoFile(
  bucket: R2Bucket,
  videoId: string,
  path: string,
  body: ReadableStream | ArrayBuffer,
  options: { sha256?: string; contentType: string },
): Promise<PutFileResult> {
  try {
    await bucket.put(keyOf(videoId, path), body, {
      httpMetadata: { contentType: options.contentType },
      // Kept as metadata too: a listing (listVideoFiles) returns custom metadata but not always checksums.
      ...(options.sha256 ? { sha256: options.sha256, customMetadata: { sha256: options.sha256 } } : {}),
    });
    return { ok: true };
  } catch (error) {
    if (options.sha256 && error instanceof Error && CHECKSUM_ERROR.test(error.message)) return { ok: false, reason: 'checksum_mismatch' };
    throw error;
  }
}

export function headVideoFile(bucket: R2Bucket, videoId: string, path: string): Promise<R2Object | null> {
  return bucket.head(keyOf(videoId, path));
}

export function getVideoFile(
  bucket: R2Bucket,
  videoId: string,
  path: string,
  range?: { offset: number; length: number },
): Promise<R2ObjectBody | null> {
  return bucket.get(keyOf(videoId, path), range ? { range } : {});
}

export interface StoredVideoFile {
  path: string;
  bytes: number;
  /** Lower-case hex, when the file was stored with a checksum. */
  sha256: string | null;
}

/** Every file stored under the video, the manifest included (R2 lists 1,000 keys a page). */
export async function listVideoFiles(bucket: R2Bucket, videoId: string): Promise<StoredVideoFile[]> {
  const prefix = keyOf(videoId, '');
  const files: StoredVideoFile[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, include: ['customMetadata'], ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) {
      files.push({ path: object.key.slice(prefix.length), bytes: object.size, sha256: object.customMetadata?.sha256 ?? null });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return files;
}

/** The package's files as the upload use cases see them: one video's folder, no bucket or key layout. */
export interface PackageFileStore {
  list(): Promise<StoredVideoFile[]>;
  put(path: string, body: ReadableStream | ArrayBuffer, options: { sha256?: string; contentType: string }): Promise<PutFileResult>;
}

export function packageFileStore(bucket: R2Bucket, videoId: string): PackageFileStore {
  return {
    list: () => listVideoFiles(bucket, videoId),
    put: (path, body, options) => putVideoFile(bucket, videoId, path, body, options),
  };
}
