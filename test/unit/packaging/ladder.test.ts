import { describe, expect, it } from 'vitest';
import { chooseLadder, UnknownRenditionError } from '../../../src/domain/packaging';

describe('chooseLadder', () => {
  it('encodes a 1080p source as the default 360p + 720p ladder, keeping 16:9', () => {
    const plan = chooseLadder({ width: 1920, height: 1080 });
    expect(plan.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ['360p', 640, 360],
      ['720p', 1280, 720],
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('never upscales: a 360p source gets only the 360p rendition', () => {
    const plan = chooseLadder({ width: 640, height: 360 }, ['720p', '360p']);
    expect(plan.renditions.map((r) => r.name)).toEqual(['360p']);
    expect(plan.skipped).toEqual(['720p']);
  });

  it('packages a source smaller than every requested rendition once at its own height', () => {
    const plan = chooseLadder({ width: 320, height: 181 });
    expect(plan.renditions).toEqual([expect.objectContaining({ name: '182p', width: 322, height: 182, videoBitrateKbps: 800 })]);
    expect(plan.skipped).toEqual(['360p', '720p']);
  });

  it('keeps even widths for portrait and odd aspect ratios', () => {
    const plan = chooseLadder({ width: 1080, height: 1920 }, ['720p']);
    expect(plan.renditions[0]).toMatchObject({ width: 406, height: 720 });
  });

  it('orders renditions by height and ignores duplicates', () => {
    const plan = chooseLadder({ width: 1920, height: 1080 }, ['1080p', '360p', '1080p']);
    expect(plan.renditions.map((r) => r.name)).toEqual(['360p', '1080p']);
  });

  it('rejects unknown renditions and empty sources', () => {
    expect(() => chooseLadder({ width: 1920, height: 1080 }, ['4k'])).toThrow(UnknownRenditionError);
    expect(() => chooseLadder({ width: 0, height: 0 })).toThrow(RangeError);
    expect(() => chooseLadder({ width: 1920, height: 1080 }, [])).toThrow(RangeError);
  });
});
