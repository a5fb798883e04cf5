// A closed-loop HTTP load generator: `concurrency` workers, each sending its next request as soon as the
// previous one answered, for a fixed time. Latencies are recorded per request; rates are per wall-clock second.
export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<number, number>;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] as number;
}

export async function runLoad(options: {
  concurrency: number;
  durationMs: number;
  /** Builds the request of worker `worker`, its `n`-th. */
  request: (worker: number, n: number) => { url: string; init?: RequestInit };
  /** Which statuses count as success (default 2xx). */
  ok?: (status: number) => boolean;
}): Promise<LoadResult> {
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const { url, init } = options.request(worker, n);
        const t0 = performance.now();
        try {
          const response = await fetch(url, init);
          await response.arrayBuffer();
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          if (!ok(response.status)) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Runs `fn` `times` times sequentially and returns sorted latencies in ms. */
export async function timeSequential(
  times: number,
  fn: (i: number) => Promise<unknown> | unknown,
): Promise<{ p50Ms: number; p95Ms: number; samples: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn(i);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95), samples: times };
}

/**
 * fetch with one retry on a connection reset: the server may close an idle keep-alive connection just as the
 * client reuses it ("other side closed"), which says nothing about the request being measured.
 */
export async function fetchOnce(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return fetch(url, init);
  }
}
