// A real `wrangler dev` for tests that need the whole stack (Worker, D1, Durable Objects, Queues, static
// assets), on a free port with its own throwaway state directory.
//
// Why it is started the way it is:
// - Migrations are applied to a fresh `--persist-to` directory first, so every run starts from an empty,
//   fully migrated database and never touches the developer's `.wrangler/state`.
// - `npx`/wrangler start workerd as a child; killing only wrangler's pid orphans workerd (and its port). The
//   server is therefore started in its own process group (`detached: true` = setsid) and stopped by signalling
//   the whole group — also when the test process exits without calling `stop()`.
// - No network here: metrics, the update check and the `request.cf` download are switched off, each would
//   otherwise cost a timeout on start. Wrangler's config and logs go into the temp directory too.
// - A fresh clone has no `.dev.vars`, so secrets are passed with `--var`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface WranglerDevOptions {
  /** Project root holding wrangler.toml (default: the current working directory). */
  cwd?: string;
  /** Extra `--var` bindings; JWT_SECRET and CONTENT_KEY_SECRET get random values unless given here. */
  vars?: Record<string, string>;
  /** How long to wait for /api/v1/health to answer (default 60 s). */
  startTimeoutMs?: number;
  /**
   * Work that must finish before the server starts but can overlap the migrations, e.g. building web/dist
   * (wrangler serves it as static assets and expects the directory at start).
   */
  startAfter?: Promise<unknown>;
  /** Runs after the migrations and before the server starts, e.g. to bulk-load the local D1 file (benchmarks). */
  beforeStart?: (persistDir: string) => Promise<void>;
}

export interface WranglerDev {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The throwaway state directory (D1, DO storage) of this server. */
  persistDir: string;
  /** Everything wrangler printed, for diagnosing failures. */
  logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function wranglerEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    WRANGLER_LOG_PATH: join(stateDir, 'logs'),
    // Non-interactive: never prompt (e.g. before applying migrations).
    CI: 'true',
    NO_COLOR: '1',
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  // Awaited below; marked handled now so a fast failure is not reported as an unhandled rejection meanwhile.
  options.startAfter?.catch(() => {});
  const cwd = resolve(options.cwd ?? process.cwd());
  const wrangler = join(cwd, 'node_modules', '.bin', 'wrangler');
  const stateDir = await mkdtemp(join(tmpdir(), 'vibestream-wrangler-'));
  const persistDir = join(stateDir, 'state');
  const logFile = join(stateDir, 'wrangler-dev.log');
  const env = wranglerEnv(stateDir);

  const migrations = execFileAsync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir], {
    cwd,
    env,
    timeout: 60_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`wrangler d1 migrations apply failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  });
  try {
    await Promise.all([migrations, options.startAfter]);
  } catch (error) {
    await Promise.allSettled([migrations, options.startAfter]);
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }

  await options.beforeStart?.(persistDir);
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const vars = { JWT_SECRET: randomBytes(32).toString('hex'), CONTENT_KEY_SECRET: randomBytes(32).toString('hex'), ...options.vars };
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
    '--log-level',
    'error',
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  const log = createWriteStream(logFile);
  const child = spawn(wrangler, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  let exited = false;
  const exitedPromise = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
  });
  // Last line of defence: never leave a workerd behind when the test process ends.
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!exited) {
      signalGroup(child, 'SIGTERM');
      const timeout = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 5_000).unref());
      if ((await Promise.race([exitedPromise, timeout])) === 'timeout') signalGroup(child, 'SIGKILL');
    }
    // workerd may outlive wrangler for a moment; make sure the whole group is gone before deleting its state.
    signalGroup(child, 'SIGKILL');
    log.end();
    await rm(stateDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited) {
      const output = await tail(logFile);
      await stop();
      throw new Error(`wrangler dev exited during start-up:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
      // 503 "degraded" is still the Worker answering; the tests decide what they need from it.
      if (response.status === 200 || response.status === 503) {
        await response.body?.cancel();
        return { url, persistDir, logFile, stop };
      }
      await response.body?.cancel();
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  const output = await tail(logFile);
  await stop();
  throw new Error(`wrangler dev did not answer ${url}/api/v1/health in time:\n${output}`);
}
