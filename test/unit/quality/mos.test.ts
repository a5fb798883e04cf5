import { describe, expect, it } from 'vitest';
import { effectiveLatencyMs, MOS_BANDS, mos, mosBand, mosFromR, rFactor } from '../../../src/domain/quality';

describe('E-model MOS', () => {
  it('scores 100 ms RTT, 10 ms jitter and 1 % loss', () => {
    // Le = 100 + 2·10 + 10 = 130 ms (< 160, so the delay impairment is Le/40 = 3.25)
    // R  = 93.2 − 3.25 − 2.5·1 = 87.45
    // MOS = 1 + 0.035·87.45 + 7·10⁻⁶·87.45·(87.45 − 60)·(100 − 87.45)
    //     = 1 + 3.06075 + 7·10⁻⁶·87.45·27.45·12.55 = 1 + 3.06075 + 0.2108841… = 4.2716341…
    const input = { rttMs: 100, jitterMs: 10, lossPercent: 1 };
    expect(effectiveLatencyMs(100, 10)).toBe(130);
    expect(rFactor(input)).toBeCloseTo(87.45, 10);
    expect(mos(input)).toBeCloseTo(4.2716341, 6);
    expect(mosBand(mos(input))).toBe('good');
  });

  it('charges 2.5 R per percent of loss, so 20 % loss is a bad call even on a fast path', () => {
    // Le = 50 + 2·5 + 10 = 70 ms → 70/40 = 1.75;  R = 93.2 − 1.75 − 2.5·20 = 41.45
    // MOS = 1 + 0.035·41.45 + 7·10⁻⁶·41.45·(41.45 − 60)·(100 − 41.45)
    //     = 1 + 1.45075 − 7·10⁻⁶·41.45·18.55·58.55 = 2.45075 − 0.3151327… = 2.1356173…
    const input = { rttMs: 50, jitterMs: 5, lossPercent: 20 };
    expect(rFactor(input)).toBeCloseTo(41.45, 10);
    expect(mos(input)).toBeCloseTo(2.1356174, 6);
    expect(mosBand(mos(input))).toBe('bad');
  });

  it('switches to the steeper delay branch once effective latency reaches 160 ms', () => {
    // Le = 300 + 2·20 + 10 = 350 ms ≥ 160 → (350 − 120)/10 = 23;  R = 93.2 − 23 = 70.2
    // MOS = 1 + 0.035·70.2 + 7·10⁻⁶·70.2·10.2·29.8 = 1 + 2.457 + 0.1493660 = 3.6063659…
    const input = { rttMs: 300, jitterMs: 20, lossPercent: 0 };
    expect(rFactor(input)).toBeCloseTo(70.2, 10);
    expect(mos(input)).toBeCloseTo(3.6063659, 6);
    // At Le = 160 both branches give 4 (160/40 = (160 − 120)/10), so R is continuous: 93.2 − 4 = 89.2.
    expect(rFactor({ rttMs: 130, jitterMs: 10, lossPercent: 0 })).toBeCloseTo(89.2, 10);
    expect(rFactor({ rttMs: 129.999, jitterMs: 10, lossPercent: 0 })).toBeCloseTo(89.2, 4);
  });

  it('clamps R to [0, 100] and MOS to [1, 4.5]', () => {
    // Le = 10 → R = 93.2 − 0.25 − 2.5·50 = −32.05 → 0 → MOS 1.
    expect(rFactor({ rttMs: 0, jitterMs: 0, lossPercent: 50 })).toBe(0);
    expect(mos({ rttMs: 0, jitterMs: 0, lossPercent: 50 })).toBe(1);
    // Loss above 100 % is treated as 100 %, negative inputs as 0.
    expect(rFactor({ rttMs: 0, jitterMs: 0, lossPercent: 150 })).toBe(0);
    expect(rFactor({ rttMs: -5, jitterMs: -1, lossPercent: -3 })).toBeCloseTo(93.2 - 10 / 40, 10);
    expect(mosFromR(120)).toBe(4.5); // R → 100: 1 + 3.5 + 0
    expect(mosFromR(-10)).toBe(1);
    // The cubic dips below 1 for small R: 1 + 0.175 − 7·10⁻⁶·5·55·95 = 0.9921… → 1.
    expect(mosFromR(5)).toBe(1);
  });

  it('rejects non-finite inputs instead of producing NaN', () => {
    expect(() => mos({ rttMs: Number.NaN, jitterMs: 0, lossPercent: 0 })).toThrow(RangeError);
    expect(() => mosFromR(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('puts MOS band floors at the G.107 Annex B R limits', () => {
    // 1 + 0.035R + 7·10⁻⁶·R(R − 60)(100 − R) at R = 60, 70, 80, 90: 3.1, 3.597, 4.024, 4.339
    expect(MOS_BANDS.map((band) => [band.band, band.minR])).toEqual([
      ['bad', 0],
      ['poor', 60],
      ['fair', 70],
      ['good', 80],
      ['excellent', 90],
    ]);
    expect(MOS_BANDS.map((band) => band.minMos)).toEqual([
      1,
      3.1,
      expect.closeTo(3.597, 9),
      expect.closeTo(4.024, 9),
      expect.closeTo(4.339, 9),
    ]);
    expect(mosBand(4.5)).toBe('excellent');
    expect(mosBand(mosFromR(90))).toBe('excellent');
    expect(mosBand(mosFromR(89.9))).toBe('good');
    expect(mosBand(mosFromR(70))).toBe('fair');
    expect(mosBand(mosFromR(69.9))).toBe('poor');
    expect(mosBand(3.0)).toBe('bad');
  });
});
