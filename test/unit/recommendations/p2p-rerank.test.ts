import { describe, expect, it } from 'vitest';
import { p2pRerank, swarmHealthScore } from '../../../src/domain/recommendations/p2p-rerank';

// Small deterministic generator (mulberry32) so the property test is repeatable.
function random(seed: number) {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('swarm health', () => {
  it('is 0 without peers nearby and grows with peers, offload and quality (hand-checked)', () => {
    expect(swarmHealthScore(undefined)).toBe(0);
    expect(swarmHealthScore({ peers: 0, offloadRatio: 1, quality: 100 })).toBe(0);
    // (1 − e^(−4/4)) · (0.5·0.8 + 0.5·0.9)
    expect(swarmHealthScore({ peers: 4, offloadRatio: 0.8, quality: 90 })).toBeCloseTo((1 - Math.exp(-1)) * 0.85, 12);
    expect(swarmHealthScore({ peers: 40, offloadRatio: 0.8, quality: 90 })).toBeGreaterThan(
      swarmHealthScore({ peers: 4, offloadRatio: 0.8, quality: 90 }),
    );
    // Unknown ratios count as neutral 0.5.
    expect(swarmHealthScore({ peers: 4, offloadRatio: null, quality: null })).toBeCloseTo((1 - Math.exp(-1)) * 0.5, 12);
  });
});

describe('P2P-aware re-ranking', () => {
  it('lets a healthy swarm pass a slightly more relevant video, but not a clearly more relevant one', () => {
    const items = [
      { id: 'far-better', relevance: 1.0 },
      { id: 'slightly-better', relevance: 0.8 },
      { id: 'healthy', relevance: 0.75 },
    ];
    const health = (id: string) => (id === 'healthy' ? 1 : 0);
    expect(p2pRerank(items, health, 0.15).map((item) => item.id)).toEqual(['far-better', 'healthy', 'slightly-better']);
    expect(p2pRerank(items, health, 0).map((item) => item.id)).toEqual(['far-better', 'slightly-better', 'healthy']);
    const boosted = p2pRerank(items, health, 0.15).find((item) => item.id === 'healthy');
    expect(boosted).toMatchObject({ adjusted: 0.75 * 1.15, p2pBoosted: true });
  });

  it('changes order only within the relevance tolerance (1 + weight), over many random lists', () => {
    const next = random(42);
    for (const weight of [0.05, 0.15, 0.3]) {
      let inversions = 0;
      let worstRatio = 1;
      let lost = 0;
      for (let round = 0; round < 300; round++) {
        const items = Array.from({ length: 20 }, (_, i) => ({ id: `v${i}`, relevance: next() }));
        items.sort((x, y) => y.relevance - x.relevance);
        const health = new Map(items.map((item) => [item.id, next()]));
        const ranked = p2pRerank(items, (id) => health.get(id) ?? 0, weight);
        if (new Set(ranked.map((item) => item.id)).size !== items.length) lost++;
        for (let i = 0; i < ranked.length; i++) {
          for (let j = i + 1; j < ranked.length; j++) {
            const above = ranked[i] as { relevance: number };
            const below = ranked[j] as { relevance: number };
            if (above.relevance < below.relevance) {
              inversions++;
              worstRatio = Math.max(worstRatio, below.relevance / above.relevance);
            }
          }
        }
      }
      expect(lost).toBe(0);
      // Anything moved above a more relevant video was within the tolerance.
      expect(worstRatio).toBeLessThanOrEqual(1 + weight);
      // The re-ranking does something, or the property above would be vacuous.
      expect(inversions).toBeGreaterThan(0);
    }
  });
});
