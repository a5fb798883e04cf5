import { describe, expect, it } from 'vitest';
import {
  addBuckets,
  BUCKET_COUNT,
  bucketIndex,
  cumulative,
  DURATION_BUCKETS_MS,
  emptyBuckets,
  quantileMs,
} from '../../../src/domain/monitoring/histogram';

describe('latency buckets', () => {
  it('has the fixed bounds 5 … 2500 ms plus +Inf', () => {
    expect([...DURATION_BUCKETS_MS]).toEqual([5, 10, 25, 50, 100, 250, 500, 1000, 2500]);
    expect(BUCKET_COUNT).toBe(10);
    expect(emptyBuckets()).toEqual(new Array(10).fill(0));
  });

  it("puts an observation equal to a bound in that bound's bucket (le is inclusive)", () => {
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(5.0001)).toBe(1);
    expect(bucketIndex(10)).toBe(1);
    expect(bucketIndex(2500)).toBe(8);
  });

  it('puts anything slower than the last bound in +Inf', () => {
    expect(bucketIndex(2500.5)).toBe(9);
    expect(bucketIndex(60_000)).toBe(9);
    expect(bucketIndex(Number.POSITIVE_INFINITY)).toBe(9);
  });

  it('counts zero, negative and NaN durations in the fastest bucket', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(-3)).toBe(0);
    expect(bucketIndex(Number.NaN)).toBe(0);
  });

  it('turns per-bucket counts into cumulative le counts ending in the total', () => {
    const perBucket = [1, 0, 2, 0, 0, 3, 0, 0, 0, 4];
    expect(cumulative(perBucket)).toEqual([1, 1, 3, 3, 3, 6, 6, 6, 6, 10]);
  });

  it('adds bucket layouts element-wise and refuses different layouts', () => {
    expect(addBuckets([1, 2, 3], [1, 1, 1])).toEqual([2, 3, 4]);
    expect(() => addBuckets([1, 2], [1, 2, 3])).toThrow(/layouts differ/);
  });

  it('estimates quantiles by interpolating inside the bucket, as histogram_quantile does', () => {
    // 10 observations in (10, 25]: the median sits halfway through that bucket.
    const buckets = emptyBuckets();
    buckets[2] = 10;
    expect(quantileMs(buckets, 0.5)).toBeCloseTo(17.5, 6);
    expect(quantileMs(buckets, 1)).toBe(25);
    // Everything in +Inf reports the last finite bound.
    const slow = emptyBuckets();
    slow[9] = 3;
    expect(quantileMs(slow, 0.99)).toBe(2500);
    expect(quantileMs(emptyBuckets(), 0.5)).toBeNull();
  });
});
