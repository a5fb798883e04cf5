import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MULTIPART_MIN_BYTES,
  DEFAULT_PART_BYTES,
  doneBytes,
  expectedPartBytes,
  MIB,
  missingParts,
  needsMultipart,
  partRange,
  planParts,
  R2_MAX_PARTS,
  R2_MIN_PART_BYTES,
  uploadLimitsOf,
} from '../../../src/domain/storage/upload-plan';

describe('upload limits', () => {
  it('falls back to the defaults for unset or invalid values', () => {
    expect(uploadLimitsOf({})).toEqual({ multipartMinBytes: DEFAULT_MULTIPART_MIN_BYTES, partBytes: DEFAULT_PART_BYTES });
    expect(uploadLimitsOf({ multipartMinBytes: 'x', partBytes: '-3' })).toEqual({
      multipartMinBytes: DEFAULT_MULTIPART_MIN_BYTES,
      partBytes: DEFAULT_PART_BYTES,
    });
  });

  it('never lets the part size go below R2 minimum, while the threshold may be anything positive', () => {
    expect(uploadLimitsOf({ multipartMinBytes: '1024', partBytes: '1024' })).toEqual({
      multipartMinBytes: 1024,
      partBytes: R2_MIN_PART_BYTES,
    });
  });

  it('sends files from the threshold up as multipart and never an empty file', () => {
    const limits = { multipartMinBytes: 8 * MIB, partBytes: 8 * MIB };
    expect(needsMultipart(8 * MIB - 1, limits)).toBe(false);
    expect(needsMultipart(8 * MIB, limits)).toBe(true);
    expect(needsMultipart(0, { ...limits, multipartMinBytes: 0 })).toBe(false);
  });
});

describe('part plan', () => {
  it('cuts a file into equal parts and a shorter last one', () => {
    const plan = planParts(11 * MIB, { partBytes: 5 * MIB });
    expect(plan).toEqual({ fileBytes: 11 * MIB, partBytes: 5 * MIB, parts: 3 });
    expect([1, 2, 3].map((n) => expectedPartBytes(plan, n))).toEqual([5 * MIB, 5 * MIB, MIB]);
    expect(partRange(plan, 3)).toEqual({ start: 10 * MIB, end: 11 * MIB });
  });

  it('uses one part for a file smaller than a part (the last part may be any size)', () => {
    expect(planParts(100, { partBytes: 5 * MIB })).toEqual({ fileBytes: 100, partBytes: 5 * MIB, parts: 1 });
  });

  it('has no partial last part when the size divides evenly', () => {
    const plan = planParts(10 * MIB, { partBytes: 5 * MIB });
    expect(plan.parts).toBe(2);
    expect(expectedPartBytes(plan, 2)).toBe(5 * MIB);
  });

  it('raises the part size so a huge file stays within 10,000 parts', () => {
    const plan = planParts(100_000 * MIB, { partBytes: 5 * MIB });
    expect(plan.parts).toBeLessThanOrEqual(R2_MAX_PARTS);
    expect(plan.partBytes * plan.parts).toBeGreaterThanOrEqual(100_000 * MIB);
  });

  it('answers undefined for part numbers out of range', () => {
    const plan = planParts(11 * MIB, { partBytes: 5 * MIB });
    for (const n of [0, 4, -1, 1.5]) expect(expectedPartBytes(plan, n)).toBeUndefined();
  });

  it('refuses to plan an empty file', () => {
    expect(() => planParts(0, { partBytes: 5 * MIB })).toThrow(RangeError);
  });
});

describe('resume plan', () => {
  it('lists only the parts not yet done, and counts the bytes already stored', () => {
    const plan = planParts(11 * MIB, { partBytes: 5 * MIB });
    expect(missingParts(plan, [2])).toEqual([1, 3]);
    expect(missingParts(plan, [1, 2, 3])).toEqual([]);
    expect(doneBytes(plan, [1, 3, 3])).toBe(6 * MIB);
  });
});
