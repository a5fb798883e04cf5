// Messages between the upload page and the packaging worker (packager.worker.ts). The worker does the media
// work (probe, encode, stills); the page does everything that needs the session — hashing is done where the
// bytes are when they leave, uploading, the API calls — so the worker never holds credentials.
import type { PlannedRendition } from '../../../src/domain/packaging/ladder';
import type { StoryboardPlan } from '../../../src/domain/packaging/storyboard';

/** What the probe learned about the picked file. */
export interface SourceInfo {
  name: string;
  bytes: number;
  durationSeconds: number;
  width: number;
  height: number;
  videoCodec: string;
  /** null: the file has no audio track. */
  audioCodec: string | null;
  /** Audio is copied when its codec fits CMAF HLS (AAC, Opus), otherwise re-encoded to Opus. */
  audio: 'copy' | 'opus' | 'none';
}

/** Why a file is refused before anything is uploaded; `message` is shown to the creator as is. */
export interface Refusal {
  code: 'empty_file' | 'no_video' | 'unreadable' | 'video_codec' | 'audio_dropped' | 'encoder_missing' | 'too_short';
  message: string;
}

/**
 * The Media Sequence Number the worker gives a segment's name (`seg_00007.m4s` → 7): it encrypts with that IV,
 * and the page checks each playlist lists segments at those numbers. Undefined for any other name.
 */
export function sequenceOfSegmentName(path: string): number | undefined {
  const match = /seg_(\d+)\.m4s$/.exec(path);
  return match ? Number(match[1]) : undefined;
}

export type FileKind = 'init' | 'segment' | 'playlist' | 'master' | 'poster' | 'storyboard';

export type PageToWorker =
  | { type: 'probe'; file: File }
  | {
      type: 'package';
      file: File;
      renditions: PlannedRendition[];
      storyboard: StoryboardPlan;
      posterAtSeconds: number;
      posterSize: { width: number; height: number };
      /**
       * The video's content key when it is paid or private: the worker encrypts every init and media segment
       * (HLS AES-128) before handing it over, so the page only ever hashes and uploads ciphertext.
       */
      contentKey?: Uint8Array;
    }
  /** The page has taken the file (hashed and queued it); the worker may produce more. */
  | { type: 'ack'; path: string }
  | { type: 'cancel' };

export type WorkerToPage =
  | { type: 'probed'; source: SourceInfo }
  | { type: 'refused'; refusal: Refusal }
  | { type: 'progress'; phase: 'stills' | 'encoding' | 'hashing-source'; processedSeconds: number; fraction: number }
  /** One finished file of the package; `data` is transferred, not copied. `n` is the playlist's 1-based index. */
  | { type: 'file'; path: string; kind: FileKind; data: ArrayBuffer; n?: number }
  | { type: 'source-digest'; sha256: string }
  | { type: 'done' }
  | { type: 'cancelled' }
  | { type: 'failed'; message: string };
