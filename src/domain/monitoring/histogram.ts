// Latency histogram maths, Prometheus style: fixed upper bounds in milliseconds, each observation counted
// once in the first bucket whose bound it does not exceed (the last bucket is +Inf). Storage keeps the
// per-bucket counts (they add up across isolates); the exposition turns them into cumulative `le` counts.
// Fixed buckets rather than a quantile sketch because fixed buckets sum exactly across isolates and time.

/** Upper bounds (ms) of the finite buckets; one more bucket, +Inf, follows them. */
export const DURATION_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

/** Number of buckets including +Inf. */
export const BUCKET_COUNT = DURATION_BUCKETS_MS.length + 1;

/** Index of the bucket an observation falls in: the first bound ≥ value, or the +Inf bucket. */
export function bucketIndex(valueMs: number, bounds: readonly number[] = DURATION_BUCKETS_MS): number {
  // NaN and negative clock readings (clock skew) count as the fastest bucket rather than disappearing.
  if (!(valueMs > 0)) return 0;
  for (let i = 0; i < bounds.length; i++) if (valueMs <= (bounds[i] as number)) return i;
  return bounds.length;
}

export function emptyBuckets(): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0);
}

/** Per-bucket counts → cumulative counts (`le` semantics); the last entry equals the total count. */
export function cumulative(perBucket: readonly number[]): number[] {
  const result: number[] = [];
  let running = 0;
  for (const count of perBucket) {
    running += count;
    result.push(running);
  }
  return result;
}

/** Adds `delta` into `into`, element by element (lengths must match). */
export function addBuckets(into: number[], delta: readonly number[]): number[] {
  if (into.length !== delta.length) throw new Error(`bucket layouts differ: ${into.length} vs ${delta.length}`);
  for (let i = 0; i < delta.length; i++) into[i] = (into[i] as number) + (delta[i] as number);
  return into;
}

/**
 * Estimated quantile (0–1) from per-bucket counts by linear interpolation inside the bucket, as PromQL's
 * histogram_quantile does. Observations in +Inf report the last finite bound. null when empty.
 */
export function quantileMs(perBucket: readonly number[], q: number, bounds: readonly number[] = DURATION_BUCKETS_MS): number | null {
  const cum = cumulative(perBucket);
  const total = cum[cum.length - 1] ?? 0;
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  for (let i = 0; i < cum.length; i++) {
    if ((cum[i] as number) >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const upper = bounds[i] as number;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      const before = i === 0 ? 0 : (cum[i - 1] as number);
      const inBucket = (cum[i] as number) - before;
      return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - before)) / inBucket;
    }
  }
  return bounds[bounds.length - 1] ?? null;
}
