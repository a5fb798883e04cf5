import { describe, expect, it } from 'vitest';
import { planStoryboard, posterSize, posterTimestamp, STORYBOARD_MAX_TILES } from '../../../src/domain/packaging/storyboard';

describe('storyboard plan', () => {
  it('takes a tile every 2 s of a short clip, ten to a row, at the source aspect ratio', () => {
    const plan = planStoryboard(20, { width: 1280, height: 720 });
    expect(plan).toMatchObject({ intervalSeconds: 2, tiles: 10, columns: 10, rows: 1, tileWidth: 160, tileHeight: 90 });
    expect(plan.timestamps).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('spreads at most 100 tiles over a long video', () => {
    const plan = planStoryboard(3 * 3600, { width: 1920, height: 1080 });
    expect(plan.tiles).toBeLessThanOrEqual(STORYBOARD_MAX_TILES);
    expect(plan.intervalSeconds).toBe(108);
    expect(plan.rows).toBe(10);
    expect(plan.timestamps.at(-1)).toBeLessThan(3 * 3600);
  });

  it('keeps a tile for the last frame past a whole interval, and even tile heights for odd aspect ratios', () => {
    expect(planStoryboard(12.007, { width: 640, height: 360 }).tiles).toBe(7);
    expect(planStoryboard(1, { width: 720, height: 1280 })).toMatchObject({ tiles: 1, columns: 1, rows: 1, tileHeight: 284 });
  });

  it('rejects a zero duration or size', () => {
    expect(() => planStoryboard(0, { width: 640, height: 360 })).toThrow(RangeError);
    expect(() => planStoryboard(10, { width: 0, height: 360 })).toThrow(RangeError);
  });
});

describe('poster', () => {
  it('is the frame 10 % in, never later than 10 s', () => {
    expect(posterTimestamp(20)).toBe(2);
    expect(posterTimestamp(3600)).toBe(10);
    expect(posterTimestamp(0)).toBe(0);
  });

  it('is the largest rendition, at most 1280 wide, with its aspect ratio', () => {
    expect(
      posterSize([
        { width: 640, height: 360 },
        { width: 1920, height: 1080 },
      ]),
    ).toEqual({ width: 1280, height: 720 });
    expect(posterSize([{ width: 640, height: 360 }])).toEqual({ width: 640, height: 360 });
  });
});

describe('package paths', async () => {
  const { isStageablePath, contentTypeOf } = await import('../../../src/domain/packaging/paths');
  it('lets media and stills in before the manifest, never playlists or the manifest', () => {
    expect(isStageablePath('720p/seg_00012.m4s')).toBe(true);
    expect(isStageablePath('720p/init.mp4')).toBe(true);
    expect(isStageablePath('poster.jpg')).toBe(true);
    expect(isStageablePath('720p/index.m3u8')).toBe(false);
    expect(isStageablePath('manifest.json')).toBe(false);
    expect(isStageablePath('../seg.m4s')).toBe(false);
    expect(contentTypeOf('storyboard.jpg')).toBe('image/jpeg');
  });
});
