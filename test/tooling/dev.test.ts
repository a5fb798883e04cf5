import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClipManifest } from '../../dev/lib/demo-clips';
import { DEMO_ACCOUNTS, DEMO_VIDEOS, type DemoAccount } from '../../dev/lib/demo-data';
import { livePidsInGroup } from '../../dev/lib/process-group';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { demoVideoId } from '../../dev/seed';
import {
  type IntegrityManifest,
  manifestFiles,
  POSTER_PATH,
  packageDurationSeconds,
  parseMasterPlaylist,
  parseMediaPlaylist,
  resolveRelative,
} from '../../src/domain/packaging';

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

/** The fields of the API's video this file reads. */
interface Video {
  status: string;
  durationSeconds: number | null;
  posterUrl: string | null;
  storyboard: { tiles: number; intervalSeconds: number } | null;
}

interface DevRun {
  process: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts dev.ts as `npm run dev` starts it, minus npm and the tsx wrapper process, so SIGINT reaches dev.ts
 * itself; resolves once it prints the banner.
 */
async function startDev(args: string[], timeoutMs: number): Promise<DevRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/dev.ts', ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run = { process: child, output: () => output, exited };
  const startedAt = Date.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('VibeStream is running')) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - startedAt > timeoutMs) {
        // Before the test's own timeout, so the failure shows how far it got; SIGINT stops what it started.
        clearInterval(timer);
        child.kill('SIGINT');
        reject(new Error(`dev.ts printed no banner within ${timeoutMs / 1000} s:\n${output}`));
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`dev.ts exited with ${code} before it was ready:\n${output}`));
    });
  });
  return run;
}

async function signIn(base: string, account: DemoAccount | undefined): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account?.email, password: account?.password }),
  });
  expect(login.status).toBe(200);
  return ((await login.json()) as { accessToken: string }).accessToken;
}

describe('npm run dev', () => {
  let root: string;
  let port: number;
  let base: string;
  let dev: DevRun;
  let output = '';
  let wranglerGroup: number | undefined;
  const admin = DEMO_ACCOUNTS.find((account) => account.role === 'admin');

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vibestream-dev-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    dev = await startDev(
      ['--port', String(port), '--persist-to', join(root, 'state'), '--fresh', '--no-build', '--log-level', 'warn'],
      170_000,
    );
    output = dev.output();
  }, 180_000);

  afterAll(async () => {
    // Only if a test failed half-way: leave nothing running.
    if (dev && dev.process.exitCode === null && dev.process.signalCode === null) dev.process.kill('SIGKILL');
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

    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.email, password: admin?.password }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user: { role: 'admin' }, accessToken: expect.any(String) });
  });

  it("gives every seeded video its demo clip: ready, with a poster, the package's duration, and files that play", async () => {
    // The whole summary line, so a video left unready shows up with its status in the failure. (Publishing a
    // video again whose pinning stalled is dev.ts's own remedy, not a failure.)
    expect(output.split('\n').find((line) => line.startsWith('demo media:'))).toMatch(
      new RegExp(`^demo media: ${DEMO_VIDEOS.length} uploaded, 0 already there(; \\d+ published again)?$`),
    );
    // The admin may read every video and file, private and unlisted ones included.
    const token = await signIn(base, admin);
    const get = (path: string) => fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    for (const demo of DEMO_VIDEOS) {
      const id = demoVideoId(demo.key);
      const manifest = demoClipManifest(demo.clip);
      const video = (await (await get(`/api/v1/videos/${id}`)).json()) as Video;
      expect({ id, status: video.status, durationSeconds: video.durationSeconds, posterUrl: video.posterUrl }).toEqual({
        id,
        status: 'ready',
        durationSeconds: packageDurationSeconds(manifest),
        posterUrl: `/api/v1/videos/${id}/hls/${POSTER_PATH}`,
      });
      expect(video.storyboard).toMatchObject({ tiles: manifest.storyboard?.tiles, intervalSeconds: manifest.storyboard?.intervalSeconds });

      // Paid and private videos were uploaded encrypted with their own key (dev/lib/demo-media.ts): their files
      // are the ciphertext the served manifest describes; free ones are the committed clip as is.
      const stored = (await (await get(`/api/v1/videos/${id}/hls/manifest.json`)).json()) as IntegrityManifest;
      const sealed = demo.priceCents > 0 || demo.visibility === 'private';
      expect({ id, encryption: stored.encryption }).toEqual({ id, encryption: sealed ? { method: 'AES-128' } : undefined });
      const digests = (source: IntegrityManifest) => manifestFiles(source).map((file) => [file.path, file.sha256]);
      if (!sealed) expect(digests(stored)).toEqual(digests(manifest));
      const master = await get(`/api/v1/videos/${id}/hls/master.m3u8`);
      expect(master.status).toBe(200);
      const [variant] = parseMasterPlaylist(await master.text());
      const playlist = await get(`/api/v1/videos/${id}/hls/${variant?.uri}`);
      expect(playlist.status).toBe(200);
      const media = parseMediaPlaylist(await playlist.text());
      const rendition = stored.renditions.find((candidate) => candidate.playlist === variant?.uri);
      for (const [uri, digest] of [
        [media.map?.uri, rendition?.init],
        [media.segments[0]?.uri, rendition?.segments[0]],
        [POSTER_PATH, manifest.poster],
      ] as const) {
        const path = uri === POSTER_PATH ? uri : resolveRelative(variant?.uri ?? '', uri ?? '');
        const file = await get(`/api/v1/videos/${id}/hls/${path}`);
        expect({ path, status: file.status }).toEqual({ path, status: 200 });
        expect(new Uint8Array(await file.arrayBuffer()).byteLength).toBe(digest?.bytes);
      }
    }
  }, 60_000);

  it('stops wrangler and every workerd on SIGINT', async () => {
    const workerds = workerdOnPort(port);
    expect(workerds.length).toBeGreaterThan(0);
    wranglerGroup = processGroupOf(workerds[0] as number);
    expect(wranglerGroup).not.toBe(process.pid);
    expect(livePidsInGroup(wranglerGroup).length).toBeGreaterThan(0);

    dev.process.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toContain('stopped');
    expect(livePidsInGroup(wranglerGroup)).toEqual([]);
    expect(workerdOnPort(port)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
  }, 30_000);

  it('uploads nothing when started again on the same state: every video already has its media', async () => {
    const again = await startDev(
      ['--port', String(port), '--persist-to', join(root, 'state'), '--no-build', '--log-level', 'warn'],
      100_000,
    );
    try {
      expect(again.output()).toContain('not seeding');
      expect(
        again
          .output()
          .split('\n')
          .find((line) => line.startsWith('demo media:')),
      ).toBe(`demo media: 0 uploaded, ${DEMO_VIDEOS.length} already there`);
    } finally {
      again.process.kill('SIGINT');
      expect(await again.exited).toBe(0);
    }
  }, 120_000);
});
