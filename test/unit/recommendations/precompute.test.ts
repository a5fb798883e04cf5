import { describe, expect, it } from 'vitest';
import {
  blendCandidates,
  mergeTrending,
  NEIGHBOURS_PER_SEED,
  scoreCandidates,
  selectSeeds,
} from '../../../src/domain/recommendations/hybrid';
import {
  PRECOMPUTE_DEFAULTS,
  type SignalRecord,
  viewerCandidateLists,
  viewerCandidates,
} from '../../../src/domain/recommendations/precompute';
import { isSeen, signalWeight } from '../../../src/domain/recommendations/signals';

const NOW = Date.UTC(2026, 0, 1);

/** A small deterministic generator (linear congruential, Numerical Recipes constants), 0 ≤ x < 1. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
const DAY = 86_400_000;

function signal(userId: string, videoId: string, watched: number, completed = false): SignalRecord {
  return {
    userId,
    videoId,
    region: 'DE',
    views: 1,
    maxWatchFraction: watched,
    completed,
    liked: false,
    purchased: false,
    followed: false,
    skipped: false,
    firstAt: NOW - DAY,
    lastAt: NOW - DAY,
  };
}

/** Random neighbour lists over 60 videos, 15 neighbours each. */
function randomLists(seed: number) {
  const random = seededRandom(seed);
  const make = () => {
    const lists = new Map<string, { id: string; score: number }[]>();
    for (let v = 0; v < 60; v++) {
      const list = Array.from({ length: 15 }, () => ({ id: `v${Math.floor(random() * 60)}`, score: random() }))
        .filter((n, i, all) => n.id !== `v${v}` && all.findIndex((m) => m.id === n.id) === i)
        .sort((a, b) => b.score - a.score);
      lists.set(`v${v}`, list);
    }
    return lists;
  };
  return { collaborative: make(), content: make() };
}

describe('per-viewer precomputed candidates', () => {
  it('keeps finished videos out and names the strongest seed', () => {
    const lists = {
      collaborative: new Map([
        [
          'a',
          [
            { id: 'b', score: 0.9 },
            { id: 'c', score: 0.5 },
          ],
        ],
        ['b', [{ id: 'c', score: 0.8 }]],
      ]),
      content: new Map([['a', [{ id: 'd', score: 0.4 }]]]),
    };
    const history = [signal('u', 'a', 1, true), signal('u', 'b', 1, true)];
    const candidates = viewerCandidates(history, lists, NOW);
    expect(candidates.map((candidate) => candidate.id)).toEqual(['c', 'd']);
    // c: a contributes w_a × 0.5, b contributes w_b × 0.8 with equal weights, so b is the reason.
    expect(candidates[0]).toMatchObject({ id: 'c', seedId: 'b' });
    expect(viewerCandidateLists([...history, { ...signal('skipper', 'a', 0.1), skipped: true }], lists, NOW).has('skipper')).toBe(false);
  });

  it('served from the stored list, ranks exactly as scoring every candidate on request', () => {
    for (let round = 0; round < 20; round++) {
      const lists = randomLists(round + 1);
      const random = seededRandom(round + 100);
      const history = Array.from({ length: 12 }, () => signal('u', `v${Math.floor(random() * 60)}`, random(), random() < 0.3)).filter(
        (entry, i, all) => all.findIndex((other) => other.videoId === entry.videoId) === i,
      );
      const trending = mergeTrending(
        Array.from({ length: 10 }, (_, i) => ({ id: `v${(i * 7) % 60}`, score: 10 - i })),
        [],
      );
      // Seen in the history, plus one video watched since the precomputation (excluded on request only).
      const exclude = new Set([...history.filter((entry) => isSeen(entry)).map((entry) => entry.videoId), 'v5']);
      const stored = viewerCandidates(history, lists, NOW, { ...PRECOMPUTE_DEFAULTS, candidatesPerViewer: 1_000 });
      const served = blendCandidates(stored, { trending, region: 'DE', exclude });
      const live = scoreCandidates({
        seeds: selectSeeds(history.map((entry) => ({ videoId: entry.videoId, weight: signalWeight(entry, NOW), seen: isSeen(entry) }))),
        collaborative: (id) => lists.collaborative.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
        content: (id) => lists.content.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
        trending,
        region: 'DE',
        exclude,
      });
      expect(served.length).toBeGreaterThan(0);
      expect(served.map((c) => [c.id, c.reason])).toEqual(live.map((c) => [c.id, c.reason]));
      for (const [i, candidate] of served.entries()) expect(candidate.relevance).toBeCloseTo(live[i]?.relevance ?? Number.NaN, 12);
    }
  });
});
