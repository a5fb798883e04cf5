// Ingest throughput against a hello route on the same local `wrangler dev`, in the same run: the ratio is what
// counts (these machines are noisy). Each worker owns one peer session and posts batches of `batch` samples
// with fresh, increasing timestamps, so every sample is new work for its aggregator Durable Object.
import { type LoadResult, runLoad } from './lib/load';

export interface IngestBenchResult {
  hello: LoadResult;
  batches: { batch: number; result: LoadResult; samplesPerSecond: number; ratioToHello: number }[];
}

export function sample(ts: number, i: number) {
  return {
    ts,
    connection: {
      remotePeerId: 'peer_benchremoteaaaa',
      state: 'connected',
      localCandidateType: 'host',
      remoteCandidateType: 'srflx',
      protocol: 'udp',
      currentRoundTripTime: 0.04 + (i % 7) * 0.003,
    },
    inbound: {
      bytesReceived: 80_000 * (i + 1),
      packetsReceived: 70 * (i + 1),
      packetsLost: Math.floor(i / 40),
      jitter: 0.006,
      framesPerSecond: 30,
    },
    p2p: { bytesFromPeers: 60_000 * (i + 1), bytesFromHttp: 20_000 * (i + 1), peersConnected: 4 },
  };
}

export interface IngestSession {
  token: string;
  sessionId: string;
  peerId: string;
}

/** Signs up one viewer and opens `count` peer sessions for it (ingest tokens). */
export async function createIngestSessions(baseUrl: string, count: number): Promise<IngestSession[]> {
  const signup = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`,
      password: 'benchmark passphrase',
      displayName: 'Bench',
    }),
  });
  const { accessToken } = (await signup.json()) as { accessToken: string };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${baseUrl}/api/v1/tokens/ingest`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
        // Sessions of no video: ingest tokens name only videos the account may watch, and the bench has none.
        body: JSON.stringify({}),
      });
      return (await response.json()) as IngestSession;
    }),
  );
}

/** The request a session sends: `batch` fresh samples after the `first` it already sent (timestamps from `start`). */
export function ingestRequest(baseUrl: string, session: IngestSession, start: number, first: number, batch: number) {
  const samples = Array.from({ length: batch }, (_, k) => sample(start + (first + k) * 100, first + k));
  return {
    url: `${baseUrl}/api/v1/analytics/samples`,
    init: {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ sessionId: session.sessionId, peerId: session.peerId, samples }),
    },
  };
}

export async function benchIngest(
  baseUrl: string,
  options: { concurrency: number; seconds: number; batches: number[] },
): Promise<IngestBenchResult> {
  const signup = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'benchmark passphrase', displayName: 'Bench' }),
  });
  const { accessToken } = (await signup.json()) as { accessToken: string };
  const durationMs = options.seconds * 1000;

  const hello = () => runLoad({ concurrency: options.concurrency, durationMs, request: () => ({ url: `${baseUrl}/api/v1/ping` }) });
  const helloBefore = await hello();

  const batches: IngestBenchResult['batches'] = [];
  for (const batch of options.batches) {
    // One fresh session per worker and batch size.
    const sessions = await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        const response = await fetch(`${baseUrl}/api/v1/tokens/ingest`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
          // Sessions of no video: ingest tokens name only videos the account may watch, and the bench has none.
          body: JSON.stringify({}),
        });
        return (await response.json()) as { token: string; sessionId: string; peerId: string };
      }),
    );
    // Timestamps start 20 h ago and advance 100 ms per sample: within the accepted 24 h window for any run.
    const start = Date.now() - 20 * 3600_000;
    const counters = sessions.map(() => 0);
    const result = await runLoad({
      concurrency: options.concurrency,
      durationMs,
      request: (worker) => {
        const session = sessions[worker] as (typeof sessions)[number];
        const first = counters[worker] as number;
        counters[worker] = first + batch;
        const samples = Array.from({ length: batch }, (_, k) => sample(start + (first + k) * 100, first + k));
        return {
          url: `${baseUrl}/api/v1/analytics/samples`,
          init: {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
            body: JSON.stringify({ sessionId: session.sessionId, peerId: session.peerId, samples }),
          },
        };
      },
    });
    batches.push({ batch, result, samplesPerSecond: result.requestsPerSecond * batch, ratioToHello: 0 });
  }
  const helloAfter = await hello();
  // Hello measured before and after; the mean is the reference for every ratio.
  const helloRps = (helloBefore.requestsPerSecond + helloAfter.requestsPerSecond) / 2;
  for (const entry of batches) entry.ratioToHello = entry.result.requestsPerSecond / helloRps;
  return { hello: { ...helloBefore, requestsPerSecond: helloRps }, batches };
}
