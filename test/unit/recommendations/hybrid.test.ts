import { describe, expect, it } from 'vitest';
import { explanationText } from '../../../src/domain/recommendations/explain';
import { finalizeRecommendations, mergeTrending, scoreCandidates, selectSeeds } from '../../../src/domain/recommendations/hybrid';

const collaborative: Record<string, { id: string; score: number }[]> = {
  watched: [
    { id: 'cf-hit', score: 0.9 },
    { id: 'both', score: 0.5 },
    { id: 'seen', score: 0.8 },
  ],
  current: [{ id: 'next-episode', score: 1 }],
};
const content: Record<string, { id: string; score: number }[]> = {
  watched: [
    { id: 'both', score: 0.8 },
    { id: 'content-hit', score: 0.4 },
  ],
};
const lookup = (table: typeof collaborative) => (id: string) => table[id];

describe('hybrid scoring', () => {
  it('selects the strongest history as seeds and puts the context video first', () => {
    const history = [
      { videoId: 'weak', weight: 1, seen: true },
      { videoId: 'strong', weight: 5, seen: true },
      { videoId: 'negative', weight: 0, seen: true },
    ];
    expect(selectSeeds(history, null, 1)).toEqual([{ videoId: 'strong', weight: 5 }]);
    expect(selectSeeds(history, 'ctx')).toEqual([
      { videoId: 'ctx', weight: 10 },
      { videoId: 'strong', weight: 5 },
      { videoId: 'weak', weight: 1 },
    ]);
  });

  it('blends normalised collaborative, content and trending scores (hand-checked)', () => {
    const scored = scoreCandidates({
      seeds: [{ videoId: 'watched', weight: 2 }],
      collaborative: lookup(collaborative),
      content: lookup(content),
      trending: mergeTrending([{ id: 'popular', score: 10 }], []),
      region: 'DE',
      exclude: new Set(['seen', 'watched']),
      weights: { collaborative: 0.6, content: 0.3, trending: 0.1 },
    });
    // cf: cf-hit 1.8, both 1.0 → normalised 1, 0.556; content: both 1.6, content-hit 0.8 → 1, 0.5.
    const byId = Object.fromEntries(scored.map((s) => [s.id, s]));
    expect(byId['cf-hit']?.relevance).toBeCloseTo(0.6, 12);
    expect(byId.both?.relevance).toBeCloseTo(0.6 * (1 / 1.8) + 0.3, 12);
    expect(byId['content-hit']?.relevance).toBeCloseTo(0.15, 12);
    expect(byId.popular?.relevance).toBeCloseTo(0.1, 12);
    expect(scored.map((s) => s.id)).toEqual(['both', 'cf-hit', 'content-hit', 'popular']);
    expect(byId.seen).toBeUndefined();
    expect(byId['cf-hit']?.reason).toEqual({ kind: 'because_you_watched', videoId: 'watched' });
    expect(byId.popular?.reason).toEqual({ kind: 'popular_near_you', region: 'DE' });
  });

  it('answers a new viewer with trending near them, then everywhere (cold start)', () => {
    const scored = scoreCandidates({
      seeds: selectSeeds([], null),
      collaborative: lookup(collaborative),
      content: lookup(content),
      trending: mergeTrending(
        [{ id: 'local', score: 3 }],
        [
          { id: 'global', score: 100 },
          { id: 'local', score: 1 },
        ],
      ),
      region: 'BR',
      exclude: new Set(),
    });
    expect(scored.map((s) => [s.id, s.reason.kind])).toEqual([
      ['local', 'popular_near_you'],
      ['global', 'trending'],
    ]);
  });

  it('explains context recommendations as "more like" the video being watched', () => {
    const scored = scoreCandidates({
      seeds: selectSeeds([{ videoId: 'watched', weight: 1, seen: true }], 'current'),
      context: 'current',
      collaborative: lookup(collaborative),
      content: lookup(content),
      trending: [],
      region: '',
      exclude: new Set(['current']),
    });
    expect(scored[0]).toMatchObject({ id: 'next-episode', reason: { kind: 'similar_to_current', videoId: 'current' } });
    const titles: Record<string, string> = { current: 'Episode 1', watched: 'Pilot' };
    expect(explanationText(scored[0]?.reason ?? { kind: 'trending' }, (id) => titles[id])).toBe('More like “Episode 1”');
    expect(explanationText({ kind: 'because_you_watched', videoId: 'watched' }, (id) => titles[id])).toBe('Because you watched “Pilot”');
    expect(explanationText({ kind: 'popular_near_you', region: 'DE' }, () => undefined)).toBe('Popular near you');
  });

  it('drops unlisted videos, re-ranks by swarm health and diversifies creators', () => {
    const scored = ['v1', 'v2', 'v3', 'v4', 'v5'].map((id, i) => ({
      id,
      relevance: 1 - i * 0.05,
      collaborative: 0,
      content: 0,
      trending: 0,
      reason: { kind: 'trending' as const },
    }));
    const creators: Record<string, string> = { v1: 'alice', v2: 'alice', v3: 'alice', v5: 'bob' };
    const result = finalizeRecommendations(scored, {
      limit: 3,
      listed: (id) => (creators[id] ? { creatorId: creators[id] } : undefined),
      healthOf: (id) => (id === 'v5' ? 1 : 0),
      p2pWeight: 0.3,
      maxPerCreator: 2,
    });
    // v4 is not listed; v5 (0.8·1.3 = 1.04) passes v1 (1.0); alice is capped at two.
    expect(result.map((r) => r.id)).toEqual(['v5', 'v1', 'v2']);
    expect(result[0]).toMatchObject({ p2pBoosted: true, relevance: 0.8 });
  });
});
