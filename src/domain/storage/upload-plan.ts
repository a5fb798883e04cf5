// How a large file of a packaged video is cut into the parts of an R2 multipart upload, and what is left to
// send when an interrupted upload resumes. Shared by the Worker (which checks every part against the plan) and
// the creator page (which slices the file the same way), so both agree on every byte offset.
//
// R2's rules (developers.cloudflare.com/r2/objects/multipart-objects/): every part but the last is at least
// 5 MiB, all parts but the last have the same size, and an upload has at most 10,000 parts.

export const MIB = 1024 * 1024;
/** R2's floor for every part but the last. */
export const R2_MIN_PART_BYTES = 5 * MIB;
export const R2_MAX_PARTS = 10_000;
/** Files from this size up go through a multipart upload unless configured otherwise (UPLOAD_MULTIPART_MIN_BYTES). */
export const DEFAULT_MULTIPART_MIN_BYTES = 8 * MIB;
/** Part size unless configured otherwise (UPLOAD_PART_BYTES); small enough that a lost part costs seconds. */
export const DEFAULT_PART_BYTES = 8 * MIB;

export interface UploadLimits {
  /** Files of at least this many bytes use a multipart upload; smaller ones one PUT. */
  multipartMinBytes: number;
  /** Size of every part but the last. */
  partBytes: number;
}

/**
 * Limits from configuration strings: unset, unparsable or non-positive values fall back to the defaults, and
 * the part size never goes below R2's 5 MiB floor (a smaller one would only fail at completion).
 */
export function uploadLimitsOf(config: { multipartMinBytes?: string; partBytes?: string }): UploadLimits {
  const positive = (raw: string | undefined, fallback: number) => {
    const value = Number(raw);
    return raw !== undefined && raw !== '' && Number.isSafeInteger(value) && value > 0 ? value : fallback;
  };
  return {
    multipartMinBytes: positive(config.multipartMinBytes, DEFAULT_MULTIPART_MIN_BYTES),
    partBytes: Math.max(R2_MIN_PART_BYTES, positive(config.partBytes, DEFAULT_PART_BYTES)),
  };
}

export function needsMultipart(fileBytes: number, limits: UploadLimits): boolean {
  return fileBytes > 0 && fileBytes >= limits.multipartMinBytes;
}

export interface PartPlan {
  fileBytes: number;
  /** Size of every part but the last. */
  partBytes: number;
  /** Number of parts, at least 1. */
  parts: number;
}

/** The parts of a file: the configured size, raised when the file would otherwise need more than 10,000 parts. */
export function planParts(fileBytes: number, limits: Pick<UploadLimits, 'partBytes'>): PartPlan {
  if (!Number.isSafeInteger(fileBytes) || fileBytes <= 0) throw new RangeError('a multipart upload needs a non-empty file');
  const partBytes = Math.max(limits.partBytes, R2_MIN_PART_BYTES, Math.ceil(fileBytes / R2_MAX_PARTS));
  return { fileBytes, partBytes, parts: Math.ceil(fileBytes / partBytes) };
}

/** Byte range [start, end) of part `partNumber` (1-based, as R2 numbers parts); undefined when out of range. */
export function partRange(plan: PartPlan, partNumber: number): { start: number; end: number } | undefined {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.parts) return undefined;
  const start = (partNumber - 1) * plan.partBytes;
  return { start, end: Math.min(start + plan.partBytes, plan.fileBytes) };
}

/** The exact size part `partNumber` must have; undefined when out of range. */
export function expectedPartBytes(plan: PartPlan, partNumber: number): number | undefined {
  const range = partRange(plan, partNumber);
  return range && range.end - range.start;
}

/** Part numbers still to send, in order, given those the server has recorded as done. */
export function missingParts(plan: PartPlan, doneParts: Iterable<number>): number[] {
  const done = new Set(doneParts);
  return Array.from({ length: plan.parts }, (_, i) => i + 1).filter((part) => !done.has(part));
}

/** Bytes already stored of a file, from its done parts (for an honest progress bar after a reload). */
export function doneBytes(plan: PartPlan, doneParts: Iterable<number>): number {
  let total = 0;
  for (const part of new Set(doneParts)) total += expectedPartBytes(plan, part) ?? 0;
  return total;
}
