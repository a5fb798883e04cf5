import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../dev/lib/demo-data';
import { livePidsInGroup } from '../../dev/lib/process-group';
import { PROJECT_ROOT } from '../../dev/lib/project';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Live workerd processes serving this port (zombies have no command line, so they never match). */
function workerdOnPort(port: number): number[] {
  let output = '';
  try {
    output = execFileSync('pgrep', ['-f', `workerd serve .*127\\.0\\.0\\.1:${port}( |$)`], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return output.split('\n').filter(Boolean).map(Number);
}

function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('npm run dev', () => {
  let root: string;
  let port: number;
  let dev: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let wranglerGroup: number | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vibestream-dev-'));
    port = await freePort();
    // Started as `npm run dev` starts it, minus npm and the tsx wrapper process, so SIGINT reaches dev.ts itself.
    dev = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'dev/dev.ts',
        '--port',
        String(port),
        '--persist-to',
        join(root, 'state'),
        '--fresh',
        '--no-build',
        '--log-level',
        'warn',
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exited = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
    dev.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    dev.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('VibeStream is running')) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      void exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`dev.ts exited with ${code} before it was ready:\n${output}`));
      });
    });
    await ready;
  }, 120_000);

  afterAll(async () => {
    // Only if a test failed half-way: leave nothing running.
    if (dev.exitCode === null && dev.signalCode === null) dev.kill('SIGKILL');
    if (wranglerGroup !== undefined) {
      try {
        process.kill(-wranglerGroup, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(root, { recursive: true, force: true });
  });

  it('migrates and seeds a fresh state directory, then prints where everything is', () => {
    expect(output).toContain('migrations applied');
    expect(output).toMatch(/users\s+6\s+\(\+6\)/);
    for (const path of ['/docs/', '/api/v1/openapi.json', '/api/v1/health']) {
      expect(output).toContain(`http://127.0.0.1:${port}${path}`);
    }
    expect(output).toContain('admin@vibestream.local');
  });

  it('serves a healthy API in which the demo accounts can log in', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const admin = DEMO_ACCOUNTS.find((account) => account.role === 'admin');
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.email, password: admin?.password }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user: { role: 'admin' }, accessToken: expect.any(String) });
  });

  it('stops wrangler and every workerd on SIGINT', async () => {
    const workerds = workerdOnPort(port);
    expect(workerds.length).toBeGreaterThan(0);
    wranglerGroup = processGroupOf(workerds[0] as number);
    expect(wranglerGroup).not.toBe(process.pid);
    expect(livePidsInGroup(wranglerGroup).length).toBeGreaterThan(0);

    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped');
    expect(livePidsInGroup(wranglerGroup)).toEqual([]);
    expect(workerdOnPort(port)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
  }, 30_000);
});
