import { describe, expect, it } from 'vitest';
import { GLOBAL_REGION, trendingByRegion } from '../../../src/domain/recommendations/trending';

describe('trending per region', () => {
  it('sums decayed weights per region and everywhere, counting viewers', () => {
    const lists = trendingByRegion([
      { videoId: 'x', region: 'DE', weight: 2 },
      { videoId: 'x', region: 'DE', weight: 1 },
      { videoId: 'y', region: 'DE', weight: 2.5 },
      { videoId: 'y', region: 'US', weight: 4 },
      { videoId: 'z', region: '', weight: 1 },
      { videoId: 'skipped', region: 'DE', weight: 0 },
    ]);
    expect(lists.get('DE')).toEqual([
      { id: 'x', score: 3, viewers: 2 },
      { id: 'y', score: 2.5, viewers: 1 },
    ]);
    expect(lists.get('US')).toEqual([{ id: 'y', score: 4, viewers: 1 }]);
    expect(lists.get(GLOBAL_REGION)).toEqual([
      { id: 'y', score: 6.5, viewers: 2 },
      { id: 'x', score: 3, viewers: 2 },
      { id: 'z', score: 1, viewers: 1 },
    ]);
  });
});
