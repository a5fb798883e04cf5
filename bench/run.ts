// `npm run bench`: every benchmark against a real local stack, side by side in one run, results written to
// bench/RESULTS.md (one section per benchmark, each with the machine and date). Options: --only ingest,queries,dashboard,p2p  --seconds N (per load
// phase, default 10)  --rows N (rollup rows for the query benchmark, default 1,000,000)  --concurrency N (16).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startWranglerDev } from '../test/support/wrangler-dev';
import { benchDashboard, type DashboardBenchResult } from './dashboard';
import { benchIngest, type IngestBenchResult } from './ingest';
import { machineDescription } from './lib/machine';
import { RESULTS_PATH, writeResultsSection } from './lib/results';
import { benchP2POffload } from './p2p-offload';
import { BENCH_ADMIN, benchQueries, bulkLoad, type QueryBenchResult } from './queries';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'ingest,queries,dashboard,p2p' },
    seconds: { type: 'string', default: '10' },
    rows: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '16' },
    repetitions: { type: 'string', default: '60' },
  },
});
const only = new Set((values.only ?? '').split(','));
const seconds = Number(values.seconds);
const rows = Number(values.rows);
const concurrency = Number(values.concurrency);
const repetitions = Number(values.repetitions);
const root = join(import.meta.dirname, '..');

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

async function main() {
  // wrangler dev serves web/dist as static assets and needs it to exist.
  if (!existsSync(join(root, 'web', 'dist', 'index.html')) || only.has('dashboard')) {
    console.log('building web/…');
    execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit' });
  }
  const now = Date.now();
  let loaded: Awaited<ReturnType<typeof bulkLoad>> | undefined;
  console.log(`starting wrangler dev${only.has('queries') ? ` and loading ${rows.toLocaleString()} rollup rows` : ''}…`);
  const server = await startWranglerDev({
    cwd: root,
    vars: { LOG_LEVEL: 'error' },
    startTimeoutMs: 180_000,
    beforeStart:
      only.has('queries') || only.has('dashboard')
        ? async (dir) => {
            loaded = await bulkLoad(dir, rows, now);
          }
        : undefined,
  });
  let ingest: IngestBenchResult | undefined;
  let queries: QueryBenchResult | undefined;
  let dashboard: DashboardBenchResult | undefined;
  try {
    if (only.has('ingest')) {
      console.log('ingest vs hello…');
      ingest = await benchIngest(server.url, { concurrency, seconds, batches: [1, 50, 200] });
    }
    if (only.has('queries')) {
      console.log('dashboard queries vs plain SQLite…');
      queries = await benchQueries(server.url, server.persistDir, now, repetitions);
    }
    if (only.has('dashboard')) {
      console.log('dashboard first chart…');
      dashboard = await benchDashboard(server.url, BENCH_ADMIN, 5);
    }
  } finally {
    await server.stop();
  }

  const runLine = [
    `Machine: ${machineDescription()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Command: \`npm run bench -- --only ${[...only].join(',')} --seconds ${seconds} --rows ${rows} --concurrency ${concurrency}\`. Everything runs on this one machine`,
    '(load generator, wrangler dev/workerd, Chromium), so absolute numbers are noisy; the ratios compare runs made side by side in the same session.',
    '',
  ];
  const sections: { title: string; lines: string[] }[] = [];
  const section = (title: string, lines: string[]) => sections.push({ title, lines: [...runLine, ...lines] });
  if (ingest) {
    const helloRps = ingest.hello.requestsPerSecond;
    section('Ingest throughput vs a hello route', [
      `Closed loop, ${concurrency} connections, ${seconds} s per phase, against \`wrangler dev\`. Hello = \`GET /api/v1/ping\` through the same middleware (mean of a run before and after). Each ingest worker owns one peer session.`,
      '',
      '| route | requests/s | samples/s | p50 ms | p95 ms | errors | ratio to hello | target |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      `| hello | ${fmt(helloRps)} | – | ${fmt(ingest.hello.p50Ms)} | ${fmt(ingest.hello.p95Ms)} | ${ingest.hello.errors} | 1.00 | |`,
      ...ingest.batches.map(
        (b) =>
          `| ingest, batch ${b.batch} | ${fmt(b.result.requestsPerSecond)} | ${fmt(b.samplesPerSecond, 0)} | ${fmt(b.result.p50Ms)} | ${fmt(b.result.p95Ms)} | ${b.result.errors} | ${fmt(b.ratioToHello, 2)} | ${
            b.batch === 50 ? `≥ 0.50: ${verdict(b.ratioToHello >= 0.5)}` : ''
          } |`,
      ),
    ]);
  }
  if (queries && loaded) {
    section('Dashboard queries with ≥ 1M rollup rows vs plain SQLite', [
      `Data: ${loaded.analyticsMinutes.toLocaleString()} fleet minute rows (7 days), ${loaded.sessionMinutes.toLocaleString()} session-minute rows, ${loaded.sessions.toLocaleString()} sessions. ` +
        `${repetitions} sequential requests per query, each with a different \`to\` so the 30 s edge cache never answers. ` +
        '"plain SQLite" runs the same drizzle queries through better-sqlite3 on a copy of the same database file.',
      '',
      `Hello route on the same server, same client, sequential: p50 ${fmt(queries.hello.p50Ms)} ms, p95 ${fmt(queries.hello.p95Ms)} ms — the HTTP and Worker floor under every API number.`,
      '',
      '| query | API p50 ms | API p95 ms | SQLite p50 ms | SQLite p95 ms | p95 ratio | target p95 < 20 ms | target ratio ≤ 1.5 |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
      ...queries.rows.map(
        (q) =>
          `| ${q.name} | ${fmt(q.api.p50Ms)} | ${fmt(q.api.p95Ms)} | ${fmt(q.sqlite.p50Ms)} | ${fmt(q.sqlite.p95Ms)} | ${fmt(q.ratioP95, 2)} | ${verdict(q.api.p95Ms < 20)} | ${verdict(q.ratioP95 <= 1.5)} |`,
      ),
    ]);
  }
  if (dashboard) {
    section('Dashboard first chart', [
      `Headless Chromium opens \`/dashboard/\` signed in as an admin over the bulk-loaded data; the page sets \`performance.mark('first-chart')\` after its first chart renders. ${dashboard.runs} loads.`,
      '',
      '| metric | median ms | max ms | target |',
      '| --- | ---: | ---: | --- |',
      `| first chart painted | ${fmt(dashboard.medianMs)} | ${fmt(dashboard.maxMs)} | < 500: ${verdict(dashboard.medianMs < 500)} |`,
    ]);
  }
  // Benchmarks that start their own servers and browsers run after the shared server has stopped.
  if (only.has('p2p')) {
    console.log('P2P offload, ours vs stock p2p-media-loader + bittorrent-tracker…');
    const offload = await benchP2POffload({ viewers: 6, clipSeconds: 60, staggerMs: 3000 });
    sections.push({ title: 'P2P offload ratio', lines: [offload.markdown] });
  }
  for (const { title, lines } of sections) {
    await writeResultsSection(title, lines.join('\n'));
    console.log(`## ${title}\n\n${lines.join('\n')}\n`);
  }
  console.log(`written to ${RESULTS_PATH}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
