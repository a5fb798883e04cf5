// Per-creator storage quotas, checked when a manifest is accepted — before any file of it is stored — so a
// creator over quota learns it from one small request instead of after uploading gigabytes.
import type { IntegrityManifest } from '../packaging/manifest';
import { manifestFiles } from '../packaging/manifest';

export const DEFAULT_QUOTA_BYTES = 10 * 1024 ** 3;

/** Bytes a manifest will occupy: every file it lists with a size, plus a playlist allowance per rendition. */
export const PLAYLIST_ALLOWANCE_BYTES = 64 * 1024;
export function manifestBytes(manifest: IntegrityManifest): number {
  const files = manifestFiles(manifest).reduce((sum, file) => sum + file.bytes, 0);
  // master.m3u8 + each media playlist; their real sizes are unknown until uploaded, and small.
  return files + (manifest.renditions.length + 1) * PLAYLIST_ALLOWANCE_BYTES;
}

export type QuotaDecision =
  | { ok: true; usedAfterBytes: number }
  | { ok: false; usedBytes: number; quotaBytes: number; requestedBytes: number };

/**
 * `usedBytes` is what the creator's videos occupy now, including `replacingBytes` when the manifest replaces
 * an earlier one of the same video (its space is given back).
 */
export function checkQuota(input: {
  usedBytes: number;
  replacingBytes: number;
  requestedBytes: number;
  quotaBytes: number;
}): QuotaDecision {
  const usedAfterBytes = input.usedBytes - input.replacingBytes + input.requestedBytes;
  if (usedAfterBytes > input.quotaBytes) {
    return {
      ok: false,
      usedBytes: input.usedBytes - input.replacingBytes,
      quotaBytes: input.quotaBytes,
      requestedBytes: input.requestedBytes,
    };
  }
  return { ok: true, usedAfterBytes };
}

/** Audio is copied from the source when it can be; this covers up to a 320 kbit/s stereo track per rendition. */
const AUDIO_ALLOWANCE_KBPS = 320;
/** Encoders overshoot their target on busy scenes; the reservation is a ceiling, not a forecast. */
const ENCODER_OVERSHOOT = 1.5;
/** Poster, storyboard, init segments. */
const STILLS_ALLOWANCE_BYTES = 2 * 1024 * 1024;

/**
 * The space to reserve for a package that is uploaded while it is still being encoded (its exact size is known
 * only once the manifest exists): every rendition at 1.5× its target bit rate plus audio, the stills and the
 * playlists. The manifest later replaces the reservation with the exact figure.
 */
export function estimatePackageBytes(renditions: readonly { videoBitrateKbps: number }[], durationSeconds: number): number {
  const kbps = renditions.reduce((sum, rendition) => sum + rendition.videoBitrateKbps * ENCODER_OVERSHOOT + AUDIO_ALLOWANCE_KBPS, 0);
  const mediaBytes = (kbps * 1000 * Math.max(0, durationSeconds)) / 8;
  return Math.ceil(mediaBytes + STILLS_ALLOWANCE_BYTES + (renditions.length + 1) * PLAYLIST_ALLOWANCE_BYTES);
}
