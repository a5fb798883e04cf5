// The seed's paid videos can be bought: each has the video_prices rows checkout charges (buy, and rent for
// DEMO_RENTAL_HOURS), and its catalog card shows the price checkout charges for buying it.
import { describe, expect, it } from 'vitest';
import { DEMO_RENTAL_HOURS, DEMO_VIDEOS } from '../../dev/lib/demo-data';
import { buildSeedSql, demoVideoId } from '../../dev/seed';

describe('seeded prices', () => {
  it('offers every paid demo video to buy and to rent, at the price its card shows', async () => {
    const sql = await buildSeedSql({ anchorMs: Date.UTC(2026, 0, 1), hash: async () => 'not-a-hash' });
    const paid = DEMO_VIDEOS.filter((video) => video.priceCents > 0);
    expect(paid.length).toBeGreaterThanOrEqual(3);
    const pricesStatement = sql.split('\n').find((line) => line.startsWith('INSERT OR IGNORE INTO video_prices')) ?? '';
    const videosStatement = sql.split('\n').find((line) => line.startsWith('INSERT OR IGNORE INTO videos ')) ?? '';
    for (const video of paid) {
      const id = demoVideoId(video.key);
      expect(video.rentalCents).toBeGreaterThan(0);
      expect(pricesStatement).toContain(`('${id}', 'purchase', ${video.priceCents}, 'USD', NULL,`);
      expect(pricesStatement).toContain(`('${id}', 'rental', ${video.rentalCents}, 'USD', ${DEMO_RENTAL_HOURS},`);
      expect(videosStatement).toMatch(new RegExp(`\\('${id}', [^)]*, ${video.priceCents}, 'USD', `));
    }
    const freeIds = DEMO_VIDEOS.filter((video) => video.priceCents === 0).map((video) => demoVideoId(video.key));
    for (const id of freeIds) expect(pricesStatement).not.toContain(`'${id}'`);
  });
});
