// What checking every access token against its account costs. Three `wrangler dev` servers, measured in one run
// with their rounds interleaved so drift in the shared machine's load hits all three alike:
//   before      the code before access tokens carried a version (`--baseline`, default the parent of the commit
//               that added the check): signature and expiry only
//   warm cache  today's code, ACCOUNT_CHECK_CACHE_MS=5000: the account's standing comes from isolate memory
//   cold cache  today's code, ACCOUNT_CHECK_CACHE_MS=0: a D1 read on every request (what the first request of an
//               account in an isolate, or the first after the TTL, pays)
// The request is `GET /api/v1/ping` with a Bearer token: the route does nothing, so what is measured is the
// authentication middleware plus the platform's floor; the same route without a token is the floor itself.
//
// `npm run bench:auth [-- --seconds 5 --rounds 3 --concurrency 8 --baseline <git rev>]` writes its section of
// bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startWranglerDev, type WranglerDev } from '../test/support/wrangler-dev';
import { type LoadResult, runLoad } from './lib/load';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';

const root = join(import.meta.dirname, '..');
/** The commit that made every request check the token version; its parent is the "before" code. */
const CHECK_COMMIT = '9a07cee';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    baseline: { type: 'string', default: `${CHECK_COMMIT}^` },
  },
});
const phaseMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

/** The baseline's sources, extracted with `git archive` (the working tree and index stay untouched). */
async function baselineTree(rev: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vibestream-bench-auth-'));
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'src', 'migrations', 'wrangler.toml', 'package.json'], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  await mkdir(join(dir, 'web', 'dist'), { recursive: true });
  return dir;
}

async function signedInToken(server: WranglerDev): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${crypto.randomUUID()}@example.com`,
      password: `bench ${crypto.randomUUID()} passphrase`,
      displayName: 'Bench',
      role: 'creator',
    }),
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

interface Variant {
  name: string;
  server: WranglerDev;
  token: string | null;
  results: LoadResult[];
}

function phase(variant: Variant, durationMs = phaseMs): Promise<LoadResult> {
  const headers: Record<string, string> = variant.token ? { Authorization: `Bearer ${variant.token}` } : {};
  return runLoad({ concurrency, durationMs, request: () => ({ url: `${variant.server.url}/api/v1/ping`, init: { headers } }) });
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;

async function main() {
  const baselineDir = await baselineTree(values.baseline as string);
  const servers: WranglerDev[] = [];
  try {
    // One after another: three workerd start-ups at once starve a two-core machine past the start timeout.
    const before = await startWranglerDev({ cwd: baselineDir });
    servers.push(before);
    const warm = await startWranglerDev({ cwd: root, vars: { ACCOUNT_CHECK_CACHE_MS: '5000' } });
    servers.push(warm);
    const cold = await startWranglerDev({ cwd: root, vars: { ACCOUNT_CHECK_CACHE_MS: '0' } });
    servers.push(cold);
    const variants: Variant[] = [
      { name: 'no token (floor), before', server: before, token: null, results: [] },
      { name: 'before: signature + expiry only', server: before, token: await signedInToken(before), results: [] },
      { name: 'warm cache (ACCOUNT_CHECK_CACHE_MS=5000)', server: warm, token: await signedInToken(warm), results: [] },
      { name: 'cold cache (ACCOUNT_CHECK_CACHE_MS=0, D1 read per request)', server: cold, token: await signedInToken(cold), results: [] },
    ];
    // Warm-up: bundles compiled, isolates up, the warm server's cache filled.
    for (const variant of variants) await phase(variant, 1_000);
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const result = await phase(variant);
        if (result.errors > 0) throw new Error(`${variant.name}: ${result.errors} failed requests ${JSON.stringify(result.statuses)}`);
        variant.results.push(result);
        console.info(`${variant.name} round ${round + 1}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms`);
      }
    }
    const baseline = variants[1] as Variant;
    const baseRate = median(baseline.results.map((r) => r.requestsPerSecond));
    const baseP50 = median(baseline.results.map((r) => r.p50Ms));
    const rows = variants.map((variant) => {
      const rate = median(variant.results.map((r) => r.requestsPerSecond));
      const p50 = median(variant.results.map((r) => r.p50Ms));
      const p99 = median(variant.results.map((r) => r.p99Ms));
      return `| ${variant.name} | ${rate.toFixed(0)} | ${(rate / baseRate).toFixed(2)} | ${p50.toFixed(2)} | ${(p50 / baseP50).toFixed(2)} | ${p99.toFixed(2)} |`;
    });
    const warmRate = median((variants[2] as Variant).results.map((r) => r.requestsPerSecond));
    const coldRate = median((variants[3] as Variant).results.map((r) => r.requestsPerSecond));
    const body = [
      `Machine: ${machineDescription()}. Load average (1/5/15 min) at the end: ${loadDescription()}. Date: ${new Date().toISOString()}.`,
      `Command: \`npm run bench:auth -- --seconds ${values.seconds} --rounds ${rounds} --concurrency ${concurrency} --baseline ${values.baseline}\`.`,
      '',
      `\`GET /api/v1/ping\` (the route does nothing: the cost is the authentication middleware and the platform's floor), ${concurrency} closed-loop clients, ${rounds} interleaved rounds of ${values.seconds} s per variant; medians of the rounds. Ratios are against "before" (signature and expiry only).`,
      '',
      '| variant | req/s | × before | p50 ms | × before | p99 ms |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `The warm cache serves ${((warmRate / baseRate) * 100).toFixed(0)} % of the old request rate; a D1 read on every request would serve ${((coldRate / baseRate) * 100).toFixed(0)} %. ` +
        'In production the cold cost is paid once per account per isolate per ACCOUNT_CHECK_CACHE_MS (5 s), every other request is the warm figure. ' +
        'Local D1 runs as a separate object behind an RPC on the same two cores, so the cold row is pessimistic.',
    ].join('\n');
    await writeResultsSection('Access-token account check', body);
    console.info(body);
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await rm(baselineDir, { recursive: true, force: true });
  }
}

await main();
