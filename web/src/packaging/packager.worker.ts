// The in-browser packager: reads the creator's video file and writes the same package `npm run package-video`
// makes — an H.264 HLS ladder in CMAF (fMP4) segments, every rendition's keyframes 2 s apart so segments line
// up across renditions — plus a poster and a storyboard sprite. WebCodecs does the encoding through Mediabunny;
// running here keeps the page responsive. Nothing is kept: each finished file is handed to the page (which
// hashes and uploads it) and the worker waits while too many are still in the page's hands, so memory stays
// flat whatever the source's length.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  ALL_FORMATS,
  BlobSource,
  BufferTarget,
  CanvasSink,
  CmafOutputFormat,
  Conversion,
  ConversionCanceledError,
  canEncodeAudio,
  canEncodeVideo,
  HlsOutputFormat,
  Input,
  type InputAudioTrack,
  type InputVideoTrack,
  Output,
  OutputTrackGroup,
  PathedTarget,
} from 'mediabunny';
import { encryptSegment, ivFor } from '../../../src/domain/content-encryption/segment-cipher';
import type { PlannedRendition } from '../../../src/domain/packaging/ladder';
import type { StoryboardPlan } from '../../../src/domain/packaging/storyboard';
import { type FileKind, type PageToWorker, type Refusal, type SourceInfo, sequenceOfSegmentName, type WorkerToPage } from './protocol';

/** Keyframe spacing and segment target: 2 s, as the CLI packages, so P2P segments are small and switches quick. */
export const SEGMENT_SECONDS = 2;
/** Files handed to the page and not yet acknowledged: enough to keep uploads busy, few enough to stay small. */
const MAX_UNACKED_FILES = 4;
/** Audio codecs CMAF HLS carries that every browser the player supports can play: copied untouched. */
const COPYABLE_AUDIO = new Set(['aac', 'opus']);
const POSTER_JPEG_QUALITY = 0.85;
const STORYBOARD_JPEG_QUALITY = 0.7;
/** Source bytes read per step while hashing it: bounded memory for any file size. */
const HASH_CHUNK_BYTES = 8 * 1024 * 1024;

const scope = self as unknown as {
  postMessage(message: WorkerToPage, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PageToWorker>) => void) | null;
};

function post(message: WorkerToPage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

// Backpressure: a file is "in the page's hands" until the page acknowledges it.
const unacked = new Set<string>();
let roomWaiters: (() => void)[] = [];

function acknowledge(path: string): void {
  unacked.delete(path);
  const waiters = roomWaiters;
  roomWaiters = [];
  for (const wake of waiters) wake();
}

/** Set for a paid or private video (protocol.ts): media files leave the worker encrypted. */
let contentKey: Uint8Array | null = null;

/**
 * The Media Sequence Number of a segment this worker named (segmentName): Mediabunny's playlists start at
 * sequence 0 and list segments in the order they are numbered, which the page checks against each playlist
 * before it publishes (browser-packager.ts).
 */
function sequenceOf(path: string): number {
  const sequence = sequenceOfSegmentName(path);
  if (sequence === undefined) throw new Error(`unexpected segment name: ${path}`);
  return sequence;
}

async function sealed(path: string, kind: FileKind, data: ArrayBuffer): Promise<ArrayBuffer> {
  if (!contentKey || (kind !== 'init' && kind !== 'segment')) return data;
  const position = kind === 'init' ? ({ kind: 'init' } as const) : ({ kind: 'segment', mediaSequence: sequenceOf(path) } as const);
  return (await encryptSegment(contentKey, ivFor(position), new Uint8Array(data))).buffer;
}

async function handOver(path: string, kind: FileKind, clear: ArrayBuffer, n?: number): Promise<void> {
  const data = await sealed(path, kind, clear);
  while (unacked.size >= MAX_UNACKED_FILES) await new Promise<void>((resolve) => roomWaiters.push(resolve));
  unacked.add(path);
  post({ type: 'file', path, kind, data, ...(n !== undefined ? { n } : {}) }, [data]);
}

async function waitUntilAllAcknowledged(): Promise<void> {
  while (unacked.size > 0) await new Promise<void>((resolve) => roomWaiters.push(resolve));
}

interface OpenedSource {
  input: Input;
  video: InputVideoTrack;
  audio: InputAudioTrack | null;
  info: SourceInfo;
}

async function openSource(file: File): Promise<OpenedSource> {
  if (file.size === 0) throw new Refused({ code: 'empty_file', message: 'The file is empty (0 bytes).' });
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  let video: InputVideoTrack | null;
  let audio: InputAudioTrack | null;
  let durationSeconds: number;
  try {
    await input.getFormat();
    video = await input.getPrimaryVideoTrack();
    audio = await input.getPrimaryAudioTrack();
    durationSeconds = await input.computeDuration();
  } catch {
    throw new Refused({
      code: 'unreadable',
      message: `“${file.name}” is not a video file this browser can read. Upload an MP4, MOV, WebM or MKV file.`,
    });
  }
  if (!video) throw new Refused({ code: 'no_video', message: `“${file.name}” has no video track (is it an audio file?). Upload a video.` });
  if (!(await video.canDecode())) {
    throw new Refused({
      code: 'video_codec',
      message: `This browser cannot decode the video of “${file.name}” (codec: ${video.codec ?? 'unknown'}). Convert it to H.264, VP9 or AV1 first.`,
    });
  }
  if (!(durationSeconds >= 0.5)) throw new Refused({ code: 'too_short', message: 'The video is shorter than half a second.' });
  if (!(await canEncodeVideo('avc'))) {
    throw new Refused({
      code: 'encoder_missing',
      message: 'This browser cannot encode H.264 video. Try a current Chrome, Edge or Safari.',
    });
  }
  let audioPlan: SourceInfo['audio'] = 'none';
  if (audio) {
    if (audio.codec && COPYABLE_AUDIO.has(audio.codec)) audioPlan = 'copy';
    else if ((await audio.canDecode()) && (await canEncodeAudio('opus'))) audioPlan = 'opus';
    else {
      // Mediabunny would drop such a track silently and still produce a valid, silent package: refuse instead.
      throw new Refused({
        code: 'audio_dropped',
        message: `The sound of “${file.name}” (codec: ${audio.codec ?? 'unknown'}) cannot be decoded by this browser and would be lost. Convert the audio to AAC or Opus first.`,
      });
    }
  }
  return {
    input,
    video,
    audio,
    info: {
      name: file.name,
      bytes: file.size,
      durationSeconds,
      width: video.displayWidth,
      height: video.displayHeight,
      videoCodec: video.codec ?? 'unknown',
      audioCodec: audio?.codec ?? null,
      audio: audioPlan,
    },
  };
}

async function jpegOf(canvas: OffscreenCanvas | HTMLCanvasElement, quality: number): Promise<ArrayBuffer> {
  const blob = await (canvas as OffscreenCanvas).convertToBlob({ type: 'image/jpeg', quality });
  return blob.arrayBuffer();
}

/** The poster frame and the storyboard sprite, decoded from the source (no encoding blur). */
async function makeStills(
  source: OpenedSource,
  plan: { storyboard: StoryboardPlan; posterAtSeconds: number; posterSize: { width: number; height: number } },
): Promise<void> {
  const posterSink = new CanvasSink(source.video, { ...plan.posterSize, fit: 'fill' });
  const poster = (await posterSink.getCanvas(plan.posterAtSeconds)) ?? (await posterSink.getCanvas(0));
  if (poster) await handOver('poster.jpg', 'poster', await jpegOf(poster.canvas, POSTER_JPEG_QUALITY));

  const { storyboard } = plan;
  const sprite = new OffscreenCanvas(storyboard.columns * storyboard.tileWidth, storyboard.rows * storyboard.tileHeight);
  const context = sprite.getContext('2d');
  if (!context) return;
  context.fillStyle = '#000';
  context.fillRect(0, 0, sprite.width, sprite.height);
  const tileSink = new CanvasSink(source.video, { width: storyboard.tileWidth, height: storyboard.tileHeight, fit: 'fill' });
  let index = 0;
  for await (const tile of tileSink.canvasesAtTimestamps(storyboard.timestamps)) {
    if (tile) {
      const x = (index % storyboard.columns) * storyboard.tileWidth;
      const y = Math.floor(index / storyboard.columns) * storyboard.tileHeight;
      context.drawImage(tile.canvas as CanvasImageSource, x, y);
    }
    index += 1;
    post({ type: 'progress', phase: 'stills', processedSeconds: 0, fraction: index / storyboard.tiles });
  }
  await handOver('storyboard.jpg', 'storyboard', await jpegOf(sprite, STORYBOARD_JPEG_QUALITY));
}

function segmentName(k: number): string {
  // Mediabunny counts from 1; the CLI's segments start at seg_00000.
  return `seg_${String(k - 1).padStart(5, '0')}.m4s`;
}

let conversion: Conversion | null = null;
let cancelled = false;

async function encode(source: OpenedSource, renditions: PlannedRendition[]): Promise<void> {
  const pending: Promise<void>[] = [];
  const playlistIndex = new Map<string, number>();
  const output = new Output({
    format: new HlsOutputFormat({
      segmentFormat: new CmafOutputFormat(),
      targetDuration: SEGMENT_SECONDS,
      getPlaylistPath: ({ n }) => {
        const path = `${renditions[n - 1]?.name ?? `r${n}`}/index.m3u8`;
        playlistIndex.set(path, n);
        return path;
      },
      getInitPath: () => 'init.mp4',
      getSegmentPath: ({ n: k }) => segmentName(k),
    }),
    target: new PathedTarget('master.m3u8', ({ path }) => {
      const kind: FileKind =
        path === 'master.m3u8' ? 'master' : path.endsWith('.m3u8') ? 'playlist' : path.endsWith('init.mp4') ? 'init' : 'segment';
      return new BufferTarget({ onFinalize: (buffer) => handOver(path, kind, buffer, playlistIndex.get(path)) });
    }),
    onFinalize: () => Promise.all(pending),
  });
  // One track group per rendition: each media playlist carries its video and a copy of the audio (muxed, as the
  // CLI writes them), so one segment is all a peer needs to send for a moment of the video.
  const groups = renditions.map(() => new OutputTrackGroup());
  const audioPlan = source.info.audio;
  conversion = await Conversion.init({
    input: source.input,
    output,
    tracks: 'primary',
    showWarnings: false,
    video: renditions.map((rendition, i) => ({
      codec: 'avc' as const,
      width: rendition.width,
      height: rendition.height,
      fit: 'fill' as const,
      bitrate: rendition.videoBitrateKbps * 1000,
      keyFrameInterval: SEGMENT_SECONDS,
      forceTranscode: true,
      group: groups[i],
    })),
    audio:
      audioPlan === 'none'
        ? { discard: true }
        : renditions.map((rendition, i) => ({
            group: groups[i],
            ...(audioPlan === 'opus' ? { codec: 'opus' as const, bitrate: rendition.audioBitrateKbps * 1000 } : {}),
          })),
  });
  const lost = conversion.discardedTracks.filter((discarded) => discarded.track.type === 'video' || audioPlan !== 'none');
  if (!conversion.isValid || lost.length > 0) {
    const reasons = lost.map((discarded) => `${discarded.track.type}: ${discarded.reason}`).join(', ');
    throw new Refused({
      code: 'audio_dropped',
      message: `This file cannot be packaged without losing a track (${reasons || 'no usable track'}).`,
    });
  }
  conversion.onProgress = (fraction, processedSeconds) => post({ type: 'progress', phase: 'encoding', processedSeconds, fraction });
  await conversion.execute();
}

async function hashSource(file: File): Promise<string> {
  const hash = sha256.create();
  for (let offset = 0; offset < file.size; offset += HASH_CHUNK_BYTES) {
    if (cancelled) throw new ConversionCanceledError();
    hash.update(new Uint8Array(await file.slice(offset, offset + HASH_CHUNK_BYTES).arrayBuffer()));
    post({
      type: 'progress',
      phase: 'hashing-source',
      processedSeconds: 0,
      fraction: Math.min(1, (offset + HASH_CHUNK_BYTES) / file.size),
    });
  }
  return bytesToHex(hash.digest());
}

async function run(message: Extract<PageToWorker, { type: 'package' }>): Promise<void> {
  const source = await openSource(message.file);
  await makeStills(source, message);
  if (cancelled) throw new ConversionCanceledError();
  await encode(source, message.renditions);
  post({ type: 'source-digest', sha256: await hashSource(message.file) });
  await waitUntilAllAcknowledged();
}

function report(error: unknown): void {
  if (error instanceof Refused) post({ type: 'refused', refusal: error.refusal });
  else if (error instanceof ConversionCanceledError || cancelled) post({ type: 'cancelled' });
  else post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'probe':
      openSource(message.file).then((source) => post({ type: 'probed', source: source.info }), report);
      break;
    case 'package':
      cancelled = false;
      contentKey = message.contentKey ?? null;
      run(message).then(() => post({ type: 'done' }), report);
      break;
    case 'ack':
      acknowledge(message.path);
      break;
    case 'cancel':
      cancelled = true;
      void conversion?.cancel();
      break;
  }
};
