// R2 multipart uploads of a video's large files, landing at the same key a single PUT would use
// (r2-video-store.ts owns the layout), and the checks made on the assembled object.
import { keyOf } from './r2-video-store';

// R2 answers error 10024 (NoSuchUpload) for an upload id it no longer knows: completed, aborted, or expired
// (incomplete multipart uploads are removed after 7 days by default).
const UPLOAD_GONE = /10024|NoSuchUpload|upload.*(does not exist|not found)/i;

export function isUploadGone(error: unknown): boolean {
  return error instanceof Error && UPLOAD_GONE.test(error.message);
}

export async function createFileUpload(bucket: R2Bucket, videoId: string, path: string, contentType: string): Promise<string> {
  const upload = await bucket.createMultipartUpload(keyOf(videoId, path), { httpMetadata: { contentType } });
  return upload.uploadId;
}

function resume(bucket: R2Bucket, videoId: string, path: string, r2UploadId: string): R2MultipartUpload {
  // No request is made here: the binding only binds the ids; a stale id fails at the next call.
  return bucket.resumeMultipartUpload(keyOf(videoId, path), r2UploadId);
}

export async function uploadFilePart(
  bucket: R2Bucket,
  target: { videoId: string; path: string; r2UploadId: string },
  partNumber: number,
  body: ReadableStream | ArrayBuffer,
): Promise<string> {
  const part = await resume(bucket, target.videoId, target.path, target.r2UploadId).uploadPart(partNumber, body);
  return part.etag;
}

export async function completeFileUpload(
  bucket: R2Bucket,
  target: { videoId: string; path: string; r2UploadId: string },
  parts: { partNumber: number; etag: string }[],
): Promise<void> {
  await resume(bucket, target.videoId, target.path, target.r2UploadId).complete(parts);
}

export async function abortFileUpload(bucket: R2Bucket, target: { videoId: string; path: string; r2UploadId: string }): Promise<void> {
  try {
    await resume(bucket, target.videoId, target.path, target.r2UploadId).abort();
  } catch {
    // Already completed, aborted or expired on R2's side (R2 drops uploads after 7 days): nothing left to free.
  }
}

export type StoredFileCheck = { ok: true } | { ok: false; reason: 'missing' | 'size_mismatch' | 'checksum_mismatch' };

/**
 * Streams the stored object through SHA-256 (workerd's crypto.DigestStream, so a 100 MiB file is never held in
 * memory) and compares size and digest with the manifest's. R2 cannot check a digest while assembling parts
 * (multipart options take no sha256), so this read-back is the check.
 */
export async function checkStoredFile(
  bucket: R2Bucket,
  videoId: string,
  path: string,
  expected: { bytes: number; sha256: string },
): Promise<StoredFileCheck> {
  const object = await bucket.get(keyOf(videoId, path));
  if (!object) return { ok: false, reason: 'missing' };
  if (object.size !== expected.bytes) {
    await object.body.cancel();
    return { ok: false, reason: 'size_mismatch' };
  }
  const digest = new crypto.DigestStream('SHA-256');
  await object.body.pipeTo(digest);
  const hex = [...new Uint8Array(await digest.digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return hex === expected.sha256.toLowerCase() ? { ok: true } : { ok: false, reason: 'checksum_mismatch' };
}

export async function deleteFile(bucket: R2Bucket, videoId: string, path: string): Promise<void> {
  await bucket.delete(keyOf(videoId, path));
}

/** Size of every stored file of a video by manifest path, from R2's listing (1,000 keys a page). */
export async function storedFileSizes(bucket: R2Bucket, videoId: string): Promise<Map<string, number>> {
  const prefix = keyOf(videoId, '');
  const sizes = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) sizes.set(object.key.slice(prefix.length), object.size);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return sizes;
}
