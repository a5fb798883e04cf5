import { describe, expect, it } from 'vitest';
import { emptySignal, foldInteraction, isSeen, type SignalSummary, signalWeight } from '../../../src/domain/recommendations/signals';

const DAY = 86_400_000;
const now = 100 * DAY;
const summary = (changes: Partial<SignalSummary>): SignalSummary => ({ ...emptySignal(now), ...changes });

describe('interaction signals', () => {
  it('folds interactions into counts, maxima and flags, in any order', () => {
    const interactions = [
      { kind: 'view' as const, watchFraction: 0.3, at: now - 2 * DAY },
      { kind: 'view' as const, watchFraction: 0.6, at: now - DAY },
      { kind: 'like' as const, at: now },
    ];
    const forward = interactions.reduce(foldInteraction, emptySignal(now - 2 * DAY));
    const backward = [...interactions].reverse().reduce(foldInteraction, emptySignal(now));
    expect(forward).toEqual({ ...summary({}), views: 2, maxWatchFraction: 0.6, liked: true, firstAt: now - 2 * DAY, lastAt: now });
    expect(backward).toEqual(forward);
  });

  it('weights a view by the share watched, plus completion, like, purchase and follow', () => {
    // view 1 + 2·0.5 = 2
    expect(signalWeight(summary({ views: 1, maxWatchFraction: 0.5 }), now)).toBeCloseTo(2, 10);
    // view 1 + 2·1 + repeat 0.25·2 + complete 1.5 + like 3 + purchase 4 + follow 2 = 14
    expect(
      signalWeight(summary({ views: 3, maxWatchFraction: 1, completed: true, liked: true, purchased: true, followed: true }), now),
    ).toBeCloseTo(14, 10);
    // repeat views count at most 4 times: 1 + 2·0.1 + 0.25·4 = 2.2
    expect(signalWeight(summary({ views: 50, maxWatchFraction: 0.1 }), now)).toBeCloseTo(2.2, 10);
  });

  it('halves the weight every half-life', () => {
    const s = summary({ views: 1, maxWatchFraction: 0.5, lastAt: now - 30 * DAY });
    expect(signalWeight(s, now)).toBeCloseTo(1, 10);
    expect(signalWeight({ ...s, lastAt: now - 60 * DAY }, now)).toBeCloseTo(0.5, 10);
  });

  it('reads a quick skip as no interest, but not one after a like', () => {
    expect(signalWeight(summary({ views: 1, maxWatchFraction: 0.1, skipped: true }), now)).toBe(0);
    expect(signalWeight(summary({ views: 1, maxWatchFraction: 0.1, skipped: true, liked: true }), now)).toBeCloseTo(4.2, 10);
  });

  it('counts finished, liked and skipped videos as seen, keeps purchases and views in progress', () => {
    expect(isSeen(summary({ views: 1, maxWatchFraction: 0.85 }))).toBe(true);
    expect(isSeen(summary({ completed: true, purchased: true }))).toBe(true);
    expect(isSeen(summary({ liked: true }))).toBe(true);
    expect(isSeen(summary({ skipped: true }))).toBe(true);
    expect(isSeen(summary({ purchased: true, views: 1, maxWatchFraction: 0.4 }))).toBe(false);
    expect(isSeen(summary({ views: 2, maxWatchFraction: 0.5 }))).toBe(false);
  });
});
