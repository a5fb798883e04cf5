// `npm run dev`: the whole stack on this machine, offline, without a Cloudflare account.
//
//   1. .dev.vars (secrets for `wrangler dev`) is created with a random JWT_SECRET if missing
//   2. the web app is built into web/dist (served by the Worker's [assets])
//   3. D1 migrations are applied to the local database, and demo data is seeded if it has no users
//   4. the services start — the development IPFS node (dev/ipfs-node, Kubo RPC on 127.0.0.1:5001, state in
//      .wrangler/ipfs-node), the payment sandbox (lib/payment-sandbox.ts: local Stripe, PayPal and Coinbase
//      with hosted checkout pages) and `wrangler dev` (Worker, D1, Durable Objects, Queues in workerd, told the
//      node's URL through IPFS_API_URLS and the sandbox's through the payment vars) — and the script waits for
//      GET /api/v1/health
//   5. every seeded video without media gets its demo clip (dev/demo-media) through the API, and the script waits
//      until all are ready (pinned, with the IPFS node) before printing where everything is (lib/demo-media.ts)
//
// Ctrl-C (or SIGTERM) stops every service it started, whole process groups included (see lib/process-group.ts).
//
// Options:
//   --port N           HTTP port of the app and API (default 8787)
//   --persist-to DIR   local state directory (default .wrangler/state)
//   --fresh            delete the local state first: empty database, migrations and seed from scratch
//   --no-seed          do not seed an empty database, nor upload demo media
//   --no-build         do not build the web app (serve whatever web/dist holds)
//   --log-level L      wrangler's log level: debug, info (default), log, warn, error, none
//   --ipfs-port N      port of the development IPFS node (default 5001, or a free port if 5001 is taken)
//   --no-ipfs          no IPFS node: published videos are served from R2 alone
//   --no-payment-sandbox  no local payment providers: the Worker's payment settings come from .dev.vars

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../src/domain/errors';
import { parseOrUsage, UsageError } from './lib/cli';
import type { D1Target } from './lib/d1';
import { d1ApplyMigrations, d1Query } from './lib/d1';
import { DEMO_ACCOUNTS } from './lib/demo-data';
import { describeDemoMedia, ensureDemoMedia } from './lib/demo-media';
import { ensureDevVars } from './lib/dev-vars';
import { type DevPaymentSandbox, startDevPaymentSandbox } from './lib/payment-sandbox';
import type { ProcessGroup } from './lib/process-group';
import { startProcessGroup } from './lib/process-group';
import { DEFAULT_STATE_DIR, PROJECT_ROOT, WRANGLER_BIN, wranglerEnv } from './lib/project';
import { describeSeed, seedDatabase } from './seed';

const LOG_LEVELS = ['debug', 'info', 'log', 'warn', 'error', 'none'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

interface DevOptions {
  host: string;
  port: number;
  stateDir: string;
  fresh: boolean;
  seed: boolean;
  build: boolean;
  logLevel: LogLevel;
  /** --ipfs-port, 'auto' (5001, or any free port when 5001 is taken) or false (--no-ipfs). */
  ipfs: number | 'auto' | false;
  /** The port the development IPFS node was given once chosen; undefined with --no-ipfs. */
  ipfsPort: number | undefined;
  ipfsDir: string;
  paymentSandbox: boolean;
}

const HELP = `Usage: npm run dev -- [--port N] [--persist-to DIR] [--fresh] [--no-seed] [--no-build] [--log-level L]
                      [--ipfs-port N] [--no-ipfs] [--no-payment-sandbox]

Builds the web app, migrates and seeds the local D1 database, starts \`wrangler dev\` and waits until the
API answers. Ctrl-C stops everything.

  --port N          HTTP port of the app and API (default 8787)
  --persist-to DIR  local state directory: D1, Durable Objects, queues (default .wrangler/state)
  --fresh           delete that state first (empty database, then migrations and seed)
  --no-seed         leave an empty database empty and upload no demo media (otherwise every seeded video
                    without media gets its clip from dev/demo-media, uploaded through the API)
  --no-build        skip \`npm run build:web\` and serve web/dist as it is
  --log-level L     wrangler's log level: ${LOG_LEVELS.join(', ')} (default info)
  --ipfs-port N     port of the development IPFS node (default 5001, or a free port if 5001 is taken); its blocks and pins live in
                    .wrangler/ipfs-node (beside the state directory). It answers Kubo's RPC API with
                    Kubo's default CIDs, for development only: production points IPFS_API_URLS at Kubo
                    or IPFS Cluster
  --no-ipfs         start no IPFS node; published videos are then served from R2 alone
  --no-payment-sandbox
                    start no local payment sandbox (Stripe, PayPal and Coinbase stand-ins with hosted
                    checkout pages and test cards); payments then use what .dev.vars sets, e.g. keys for
                    the providers' own sandboxes (README "Payments"), or answer 503 not_configured`;

function parseOptions(argv: string[]): DevOptions | undefined {
  const { values } = parseOrUsage(() =>
    parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8787' },
        'persist-to': { type: 'string' },
        fresh: { type: 'boolean', default: false },
        'no-seed': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
        'ipfs-port': { type: 'string' },
        'no-ipfs': { type: 'boolean', default: false },
        'no-payment-sandbox': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }),
  );
  if (values.help) return undefined;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be 1–65535, got ${values.port}`);
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const ipfsPort = values['ipfs-port'] === undefined ? undefined : Number(values['ipfs-port']);
  if (ipfsPort !== undefined && (!Number.isInteger(ipfsPort) || ipfsPort < 1 || ipfsPort > 65535 || ipfsPort === port)) {
    throw new UsageError(`--ipfs-port must be 1–65535 and differ from --port, got ${values['ipfs-port']}`);
  }
  const stateDir = resolve(values['persist-to'] ?? DEFAULT_STATE_DIR);
  return {
    host: '127.0.0.1',
    port,
    ipfs: values['no-ipfs'] ? false : ipfsPort === undefined ? 'auto' : ipfsPort,
    ipfsPort: undefined,
    // Beside the wrangler state, never inside it: --fresh deletes only wrangler's own v3/ directory.
    ipfsDir: join(dirname(stateDir), 'ipfs-node'),
    stateDir,
    fresh: values.fresh,
    seed: !values['no-seed'],
    build: !values['no-build'],
    logLevel,
    paymentSandbox: !values['no-payment-sandbox'],
  };
}

function step(message: string): void {
  console.log(`\n▸ ${message}`);
}

function shortPath(path: string): string {
  const fromRoot = relative(PROJECT_ROOT, path);
  return fromRoot.startsWith('..') ? path : fromRoot || '.';
}

// ---------------------------------------------------------------------------------------------------------
// Preparation steps

/** Deletes a wrangler state directory, and refuses anything else a mistyped --persist-to could point at. */
async function deleteState(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  // Miniflare keeps everything under v3/ (d1, do, kv, r2, queues…).
  const unexpected = (await readdir(dir)).filter((entry) => entry !== 'v3');
  if (unexpected.length > 0) {
    throw new UsageError(`refusing to delete ${dir}: it holds ${unexpected.slice(0, 3).join(', ')}, not only wrangler's v3/ state`);
  }
  await rm(dir, { recursive: true, force: true });
}

function runInherited(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: wranglerEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolveRun(code));
  });
}

async function buildWeb(): Promise<void> {
  const dist = join(PROJECT_ROOT, 'web', 'dist');
  if (!existsSync(join(PROJECT_ROOT, 'web', 'vite.config.ts'))) {
    console.warn('warning: web/vite.config.ts does not exist yet; skipping the web build');
  } else {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const code = await runInherited(npm, ['run', '--silent', 'build:web']);
    if (code !== 0) throw new Error('`npm run build:web` failed (see above); fix it or start with --no-build');
  }
  // wrangler refuses to start when the [assets] directory is missing.
  await mkdir(dist, { recursive: true });
}

async function prepareDatabase(target: D1Target, seed: boolean): Promise<void> {
  await d1ApplyMigrations(target);
  console.log('migrations applied');
  if (!seed) return;
  const [row] = await d1Query(target, 'SELECT count(*) AS users FROM users;');
  if (Number(row?.users ?? 0) > 0) {
    console.log(`the database has ${String(row?.users)} user(s); not seeding (npm run seed adds missing demo data)`);
    return;
  }
  console.log(describeSeed(await seedDatabase(target, { knownEmpty: true })));
}

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, host, () => server.close(() => resolvePort(true)));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Services: each one starts, reports readiness and stops. The IPFS dev node starts first, so the Worker finds it.

interface RunningService {
  name: string;
  /** Resolves if the service stops on its own (a crash): the whole stack then shuts down. */
  exited: Promise<unknown>;
  stop(): Promise<void>;
  /** Synchronous last resort when the script dies without running the normal shutdown. */
  kill(): void;
}

interface Service {
  name: string;
  /**
   * Starts the service and resolves once it is ready to use. `register` is called as soon as there is
   * something to stop, so a Ctrl-C during a slow start still cleans up.
   */
  start(register: (running: RunningService) => void): Promise<void>;
}

const HEALTH_PATH = '/api/v1/health';
const READY_TIMEOUT_MS = 90_000;

interface HealthResult {
  status: number;
  body: string;
}

async function probe(url: string): Promise<HealthResult | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

// How long a Worker that answers, but not with 200, gets to become healthy before the stack starts anyway.
const DEGRADED_GRACE_MS = 15_000;

/**
 * Polls the health route until it answers 200. Anything else (503: a dependency check failed) is given
 * DEGRADED_GRACE_MS to clear; then the stack starts anyway and the banner names the failing checks.
 */
async function waitForHealth(url: string, group: ProcessGroup): Promise<HealthResult> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void group.exited.then(() => {
    exited = true;
  });
  let firstAnswerAt: number | undefined;
  while (Date.now() < deadline) {
    if (exited) throw new Error('wrangler dev exited before the API answered (see its output above)');
    const answer = await probe(url);
    if (answer?.status === 200) return answer;
    if (answer) {
      firstAnswerAt ??= Date.now();
      if (Date.now() - firstAnswerAt > DEGRADED_GRACE_MS) return answer;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 400));
  }
  throw new Error(`no answer from ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

interface StackReport {
  health?: HealthResult;
  payments?: DevPaymentSandbox;
}

function wranglerDevService(options: DevOptions, report: StackReport): Service {
  return {
    name: 'wrangler dev',
    async start(register) {
      if (!(await portIsFree(options.host, options.port))) {
        throw new Error(`port ${options.port} is already in use (another \`npm run dev\`?); pick another with --port`);
      }
      const group = startProcessGroup({
        name: 'wrangler dev',
        command: process.execPath,
        args: [
          WRANGLER_BIN,
          'dev',
          '--ip',
          options.host,
          '--port',
          String(options.port),
          '--persist-to',
          options.stateDir,
          '--log-level',
          options.logLevel,
          '--show-interactive-dev-session=false',
          ...(options.ipfsPort ? ['--var', `IPFS_API_URLS:dev=http://${options.host}:${options.ipfsPort}`] : []),
          ...(report.payments?.wranglerArgs ?? []),
        ],
        cwd: PROJECT_ROOT,
        env: wranglerEnv(),
        prefix: '[wrangler] ',
      });
      register({ name: this.name, exited: group.exited, stop: () => group.stop(), kill: () => group.kill() });
      report.health = await waitForHealth(`http://${options.host}:${options.port}${HEALTH_PATH}`, group);
    },
  };
}

const IPFS_READY_LINE = /^ipfs dev node listening on /;
const DEFAULT_IPFS_PORT = 5001;

/** --ipfs-port as given (it must be free), else Kubo's usual 5001, else whatever port the system offers. */
async function chooseIpfsPort(options: DevOptions): Promise<number> {
  if (typeof options.ipfs === 'number') return options.ipfs;
  if (options.port !== DEFAULT_IPFS_PORT && (await portIsFree(options.host, DEFAULT_IPFS_PORT))) return DEFAULT_IPFS_PORT;
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, options.host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Deletes the development IPFS node's directory, and refuses one holding anything the node did not write. */
async function deleteIpfsNodeState(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const unexpected = (await readdir(dir)).filter((entry) => !['blocks', 'pins.json', 'pins.json.tmp', 'identity.json'].includes(entry));
  if (unexpected.length > 0) throw new UsageError(`refusing to delete ${dir}: it holds ${unexpected.slice(0, 3).join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

function ipfsDevNodeService(options: DevOptions & { ipfsPort: number }): Service {
  return {
    name: 'ipfs dev node',
    async start(register) {
      if (!(await portIsFree(options.host, options.ipfsPort))) {
        throw new Error(`port ${options.ipfsPort} is already in use; pick another with --ipfs-port, or --no-ipfs`);
      }
      let ready: () => void = () => {};
      const listening = new Promise<void>((resolveReady) => {
        ready = resolveReady;
      });
      const group = startProcessGroup({
        name: 'ipfs dev node',
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          join('dev', 'ipfs-node', 'server.ts'),
          '--host',
          options.host,
          '--port',
          String(options.ipfsPort),
          '--dir',
          options.ipfsDir,
        ],
        cwd: PROJECT_ROOT,
        env: process.env,
        prefix: '[ipfs] ',
        onLine: (line) => {
          if (IPFS_READY_LINE.test(line)) ready();
        },
      });
      register({ name: this.name, exited: group.exited, stop: () => group.stop(), kill: () => group.kill() });
      const crashed = group.exited.then((code) => {
        throw new Error(`the IPFS dev node exited (${code}) before listening (see its output above)`);
      });
      await Promise.race([listening, crashed]);
    },
  };
}

/** In this process: a local HTTP server, stopped with the script. Started before wrangler, which is told its URL. */
function paymentSandboxService(options: DevOptions, report: StackReport): Service {
  return {
    name: 'payment sandbox',
    async start(register) {
      const payments = await startDevPaymentSandbox(`http://${options.host}:${options.port}`, (line) => console.log(`[payments] ${line}`));
      report.payments = payments;
      register({ name: this.name, exited: new Promise(() => {}), stop: () => payments.sandbox.close(), kill: () => {} });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

function healthSummary(health: HealthResult | undefined): string {
  if (!health) return 'unknown';
  if (health.status === 200) return 'ok';
  try {
    const body = JSON.parse(health.body) as { checks?: Record<string, { ok: boolean; error?: string }> };
    const failing = Object.entries(body.checks ?? {})
      .filter(([, check]) => !check.ok)
      .map(([name, check]) => `${name}${check.error ? ` (${check.error})` : ''}`);
    return `HTTP ${health.status}${failing.length ? `, failing: ${failing.join(', ')}` : ''}`;
  } catch {
    return `HTTP ${health.status}`;
  }
}

function banner(options: DevOptions, report: StackReport): string {
  const { health } = report;
  const base = `http://${options.host}:${options.port}`;
  const accounts = DEMO_ACCOUNTS.filter((account, index, all) => all.findIndex((other) => other.role === account.role) === index);
  return [
    '',
    '────────────────────────────────────────────────────────────────────────',
    ' VibeStream is running',
    `   App             ${base}/`,
    `   API docs        ${base}/docs/`,
    `   OpenAPI         ${base}/api/v1/openapi.json`,
    `   Health          ${base}${HEALTH_PATH}  (${healthSummary(health)})`,
    `   Local state     ${shortPath(options.stateDir)}`,
    options.ipfsPort
      ? `   IPFS dev node   http://${options.host}:${options.ipfsPort}/api/v0  (Kubo RPC, development only; ${shortPath(options.ipfsDir)})`
      : '   IPFS            off (--no-ipfs): videos are served from R2 alone',
    ...(report.payments?.bannerLines ?? ['   Payments        no sandbox (--no-payment-sandbox): provider settings from .dev.vars']),
    ' Demo accounts (npm run seed; more with npm run admin -- list-users):',
    ...accounts.map((account) => `   ${account.role.padEnd(8)} ${account.email.padEnd(27)} ${account.password}`),
    ' Stop with Ctrl-C: wrangler, workerd, the IPFS dev node and the payment sandbox are stopped with it.',
    '────────────────────────────────────────────────────────────────────────',
  ].join('\n');
}

const running: RunningService[] = [];
let shuttingDown: Promise<never> | undefined;

/** Stops every registered service, newest first, then exits. The only way this script ends once started. */
function shutdown(reason: string, exitCode: number): Promise<never> {
  shuttingDown ??= (async () => {
    if (running.length > 0) console.log(`\n▸ ${reason}: stopping ${running.map((service) => service.name).join(', ')}…`);
    for (const service of [...running].reverse()) await service.stop();
    if (running.length > 0) console.log('stopped');
    process.exit(exitCode);
  })();
  return shuttingDown;
}

function handleSignals(): void {
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        // One Ctrl-C can arrive several times: from the terminal and relayed by npm and tsx. A second
        // press, later, means no more patience.
        if (Date.now() - firstSignalAt < 1000) return;
        for (const service of running) service.kill();
        process.exit(130);
      }
      firstSignalAt = Date.now();
      void shutdown(`${signal} received`, 0);
    });
  }
  // Whatever ends this process, no process group it started survives it.
  process.on('exit', () => {
    for (const service of running) service.kill();
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(HELP);
    return;
  }
  handleSignals();
  const target: D1Target = { remote: false, persistTo: options.stateDir };

  const devVars = await ensureDevVars(PROJECT_ROOT);
  if (devVars.created) console.log('created .dev.vars with a random JWT_SECRET and CONTENT_KEY_SECRET');
  if (devVars.added.length > 0) console.log(`added ${devVars.added.join(', ')} to .dev.vars`);
  if (options.fresh) {
    step(`--fresh: deleting ${shortPath(options.stateDir)}`);
    await deleteState(options.stateDir);
    // Pins of videos the fresh database no longer knows would only be garbage.
    if (options.ipfs !== false) await deleteIpfsNodeState(options.ipfsDir);
  }
  if (options.ipfs !== false) options.ipfsPort = await chooseIpfsPort(options);
  if (options.build) {
    step('building the web app (npm run build:web)');
    await buildWeb();
  } else {
    await mkdir(join(PROJECT_ROOT, 'web', 'dist'), { recursive: true });
  }
  step(`local D1 database in ${shortPath(options.stateDir)}`);
  await prepareDatabase(target, options.seed);

  const report: StackReport = {};
  const services: Service[] = [
    ...(options.ipfsPort ? [ipfsDevNodeService({ ...options, ipfsPort: options.ipfsPort })] : []),
    ...(options.paymentSandbox ? [paymentSandboxService(options, report)] : []),
    wranglerDevService(options, report),
  ];
  for (const service of services) {
    step(`starting ${service.name}`);
    await service.start((started) => {
      running.push(started);
      void started.exited.then(() => shutdown(`${started.name} exited`, 1));
    });
  }
  if (options.seed) {
    step('demo media for the seeded videos (dev/demo-media, uploaded through the API)');
    try {
      console.log(describeDemoMedia(await ensureDemoMedia({ baseUrl: `http://${options.host}:${options.port}`, log: console.log })));
    } catch (error) {
      // The stack itself is up; say what failed and keep it running rather than take it down.
      console.warn(`warning: demo media not in place: ${errorMessage(error)}`);
    }
  }
  console.log(banner(options, report));
}

main().then(
  () => {
    // Running: the services' output pipes keep the process alive until a signal or a crash ends it.
    if (running.length === 0) process.exit(0);
  },
  (error: unknown) => {
    // Stopping on Ctrl-C makes in-flight steps fail; that is not an error worth reporting.
    if (shuttingDown) return;
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n(npm run dev -- --help lists the options)`);
      process.exit(2);
    }
    console.error(`\nerror: ${errorMessage(error)}`);
    void shutdown('startup failed', 1);
  },
);
