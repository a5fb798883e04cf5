// `npm run bench:load`: a bounded loopback load test of the three busiest paths at the same time on one
// `wrangler dev` — analytics ingest (POST batches of 50 samples), the swarm tracker (WebSocket announces) and
// API reads (catalog page, trending, one video) — for `--load-seconds` (default 120). Closed-loop HTTP workers
// (each sends its next request when the previous one answered) and tracker sockets that announce once per
// 1.1 s each. Recorded per kind: throughput, error rate (non-2xx, failed sockets, unanswered announces) and
// p50/p99 latency. Writes its own section of bench/RESULTS.md.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startWranglerDev } from '../test/support/wrangler-dev';
import { createIngestSessions, ingestRequest } from './ingest';
import { type LoadResult, runLoad } from './lib/load';
import { machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';
import { announcePhase, knownVideo, type PhaseResult } from './tracker';

export const LOAD_SECTION = 'Load: ingest + tracker + API reads at once';

export interface LoadOptions {
  seconds: number;
  ingestConcurrency: number;
  apiConcurrency: number;
  trackerSockets: number;
  batch: number;
}

export const DEFAULT_LOAD: LoadOptions = { seconds: 120, ingestConcurrency: 6, apiConcurrency: 6, trackerSockets: 200, batch: 50 };

export interface LoadKind {
  kind: string;
  requests: number;
  perSecond: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p99Ms: number;
  detail: string;
}

export interface LoadBenchResult {
  options: LoadOptions;
  kinds: LoadKind[];
  markdown: string;
  loadAverage: string;
}

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const statuses = (result: LoadResult) =>
  Object.entries(result.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(', ');

function fromHttp(kind: string, result: LoadResult): LoadKind {
  return {
    kind,
    requests: result.requests,
    perSecond: result.requestsPerSecond,
    errors: result.errors,
    errorRate: result.requests > 0 ? result.errors / result.requests : 1,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    detail: `statuses ${statuses(result) || 'none'}`,
  };
}

function fromTracker(result: PhaseResult, seconds: number): LoadKind {
  // An announce counts as an error when it was answered with a failure or not answered at all.
  const errors = result.sent - result.completed;
  return {
    kind: 'tracker announce (WebSocket)',
    requests: result.sent,
    perSecond: result.completed / seconds,
    errors,
    errorRate: result.sent > 0 ? errors / result.sent : 1,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    detail: `${result.level} sockets, ${result.failures} failure frames, ${result.sent - result.completed - result.failures} unanswered`,
  };
}

export async function benchLoad(options: LoadOptions = DEFAULT_LOAD): Promise<LoadBenchResult> {
  const server = await startWranglerDev({ vars: { LOG_LEVEL: 'error' }, startTimeoutMs: 180_000 });
  try {
    const videoId = await knownVideo(server.url, server.persistDir);
    const sessions = await createIngestSessions(server.url, options.ingestConcurrency);
    const counters = sessions.map(() => 0);
    const start = Date.now() - 20 * 3600_000;
    const durationMs = options.seconds * 1000;
    const reads = [`/api/v1/videos?limit=20`, `/api/v1/trending?limit=10`, `/api/v1/videos/${videoId}`];
    const trackerUrl = `${server.url.replace(/^http/, 'ws')}/api/v1/tracker/${videoId}`;
    console.log(
      `load: ${options.seconds} s of ingest (${options.ingestConcurrency} workers, batch ${options.batch}), API reads (${options.apiConcurrency} workers) and ${options.trackerSockets} tracker sockets…`,
    );
    const [ingest, api, tracker] = await Promise.all([
      runLoad({
        concurrency: options.ingestConcurrency,
        durationMs,
        request: (worker) => {
          const first = counters[worker] as number;
          counters[worker] = first + options.batch;
          return ingestRequest(server.url, sessions[worker] as (typeof sessions)[number], start, first, options.batch);
        },
      }),
      runLoad({
        concurrency: options.apiConcurrency,
        durationMs,
        request: (worker, n) => ({ url: `${server.url}${reads[(worker + n) % reads.length]}` }),
      }),
      announcePhase(trackerUrl, options.trackerSockets, options.seconds),
    ]);
    const loadAverage = loadavg()
      .map((value) => value.toFixed(1))
      .join(' / ');
    const kinds = [
      fromHttp(`ingest POST /analytics/samples (batch ${options.batch})`, ingest),
      fromHttp('API reads (catalog page, trending, one video)', api),
      fromTracker(tracker, options.seconds),
    ];
    const markdown = [
      `Machine: ${machineDescription()}, load average ${loadAverage} at the end. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      `Command: \`npm run bench:load -- --load-seconds ${options.seconds}\`. One \`wrangler dev\`, three loads at the same time for ${options.seconds} s:`,
      `${options.ingestConcurrency} closed-loop ingest workers (one peer session each, ${options.batch} fresh samples per request), ${options.apiConcurrency} closed-loop`,
      `API readers (catalog page, trending, one video in turn) and ${options.trackerSockets} tracker WebSockets over 10 swarms announcing once per 1.1 s each.`,
      'An error is a non-2xx answer or a failed request (HTTP), or an announce answered with a failure or not answered (tracker).',
      '',
      '| kind | requests | per second | errors | error rate | p50 ms | p99 ms | detail |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...kinds.map(
        (kind) =>
          `| ${kind.kind} | ${kind.requests.toLocaleString('en-US')} | ${fmt(kind.perSecond)} | ${kind.errors.toLocaleString('en-US')} | ${fmt(100 * kind.errorRate, 2)} % | ${fmt(kind.p50Ms)} | ${fmt(kind.p99Ms)} | ${kind.detail} |`,
      ),
    ].join('\n');
    return { options, kinds, markdown, loadAverage };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      'load-seconds': { type: 'string', default: String(DEFAULT_LOAD.seconds) },
      'tracker-sockets': { type: 'string', default: String(DEFAULT_LOAD.trackerSockets) },
    },
  });
  benchLoad({ ...DEFAULT_LOAD, seconds: Number(values['load-seconds']), trackerSockets: Number(values['tracker-sockets']) })
    .then(async ({ markdown }) => {
      await writeResultsSection(LOAD_SECTION, markdown);
      console.log(markdown);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
