// Uploads a picked package to a video: the manifest first (the server reserves quota and learns every file's
// size and SHA-256), then every file the server does not have yet — small ones with one PUT each, large ones
// through a resumable multipart upload (src/domain/storage/upload-plan.ts cuts them the way the server checks)
// — with at most PARALLEL_REQUESTS requests in flight, then publish.
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { expectedPartBytes, missingParts, partRange, planParts } from '../../../src/domain/storage/upload-plan';
import type { UploadReport } from '../../../src/shared/upload-probe';
import { ApiError, apiRequest } from '../api';
import type { PackageFile } from './package-files';
import { sendBytes } from './transfer';

/** Requests in flight at once: enough to fill a link, few enough that one slow part does not stall the rest. */
export const PARALLEL_REQUESTS = 3;

export type FileState = 'waiting' | 'uploading' | 'done' | 'stored earlier' | 'failed';

interface UploadView {
  uploadId: string;
  path: string;
  fileBytes: number;
  partBytes: number;
  parts: number;
  doneParts: number[];
  missingParts: number[];
}

interface UploadStatus {
  limits: { multipartMinBytes: number; partBytes: number };
  files: { path: string; bytes: number | null; multipart: boolean; stored: boolean }[];
  uploads: UploadView[];
}

export interface UploadCallbacks {
  onFileState(path: string, state: FileState): void;
  /** Bytes stored so far (including what an earlier page load stored) of `totalBytes`. */
  onProgress(doneBytes: number, totalBytes: number): void;
  onUploadId(path: string, uploadId: string): void;
}

/** Runs `tasks` with at most `limit` at a time; the first failure stops new tasks and rejects. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * The multipart upload of `path`: the one this browser remembered, when the server still has it (its status
 * lists the parts already stored), otherwise the server's open one for the file or a new one (POST answers both).
 */
async function openUpload(base: string, path: string, rememberedId: string | undefined): Promise<UploadView> {
  if (rememberedId) {
    try {
      return await apiRequest<UploadView>(`${base}/uploads/${encodeURIComponent(rememberedId)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  return apiRequest<UploadView>(`${base}/uploads`, { method: 'POST', body: { path } });
}

export async function uploadPackage(
  videoId: string,
  manifest: IntegrityManifest,
  files: PackageFile[],
  knownUploadIds: Record<string, string>,
  callbacks: UploadCallbacks,
): Promise<UploadReport> {
  const base = `/videos/${encodeURIComponent(videoId)}`;
  const url = (path: string) => `/api/v1${base}${path}`;
  await apiRequest(`${base}/manifest`, { method: 'PUT', body: { ...manifest, videoId } });
  const status = await apiRequest<UploadStatus>(`${base}/uploads`);

  const report: UploadReport = { sentBytes: 0, skippedFiles: 0, multipartFiles: 0 };
  const totalBytes = files.reduce((sum, file) => sum + file.file.size, 0);
  // Stored bytes, and bytes of requests in flight, by request key: progress = stored + in flight.
  let storedBytes = 0;
  const inFlight = new Map<string, number>();
  const progress = () => callbacks.onProgress(storedBytes + [...inFlight.values()].reduce((a, b) => a + b, 0), totalBytes);

  const storedPaths = new Set(status.files.filter((file) => file.stored).map((file) => file.path));
  const multipartPaths = new Set(status.files.filter((file) => file.multipart).map((file) => file.path));

  const send = async (key: string, method: 'PUT' | 'POST', target: string, body: Blob) => {
    const result = await sendBytes({
      method,
      url: target,
      body,
      onProgress: (sent) => {
        inFlight.set(key, sent);
        progress();
      },
    });
    inFlight.delete(key);
    storedBytes += body.size;
    report.sentBytes += body.size;
    progress();
    return result;
  };

  const small: (() => Promise<void>)[] = [];
  const large: PackageFile[] = [];
  for (const file of files) {
    if (storedPaths.has(file.path)) {
      report.skippedFiles += 1;
      storedBytes += file.file.size;
      callbacks.onFileState(file.path, 'stored earlier');
    } else if (!file.isPlaylist && multipartPaths.has(file.path)) {
      large.push(file);
    } else {
      small.push(async () => {
        callbacks.onFileState(file.path, 'uploading');
        await send(file.path, 'PUT', url(`/files/${file.path}`), file.file).catch((error) => {
          callbacks.onFileState(file.path, 'failed');
          throw error;
        });
        callbacks.onFileState(file.path, 'done');
      });
    }
  }
  progress();
  await pool(small, PARALLEL_REQUESTS);

  // Large files: open (or resume) every upload, then one pool over all their missing parts, so small files
  // that only need one part still go three at a time. A file is completed — assembled and checked against the
  // manifest by the server — when its last part lands.
  const partTasks: (() => Promise<void>)[] = [];
  for (const file of large) {
    report.multipartFiles += 1;
    const upload = await openUpload(base, file.path, knownUploadIds[file.path]);
    callbacks.onUploadId(file.path, upload.uploadId);
    const plan = planParts(upload.fileBytes, { partBytes: upload.partBytes });
    const missing = missingParts(plan, upload.doneParts);
    storedBytes += upload.fileBytes - missing.reduce((sum, part) => sum + (expectedPartBytes(plan, part) ?? 0), 0);
    let remaining = missing.length;
    const complete = async () => {
      await apiRequest(`${base}/uploads/${upload.uploadId}/complete`, { method: 'POST' });
      callbacks.onFileState(file.path, 'done');
    };
    if (remaining === 0) {
      partTasks.push(complete);
      continue;
    }
    for (const part of missing) {
      partTasks.push(async () => {
        callbacks.onFileState(file.path, 'uploading');
        const range = partRange(plan, part) as { start: number; end: number };
        try {
          await send(
            `${file.path}#${part}`,
            'PUT',
            url(`/uploads/${upload.uploadId}/parts/${part}`),
            file.file.slice(range.start, range.end),
          );
          remaining -= 1;
          if (remaining === 0) await complete();
        } catch (error) {
          callbacks.onFileState(file.path, 'failed');
          throw error;
        }
      });
    }
  }
  progress();
  await pool(partTasks, PARALLEL_REQUESTS);
  return report;
}
