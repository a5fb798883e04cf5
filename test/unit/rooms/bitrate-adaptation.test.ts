import { describe, expect, it } from 'vitest';
import {
  type AdaptationState,
  adaptBitrate,
  BITRATE_LADDER,
  classifySample,
  DEFAULT_ADAPTATION,
  initialAdaptation,
  type LinkQuality,
  lossFractionBetween,
} from '../../../src/domain/rooms/bitrate-adaptation';

const good: LinkQuality = { lossFraction: 0, rttMs: 20 };
const lossy: LinkQuality = { lossFraction: 0.15, rttMs: 40 };
const slow: LinkQuality = { lossFraction: 0, rttMs: 600 };
const inBand: LinkQuality = { lossFraction: 0.05, rttMs: 100 };

/** Feeds samples in order and returns every step's level. */
function levelsAfter(samples: LinkQuality[], start: AdaptationState = initialAdaptation()): number[] {
  const levels: number[] = [];
  let state = start;
  for (const sample of samples) {
    state = adaptBitrate(state, sample).state;
    levels.push(state.level);
  }
  return levels;
}

describe('classifying a connection sample', () => {
  it('calls loss above 10 % or RTT above 400 ms bad', () => {
    expect(classifySample(lossy)).toBe('bad');
    expect(classifySample(slow)).toBe('bad');
    expect(classifySample({ lossFraction: null, rttMs: 401 })).toBe('bad');
  });

  it('calls a sample good only when both loss and RTT are known and low', () => {
    expect(classifySample(good)).toBe('good');
    expect(classifySample({ lossFraction: 0, rttMs: null })).toBe('hold');
    expect(classifySample({ lossFraction: null, rttMs: 10 })).toBe('hold');
  });

  it('holds inside the hysteresis band between the thresholds', () => {
    expect(classifySample(inBand)).toBe('hold');
    expect(classifySample({ lossFraction: 0, rttMs: 300 })).toBe('hold');
    expect(classifySample({ lossFraction: 0.1, rttMs: 10 })).toBe('hold');
  });
});

describe('adapting the send bitrate', () => {
  it('starts at the best level of the ladder', () => {
    const step = adaptBitrate(initialAdaptation(), good);
    expect(step.encoding).toEqual({ maxBitrateBps: 800_000, scaleResolutionDownBy: 1 });
    expect(step.changed).toBe(false);
  });

  it('steps down one level after two bad samples in a row, not after one', () => {
    const first = adaptBitrate(initialAdaptation(), lossy);
    expect(first.changed).toBe(false);
    expect(first.state.badStreak).toBe(1);
    const second = adaptBitrate(first.state, slow);
    expect(second.changed).toBe(true);
    expect(second.state.level).toBe(1);
    expect(second.encoding).toEqual(BITRATE_LADDER[1]);
  });

  it('steps down at once on severe loss', () => {
    const step = adaptBitrate(initialAdaptation(), { lossFraction: 0.3, rttMs: 30 });
    expect(step.changed).toBe(true);
    expect(step.state.level).toBe(1);
  });

  it('lowers resolution as well as bitrate on the lower levels and never falls off the ladder', () => {
    const levels = levelsAfter(Array(20).fill(lossy));
    expect(levels.at(-1)).toBe(BITRATE_LADDER.length - 1);
    const lowest = adaptBitrate({ level: BITRATE_LADDER.length - 1, badStreak: 1, goodStreak: 0 }, lossy);
    expect(lowest.changed).toBe(false);
    expect(lowest.encoding.scaleResolutionDownBy).toBe(4);
    expect(lowest.encoding.maxBitrateBps).toBe(80_000);
  });

  it('steps up only after five good samples in a row, one level at a time', () => {
    const start: AdaptationState = { level: 3, badStreak: 0, goodStreak: 0 };
    expect(levelsAfter(Array(4).fill(good), start)).toEqual([3, 3, 3, 3]);
    expect(levelsAfter(Array(10).fill(good), start)).toEqual([3, 3, 3, 3, 2, 2, 2, 2, 2, 1]);
  });

  it('does not flap on a link that alternates between bad and good samples', () => {
    const alternating = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? lossy : good));
    expect(new Set(levelsAfter(alternating))).toEqual(new Set([0]));
  });

  it('holds the level in the hysteresis band and restarts both streaks there', () => {
    const start: AdaptationState = { level: 2, badStreak: 1, goodStreak: 4 };
    const step = adaptBitrate(start, inBand);
    expect(step).toMatchObject({ changed: false, verdict: 'hold', state: { level: 2, badStreak: 0, goodStreak: 0 } });
    // After the hold the streak to recover starts over.
    expect(levelsAfter([good, good, good, good], step.state)).toEqual([2, 2, 2, 2]);
  });

  it('holds while nothing has been measured yet', () => {
    const step = adaptBitrate({ level: 1, badStreak: 1, goodStreak: 0 }, { lossFraction: null, rttMs: null });
    expect(step.verdict).toBe('hold');
    expect(step.state.level).toBe(1);
  });

  it('accepts a custom configuration and ladder', () => {
    const ladder = [
      { maxBitrateBps: 300_000, scaleResolutionDownBy: 1 },
      { maxBitrateBps: 100_000, scaleResolutionDownBy: 2 },
    ];
    const eager = { ...DEFAULT_ADAPTATION, badSamplesToDegrade: 1 };
    const step = adaptBitrate(initialAdaptation(), slow, eager, ladder);
    expect(step.encoding).toEqual(ladder[1]);
  });
});

describe('loss fraction between two counter readings', () => {
  it('divides packets lost by packets sent in the interval', () => {
    expect(lossFractionBetween({ packetsSent: 1000, packetsLost: 10 }, { packetsSent: 2000, packetsLost: 60 })).toBeCloseTo(0.05, 10);
  });

  it('is null without an earlier reading or when nothing was sent', () => {
    expect(lossFractionBetween(null, { packetsSent: 10, packetsLost: 0 })).toBeNull();
    expect(lossFractionBetween({ packetsSent: 10, packetsLost: 0 }, { packetsSent: 10, packetsLost: 0 })).toBeNull();
  });

  it('clamps negative loss (duplicates) and counter resets into 0–1', () => {
    expect(lossFractionBetween({ packetsSent: 100, packetsLost: 5 }, { packetsSent: 200, packetsLost: 2 })).toBe(0);
    expect(lossFractionBetween({ packetsSent: 100, packetsLost: 0 }, { packetsSent: 110, packetsLost: 50 })).toBe(1);
  });
});
