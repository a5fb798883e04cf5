// The storage pipeline end to end on the real stack: `wrangler dev` (Worker, D1, Queues, R2 in workerd) and two
// development IPFS nodes as separate processes (replication factor 2). A real ffmpeg-packaged video goes
// upload → publish → ipfs-jobs queue → both nodes → D1 → ready; one node is killed in the middle of a job;
// a replica is removed behind the system's back and repaired; R2 loses a segment and IPFS serves it; the
// video is deleted and unpinned everywhere; a node running out of space raises an alert.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'kubo-rpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { runToCompletion } from '../../dev/lib/run';
import { kuboDefaultCid } from '../../src/shared/content-id';
import { signUp } from '../support/api';
import { packageTestClip, type VideoPackage } from '../support/packaged-video';
import { freePort, startWranglerDev, type WranglerDev } from '../support/wrangler-dev';
import { openD1, runScript } from './helpers';
import { type IpfsNodeProcess, startIpfsNodeProcess } from './ipfs-node-process';

const ADMIN = { email: 'storage-admin@example.test', password: 'storage admin passphrase' };

let root: string;
let server: WranglerDev;
const nodes: Record<'alpha' | 'beta', { port: number; dir: string; process: IpfsNodeProcess }> = {} as never;
let creator: { accessToken: string; user: { id: string } };
let adminToken: string;
let pkg: VideoPackage;

const kubo = (name: 'alpha' | 'beta') => create({ url: nodes[name].process.url });

async function pinsOn(name: 'alpha' | 'beta'): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const pin of kubo(name).pin.ls({ type: 'recursive' })) out.add(pin.cid.toString());
  return out;
}

async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function uploadPackage(videoId: string): Promise<void> {
  const authorization = `Bearer ${creator.accessToken}`;
  const base = `${server.url}/api/v1/videos/${videoId}`;
  const manifest = await fetch(`${base}/manifest`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ ...pkg.manifest, videoId }),
  });
  expect(manifest.status).toBe(200);
  for (const [path, bytes] of pkg.files) {
    const put = await fetch(`${base}/files/${path}`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      body: Buffer.from(bytes),
    });
    expect(put.status, path).toBe(204);
  }
}

async function newVideo(title: string): Promise<string> {
  const created = await api('POST', '/videos', creator.accessToken, { title, visibility: 'public', language: 'en' });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const statusOf = async (videoId: string) => (await api('GET', `/videos/${videoId}`, creator.accessToken)).body.status as string;
const waitReady = (videoId: string, timeoutMs?: number) =>
  until(`video ${videoId} ready`, async () => (await statusOf(videoId)) === 'ready', timeoutMs);

async function d1<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  const db = await openD1(server.persistDir);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-ipfs-pipeline-'));
  const clip = packageTestClip({ seconds: 8, segmentSeconds: 2 });
  for (const name of ['alpha', 'beta'] as const) {
    const port = await freePort();
    const dir = join(root, name);
    nodes[name] = { port, dir, process: await startIpfsNodeProcess({ port, dir }) };
  }
  server = await startWranglerDev({
    vars: {
      IPFS_API_URLS: `alpha=${nodes.alpha.process.url},beta=${nodes.beta.process.url}`,
      IPFS_REPLICATION_FACTOR: '2',
      IPFS_TIMEOUT_MS: '4000',
    },
    beforeStart: async (persistDir) => {
      const made = await runScript('admin', [
        'create-user',
        '--email',
        ADMIN.email,
        '--password',
        ADMIN.password,
        '--role',
        'admin',
        '--persist-to',
        persistDir,
      ]);
      if (made.exitCode !== 0) throw new Error(`admin create-user failed: ${made.stderr}`);
    },
  });
  pkg = await clip;
  creator = await signUp(server.url, { displayName: 'Storage creator', role: 'creator' });
  const login = await api('POST', '/auth/login', undefined, ADMIN);
  expect(login.status).toBe(200);
  adminToken = login.body.accessToken;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  for (const node of Object.values(nodes)) await node?.process.kill();
  await rm(root, { recursive: true, force: true });
});

let storedVideoId: string;
let storedRoot: string;

describe('IPFS storage pipeline on wrangler dev', () => {
  it('stores every file on both nodes, fills the manifest CIDs, and publishes only after pinning', async () => {
    const videoId = await newVideo('Stored on IPFS');
    await uploadPackage(videoId);
    const published = await api('POST', `/videos/${videoId}/publish`, creator.accessToken);
    expect(published.status).toBe(200);
    await waitReady(videoId);
    storedVideoId = videoId;

    const manifest = await (await fetch(`${server.url}/api/v1/videos/${videoId}/hls/manifest.json`)).json();
    const segments = manifest.renditions.flatMap((rendition: { segments: { path: string; cid: string | null }[] }) => rendition.segments);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    for (const segment of segments) {
      expect(segment.cid).toBe(await kuboDefaultCid(pkg.files.get(segment.path) as Uint8Array));
    }
    // One segment checked with Debian's independent tool as well.
    const sample = join(root, 'segment.bin');
    await writeFile(sample, pkg.files.get(segments[0].path) as Uint8Array);
    const printed = execFileSync('/usr/bin/ipfs_cid', [sample], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(printed).toContain(segments[0].cid);

    const files = await d1<{ path: string; cid: string }>('SELECT path, cid FROM ipfs_files WHERE video_id = ?', videoId);
    expect(files).toHaveLength(pkg.files.size + 1); // every playlist and segment, plus manifest.json
    const [storage] = await d1<{ root_cid: string }>('SELECT root_cid FROM video_storage WHERE video_id = ?', videoId);
    storedRoot = storage?.root_cid as string;
    expect(storedRoot).toMatch(/^Qm/);
    const pins = await d1<{ node: string }>('SELECT node FROM ipfs_pins WHERE video_id = ? AND cid = ? ORDER BY node', videoId, storedRoot);
    expect(pins.map((pin) => pin.node)).toEqual(['alpha', 'beta']);
    expect((await pinsOn('alpha')).has(storedRoot)).toBe(true);
    expect((await pinsOn('beta')).has(storedRoot)).toBe(true);

    // The root is a real UnixFS directory on the node, naming the files.
    const listed: string[] = [];
    for await (const entry of kubo('alpha').ls(storedRoot)) listed.push(entry.name);
    expect(listed).toEqual(expect.arrayContaining(['manifest.json', 'master.m3u8', '360p']));
    const [job] = await d1<{ state: string }>("SELECT state FROM ipfs_jobs WHERE id = 'store:' || ?", videoId);
    expect(job?.state).toBe('done');
  });

  it('keeps a video unpublished while a node is dead mid-job, then retries to completion without duplicate rows', async () => {
    const videoId = await newVideo('Node dies mid-job');
    await uploadPackage(videoId);
    const addsBefore = nodes.beta.process.requests.filter((command) => command === 'add').length;
    const published = await api('POST', `/videos/${videoId}/publish`, creator.accessToken);
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('processing');
    await nodes.beta.process.waitForRequests('add', addsBefore + 3);
    await nodes.beta.process.kill();

    const failure = await until('the failed attempt to be recorded', async () => {
      const [job] = await d1<{ state: string; last_error: string | null }>(
        "SELECT state, last_error FROM ipfs_jobs WHERE id = 'store:' || ?",
        videoId,
      );
      return job?.last_error ? job : undefined;
    });
    expect(failure.last_error).toMatch(/beta/);
    expect(await statusOf(videoId)).toBe('processing');
    expect((await fetch(`${server.url}/api/v1/videos/${videoId}/hls/manifest.json`)).status).toBe(404);
    expect(await d1('SELECT 1 FROM video_storage WHERE video_id = ? AND root_cid IS NOT NULL', videoId)).toHaveLength(0);
    expect(await d1('SELECT 1 FROM ipfs_pins WHERE video_id = ?', videoId)).toHaveLength(0);

    nodes.beta.process = await startIpfsNodeProcess({ port: nodes.beta.port, dir: nodes.beta.dir });
    await waitReady(videoId, 120_000);
    expect(await d1('SELECT path FROM ipfs_files WHERE video_id = ?', videoId)).toHaveLength(pkg.files.size + 1);
    expect(await d1('SELECT node FROM ipfs_pins WHERE video_id = ?', videoId)).toHaveLength(2);
    const [job] = await d1<{ state: string; attempts: number }>("SELECT state, attempts FROM ipfs_jobs WHERE id = 'store:' || ?", videoId);
    expect(job?.state).toBe('done');
    expect(job?.attempts).toBeGreaterThanOrEqual(2);
    // Same segments as the first video, but its manifest names its own id: a root of its own.
    const [storage] = await d1<{ root_cid: string }>('SELECT root_cid FROM video_storage WHERE video_id = ?', videoId);
    expect(storage?.root_cid).toMatch(/^Qm/);
    expect(storage?.root_cid).not.toBe(storedRoot);
  });

  it('repairs a replica that was unpinned behind its back', async () => {
    await kubo('alpha').pin.rm(storedRoot);
    expect((await pinsOn('alpha')).has(storedRoot)).toBe(false);
    const garbage = await api('GET', '/admin/storage/garbage', adminToken);
    expect(garbage.status).toBe(200);
    expect(garbage.body.missing).toContainEqual({ node: 'alpha', cid: storedRoot, videoId: storedVideoId });
    const repaired = await api('POST', '/admin/storage/maintenance', adminToken);
    expect(repaired.status).toBe(200);
    expect(repaired.body.repinned).toBeGreaterThanOrEqual(1);
    expect((await pinsOn('alpha')).has(storedRoot)).toBe(true);
    expect((await api('GET', '/admin/storage/garbage', adminToken)).body.missing).toEqual([]);
  });

  it('reports node health: peer id, swarm peers and repo stat of each node', async () => {
    const health = await api('GET', '/admin/storage/nodes', adminToken);
    expect(health.status).toBe(200);
    expect(health.body.replicationFactor).toBe(2);
    for (const node of health.body.nodes) {
      expect(node).toMatchObject({ reachable: true, swarmPeers: 0, lowSpace: false, error: null });
      expect(node.peerId).toMatch(/^12D3KooW/);
      expect(node.repoBytes).toBeGreaterThan(0);
    }
    expect((await api('GET', '/admin/storage/nodes', creator.accessToken)).status).toBe(403);
    const metrics = await fetch(`${server.url}/api/v1/admin/storage/metrics`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('vibestream_ipfs_node_up{node="alpha"} 1');
    expect(text).toContain('vibestream_ipfs_node_up{node="beta"} 1');
    expect(text).toMatch(/vibestream_ipfs_pinned_roots\{node="alpha"\} [1-9]/);
    expect(text).toContain('vibestream_ipfs_jobs{state="done"}');
  });

  it('serves a segment from IPFS, Range included, when R2 no longer has it', async () => {
    const path = pkg.manifest.renditions[0]?.segments[1]?.path as string;
    const removed = await runToCompletion(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
        ...['r2', 'object', 'delete', `vibestream-uploads/videos/${storedVideoId}/${path}`, '--local', '--persist-to', server.persistDir],
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' } },
    );
    expect(removed.exitCode, removed.stderr).toBe(0);
    const bytes = pkg.files.get(path) as Uint8Array;
    const ranged = await fetch(`${server.url}/api/v1/videos/${storedVideoId}/hls/${path}`, { headers: { Range: 'bytes=100-1099' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('X-Content-Source')).toBe('ipfs');
    expect(ranged.headers.get('Content-Range')).toBe(`bytes 100-1099/${bytes.byteLength}`);
    expect(Buffer.compare(Buffer.from(await ranged.arrayBuffer()), Buffer.from(bytes.subarray(100, 1100)))).toBe(0);
    const whole = await fetch(`${server.url}/api/v1/videos/${storedVideoId}/hls/${path}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('ETag')).toBe(`"${await kuboDefaultCid(bytes)}"`);
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(bytes))).toBe(0);
  });

  it('unpins a deleted video on every node and forgets its pins', async () => {
    const videoId = await newVideo('Deleted after storing');
    await uploadPackage(videoId);
    await api('POST', `/videos/${videoId}/publish`, creator.accessToken);
    await waitReady(videoId);
    const [storage] = await d1<{ root_cid: string }>('SELECT root_cid FROM video_storage WHERE video_id = ?', videoId);
    const rootCid = storage?.root_cid as string;
    expect((await api('DELETE', `/videos/${videoId}`, creator.accessToken)).status).toBe(204);
    await until(
      'pin rows of the deleted video to go',
      async () => (await d1('SELECT 1 FROM ipfs_pins WHERE video_id = ?', videoId)).length === 0,
    );
    expect(await d1('SELECT 1 FROM ipfs_files WHERE video_id = ?', videoId)).toHaveLength(0);
    expect((await pinsOn('alpha')).has(rootCid)).toBe(false);
    expect((await pinsOn('beta')).has(rootCid)).toBe(false);
    // The first video, which shares every segment with it, is untouched.
    expect((await pinsOn('alpha')).has(storedRoot)).toBe(true);
    expect((await fetch(`${server.url}/api/v1/videos/${storedVideoId}/hls/manifest.json`)).status).toBe(200);
  });

  it('raises a low-free-space alert for a node near its StorageMax and resolves it when space returns', async () => {
    const used = Number((await kubo('alpha').repo.stat()).repoSize);
    await nodes.alpha.process.kill();
    nodes.alpha.process = await startIpfsNodeProcess({
      port: nodes.alpha.port,
      dir: nodes.alpha.dir,
      storageMaxBytes: Math.ceil(used * 1.05),
    });
    expect((await api('POST', '/admin/storage/maintenance', adminToken)).status).toBe(200);
    const firing = await api('GET', '/alerts?state=firing', adminToken);
    const alert = firing.body.items.find((item: { scopeKey: string }) => item.scopeKey === 'fleet:ipfsNode=alpha');
    expect(alert).toMatchObject({ ruleId: 'rul_ipfs_low_free_space', state: 'firing' });
    expect(alert.value).toBeLessThan(0.1);

    await nodes.alpha.process.kill();
    nodes.alpha.process = await startIpfsNodeProcess({ port: nodes.alpha.port, dir: nodes.alpha.dir });
    await api('POST', '/admin/storage/maintenance', adminToken);
    const after = await api('GET', '/alerts?state=firing', adminToken);
    expect(after.body.items.find((item: { scopeKey: string }) => item.scopeKey === 'fleet:ipfsNode=alpha')).toBeUndefined();
  });
});
