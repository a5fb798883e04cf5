import { describe, expect, it } from 'vitest';
import { bitrateScore, Ewma, packetScore, qualityTier, SCORE_SMOOTHING, scoreWindow } from '../../../src/domain/quality';

describe('window score', () => {
  it('gives a clean, fast window full marks', () => {
    expect(scoreWindow({ packetsReceived: 500, packetsLost: 0, rttMs: 0, jitterMs: 0 })).toEqual({
      score: 100,
      packetScore: 100,
      bitrateScore: 100,
      limitedBy: 'packets',
    });
    expect(qualityTier(100)).toBe('excellent');
  });

  it('costs 10 points per percent of loss, so 2 % falls to good and 6 % to poor', () => {
    // 2 lost of 100 expected = 2 % → 100 − 2·10 = 80, which is not above 80.
    expect(packetScore({ packetsReceived: 98, packetsLost: 2 })).toBeCloseTo(80, 10);
    expect(qualityTier(80)).toBe('good');
    // 6 % → 100 − 60 = 40, not above 40.
    expect(packetScore({ packetsReceived: 94, packetsLost: 6 })).toBeCloseTo(40, 10);
    expect(qualityTier(40)).toBe('poor');
    expect(packetScore({ packetsReceived: 50, packetsLost: 50 })).toBe(0);
  });

  it('charges delay as RTT/2 + 2·jitter with a knee at 160 ms', () => {
    // 100/2 + 2·10 = 70 ms → 70/40 = 1.75 → 98.25
    expect(packetScore({ rttMs: 100, jitterMs: 10 })).toBeCloseTo(98.25, 10);
    // 400/2 = 200 ms > 160 → (200 − 120)/10 = 8 → 92
    expect(packetScore({ rttMs: 400 })).toBeCloseTo(92, 10);
  });

  it('scores bitrate as 100 − 20·ln(expected/actual) and keeps the worse component', () => {
    expect(bitrateScore(1_000_000, Math.E * 1_000_000)).toBeCloseTo(80, 10);
    expect(bitrateScore(1_000_000, Math.exp(3) * 1_000_000)).toBeCloseTo(40, 10);
    expect(bitrateScore(3_000_000, 1_000_000)).toBe(100);
    expect(bitrateScore(0, 1_000_000)).toBe(0);
    expect(bitrateScore(500_000, null)).toBe(100);
    const window = scoreWindow({
      packetsReceived: 100,
      packetsLost: 0,
      bitrateBps: 1_000_000,
      expectedBitrateBps: Math.exp(2) * 1_000_000,
    });
    expect(window.limitedBy).toBe('bitrate');
    expect(window.score).toBeCloseTo(60, 10);
  });

  it('scores a window in which nothing arrived as dry, but a connection without RTP on delay alone', () => {
    expect(scoreWindow({ packetsReceived: 0, packetsLost: 0, rttMs: 20 })).toMatchObject({ score: 30, limitedBy: 'dry' });
    expect(scoreWindow({ rttMs: 400 }).score).toBeCloseTo(92, 10);
  });
});

describe('EWMA smoothing', () => {
  it('drops fast, recovers slowly and never sinks below the floor', () => {
    const ewma = new Ewma(SCORE_SMOOTHING);
    expect(ewma.value).toBeNull();
    expect(ewma.update(100)).toBe(100); // the first window seeds the average
    expect(ewma.update(0)).toBeCloseTo(30, 10); // 0.7·0 + 0.3·100
    expect(ewma.update(100)).toBeCloseTo(58, 10); // 0.4·100 + 0.6·30
    expect(new Ewma(SCORE_SMOOTHING, 30).update(0)).toBe(20); // 0.3·30 = 9, floored at 20
  });

  it('resumes from a persisted value', () => {
    const restored = new Ewma(SCORE_SMOOTHING, 58);
    expect(restored.value).toBe(58);
    expect(restored.update(58)).toBeCloseTo(58, 10);
  });

  it('rejects an alpha outside (0, 1]', () => {
    expect(() => new Ewma({ alphaUp: 0, alphaDown: 0.5 })).toThrow(RangeError);
    expect(() => new Ewma({ alphaUp: 0.5, alphaDown: 1.5 })).toThrow(RangeError);
  });
});
