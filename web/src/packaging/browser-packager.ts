// Packages a video file in the creator's browser and uploads it as it is made:
//
//   probe (worker)  →  content key if the video is paid or private  →  reserve quota for the estimated size  →
//   stills and encoding (worker; segments of a paid or private video encrypted there, HLS AES-128), each finished
//   segment hashed here and uploaded at once (PUT /videos/{id}/package/files/…, the digest declared so storage
//   refuses a corrupted body)  →  manifest and playlists  →  publish.
//
// The worker waits while MAX_UNACKED_FILES files are being uploaded, so encoding never runs ahead of the network
// and memory stays flat. A reload re-encodes (WebCodecs state cannot be saved) but uploads only the files the
// server does not already have with the same digest.
import { fromBase64Url } from '../../../src/domain/content-encryption/key-wrap';
import { CONTENT_ENCRYPTION_METHOD, encryptedMediaPlaylist, segmentPositions } from '../../../src/domain/content-encryption/segment-cipher';
import { AssemblyError, assembleManifest, type ProducedRendition } from '../../../src/domain/packaging/assemble';
import { chooseLadder, type PlannedRendition } from '../../../src/domain/packaging/ladder';
import { type FileDigest, type IntegrityManifest, type StoryboardDigest, sha256HexOfBytes } from '../../../src/domain/packaging/manifest';
import { parseMasterPlaylist } from '../../../src/domain/packaging/playlist';
import { planStoryboard, posterSize, posterTimestamp, type StoryboardPlan } from '../../../src/domain/packaging/storyboard';
import { estimatePackageBytes } from '../../../src/domain/storage/quota';
import { apiRequest } from '../api';
import type { Video } from '../api-types';
import { sendBytes } from '../upload/transfer';
import { type FileKind, type PageToWorker, type Refusal, type SourceInfo, sequenceOfSegmentName, type WorkerToPage } from './protocol';

/** The ladder offered for every upload; chooseLadder drops the rungs taller than the source. */
export const SOURCE_LADDER = ['360p', '720p', '1080p'];

export type PackagingPhase = 'reserving' | 'stills' | 'encoding' | 'hashing-source' | 'uploading' | 'publishing' | 'done';

export interface PackagingProgress {
  phase: PackagingPhase;
  /** 0–1 for the current phase. */
  fraction: number;
  durationSeconds: number;
  encodedSeconds: number;
  /** Encoded seconds per wall-clock second, once encoding has run a moment. */
  speed: number | null;
  /** Estimated seconds left for encoding and uploading. */
  etaSeconds: number | null;
  /** Media and stills written so far (playlists are uploaded at the end and not counted). */
  producedBytes: number;
  /** Of those, the bytes the server has (stored earlier counts too). */
  uploadedBytes: number;
  skippedFiles: number;
  renditions: { name: string; segments: number; expectedSegments: number }[];
}

export class PackagingRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'PackagingRefused';
  }
}

export class PackagingCancelled extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'PackagingCancelled';
  }
}

function startWorker(): Worker {
  return new Worker(new URL('./packager.worker.ts', import.meta.url), { type: 'module' });
}

function send(worker: Worker, message: PageToWorker): void {
  worker.postMessage(message);
}

/** Reads the file's tracks in a worker; resolves with what it holds, rejects with PackagingRefused. */
export function probeVideoFile(file: File): Promise<SourceInfo> {
  const worker = startWorker();
  return new Promise<SourceInfo>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerToPage>) => {
      const message = event.data;
      if (message.type === 'probed') resolve(message.source);
      else if (message.type === 'refused') reject(new PackagingRefused(message.refusal));
      else if (message.type === 'failed') reject(new Error(message.message));
    };
    worker.onerror = (event) => reject(new Error(event.message || 'The packaging worker failed to start'));
    send(worker, { type: 'probe', file });
  }).finally(() => worker.terminate());
}

export interface PackagePlan {
  renditions: PlannedRendition[];
  storyboard: StoryboardPlan;
  estimatedBytes: number;
}

export function planPackage(source: SourceInfo): PackagePlan {
  const { renditions } = chooseLadder(source, SOURCE_LADDER);
  return {
    renditions,
    storyboard: planStoryboard(source.durationSeconds, source),
    estimatedBytes: estimatePackageBytes(renditions, source.durationSeconds),
  };
}

interface Reservation {
  reservedBytes: number;
  files: { path: string; bytes: number; sha256: string | null }[];
}

export interface PackagingJob {
  /** Resolves with the published video; rejects with PackagingRefused, PackagingCancelled or an ApiError. */
  done: Promise<Video>;
  cancel(): void;
}

export function packageAndUpload(options: {
  file: File;
  source: SourceInfo;
  videoId: string;
  onProgress: (progress: PackagingProgress) => void;
}): PackagingJob {
  const { file, source, videoId } = options;
  const plan = planPackage(source);
  const base = `/videos/${encodeURIComponent(videoId)}`;
  const worker = startWorker();
  const abort = new AbortController();
  let rejectCancelled: (error: Error) => void = () => {};

  const progress: PackagingProgress = {
    phase: 'reserving',
    fraction: 0,
    durationSeconds: source.durationSeconds,
    encodedSeconds: 0,
    speed: null,
    etaSeconds: null,
    producedBytes: 0,
    uploadedBytes: 0,
    skippedFiles: 0,
    renditions: plan.renditions.map((rendition) => ({
      name: rendition.name,
      segments: 0,
      expectedSegments: Math.max(1, Math.ceil(source.durationSeconds / 2)),
    })),
  };
  let encodingStartedAt: number | null = null;
  const emit = () => options.onProgress({ ...progress, renditions: progress.renditions.map((rendition) => ({ ...rendition })) });

  const digests = new Map<string, FileDigest>();
  const texts = new Map<string, string>();
  const uploads = new Set<Promise<void>>();
  let uploadError: unknown = null;

  const upload = async (path: string, data: ArrayBuffer, sha256: string, known: Map<string, string | null>) => {
    if (known.get(path) === sha256) {
      progress.skippedFiles += 1;
      progress.uploadedBytes += data.byteLength;
      return;
    }
    let sentBefore = 0;
    await sendBytes({
      method: 'PUT',
      url: `/api/v1${base}/package/files/${path}`,
      body: data,
      headers: { 'X-Content-SHA256': sha256 },
      signal: abort.signal,
      onProgress: (sent) => {
        progress.uploadedBytes += sent - sentBefore;
        sentBefore = sent;
        emit();
      },
    });
    progress.uploadedBytes += data.byteLength - sentBefore;
  };

  const run = async (): Promise<Video> => {
    emit();
    // Private or priced videos are encrypted (README "Content encryption"); the API decides and keeps the key.
    const issued = await apiRequest<PackagingKey>(`${base}/content-key`, { method: 'POST', signal: abort.signal });
    const contentKey = issued.encryption === 'aes-128' ? fromBase64Url(issued.key ?? '') : undefined;
    const reservation = await apiRequest<Reservation>(`${base}/package`, {
      method: 'PUT',
      body: { estimatedBytes: plan.estimatedBytes },
      signal: abort.signal,
    });
    const known = new Map(reservation.files.map((stored) => [stored.path, stored.sha256]));
    let sourceSha256: string | null = null;

    await new Promise<void>((resolve, reject) => {
      rejectCancelled = reject;
      worker.onerror = (event) => reject(new Error(event.message || 'The packaging worker stopped'));
      worker.onmessage = (event: MessageEvent<WorkerToPage>) => {
        const message = event.data;
        switch (message.type) {
          case 'progress':
            progress.phase = message.phase;
            progress.fraction = message.fraction;
            if (message.phase === 'encoding') {
              encodingStartedAt ??= performance.now();
              progress.encodedSeconds = message.processedSeconds;
              const elapsedSeconds = (performance.now() - encodingStartedAt) / 1000;
              if (elapsedSeconds > 1 && message.processedSeconds > 0) {
                progress.speed = message.processedSeconds / elapsedSeconds;
                progress.etaSeconds = (source.durationSeconds - message.processedSeconds) / progress.speed;
              }
            }
            emit();
            break;
          case 'file':
            void receive(message.path, message.kind, message.data).catch((error: unknown) => {
              uploadError ??= error;
              reject(error);
            });
            break;
          case 'source-digest':
            sourceSha256 = message.sha256;
            break;
          case 'done':
            resolve();
            break;
          case 'refused':
            reject(new PackagingRefused(message.refusal));
            break;
          case 'cancelled':
            reject(new PackagingCancelled());
            break;
          case 'failed':
            reject(new Error(`Packaging failed: ${message.message}`));
            break;
          case 'probed':
            break;
        }
      };
      const receive = async (path: string, kind: FileKind, data: ArrayBuffer) => {
        if (kind === 'playlist' || kind === 'master') {
          texts.set(path, new TextDecoder().decode(data));
        } else {
          progress.producedBytes += data.byteLength;
          const sha256 = await sha256HexOfBytes(new Uint8Array(data));
          digests.set(path, { path, bytes: data.byteLength, sha256 });
          if (kind === 'segment') {
            const rendition = progress.renditions.find((candidate) => path.startsWith(`${candidate.name}/`));
            if (rendition) rendition.segments += 1;
          }
          const task = upload(path, data, sha256, known);
          uploads.add(task);
          await task.finally(() => uploads.delete(task));
        }
        // The worker may hand over the next file only now: at most a few files are ever held here.
        send(worker, { type: 'ack', path });
        emit();
      };
      send(worker, {
        type: 'package',
        file,
        renditions: plan.renditions,
        storyboard: plan.storyboard,
        posterAtSeconds: posterTimestamp(source.durationSeconds),
        posterSize: posterSize(plan.renditions),
        ...(contentKey ? { contentKey } : {}),
      });
    });
    await Promise.all(uploads);
    if (uploadError) throw uploadError;

    progress.phase = 'publishing';
    progress.fraction = 0;
    emit();
    if (contentKey) for (const [path, text] of texts) if (path !== 'master.m3u8') texts.set(path, withKeyTags(path, text));
    const { manifest, masterPlaylist } = assemble(plan, source, sourceSha256, texts, digests, contentKey !== undefined);
    await apiRequest(`${base}/manifest`, { method: 'PUT', body: { ...manifest, videoId }, signal: abort.signal });
    const playlists: [string, string][] = [
      ['master.m3u8', masterPlaylist],
      ...manifest.renditions.map((rendition): [string, string] => [rendition.playlist, texts.get(rendition.playlist) ?? '']),
    ];
    for (const [path, text] of playlists) {
      await sendBytes({
        method: 'PUT',
        url: `/api/v1${base}/files/${path}`,
        body: new TextEncoder().encode(text).buffer as ArrayBuffer,
        signal: abort.signal,
        onProgress: () => {},
      });
    }
    const published = await apiRequest<Video>(`${base}/publish`, { method: 'POST', signal: abort.signal });
    progress.phase = 'done';
    progress.fraction = 1;
    emit();
    return published;
  };

  const done = run().finally(() => worker.terminate());
  return {
    done,
    cancel() {
      send(worker, { type: 'cancel' });
      abort.abort();
      rejectCancelled(new PackagingCancelled());
    },
  };
}

interface PackagingKey {
  encryption: 'none' | 'aes-128';
  key?: string;
}

/**
 * A media playlist with the key tags of an encrypted package, after checking that each segment sits at the
 * sequence number the worker encrypted it with (its name), so every IV the player derives is the one used.
 */
function withKeyTags(playlistPath: string, text: string): string {
  for (const [path, position] of segmentPositions(playlistPath, text)) {
    if (position.kind === 'segment' && sequenceOfSegmentName(path) !== position.mediaSequence) {
      throw new AssemblyError(`${path} is listed at sequence ${position.mediaSequence} but was encrypted for another`);
    }
  }
  return encryptedMediaPlaylist(playlistPath, text);
}

/** Manifest and master playlist from what the worker produced; checks the muxer laid out what was planned. */
function assemble(
  plan: PackagePlan,
  source: SourceInfo,
  sourceSha256: string | null,
  texts: ReadonlyMap<string, string>,
  digests: ReadonlyMap<string, FileDigest>,
  encrypted: boolean,
): { manifest: IntegrityManifest; masterPlaylist: string } {
  const master = texts.get('master.m3u8');
  if (!master || !sourceSha256) throw new AssemblyError('the packager did not finish the master playlist');
  const variants = parseMasterPlaylist(master);
  const renditions: ProducedRendition[] = plan.renditions.map((rendition) => {
    const playlistPath = `${rendition.name}/index.m3u8`;
    const variant = variants.find((candidate) => candidate.uri === playlistPath);
    const playlistText = texts.get(playlistPath);
    if (!variant?.codecs || !playlistText) throw new AssemblyError(`the packager wrote no playlist for ${rendition.name}`);
    return {
      name: rendition.name,
      playlistPath,
      playlistText,
      // hls.js and MSE match codec strings case-sensitively in places; RFC 6381 spells Opus in lower case in HLS.
      codecs: variant.codecs.replace(/\bOpus\b/, 'opus'),
      resolution: variant.resolution ?? `${rendition.width}x${rendition.height}`,
    };
  });
  const storyboardDigest = digests.get('storyboard.jpg');
  const storyboard: StoryboardDigest | undefined = storyboardDigest
    ? {
        ...storyboardDigest,
        columns: plan.storyboard.columns,
        rows: plan.storyboard.rows,
        tiles: plan.storyboard.tiles,
        tileWidth: plan.storyboard.tileWidth,
        tileHeight: plan.storyboard.tileHeight,
        intervalSeconds: plan.storyboard.intervalSeconds,
      }
    : undefined;
  return assembleManifest({
    createdAt: new Date(),
    source: {
      name: source.name.slice(0, 255),
      bytes: source.bytes,
      sha256: sourceSha256,
      durationSeconds: Math.round(source.durationSeconds * 1000) / 1000,
      width: source.width,
      height: source.height,
    },
    renditions,
    digests,
    poster: digests.get('poster.jpg'),
    storyboard,
    encryption: encrypted ? { method: CONTENT_ENCRYPTION_METHOD } : undefined,
  });
}
