// `npm run dev` starts the development IPFS node before `wrangler dev`, tells the Worker where it is, and stops
// it with everything else on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'kubo-rpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../dev/lib/demo-data';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { freePort } from '../support/wrangler-dev';

describe('npm run dev with the development IPFS node', () => {
  let root: string;
  let port: number;
  let ipfsPort: number;
  let dev: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vibestream-dev-ipfs-'));
    [port, ipfsPort] = [await freePort(), await freePort()];
    dev = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', 'dev/dev.ts', '--port', String(port), '--ipfs-port', String(ipfsPort)],
        ...['--persist-to', join(root, 'state'), '--fresh', '--no-build', '--log-level', 'warn'],
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exited = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
    for (const stream of [dev.stdout, dev.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
    }
    await new Promise<void>((resolve, reject) => {
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
  }, 150_000);

  afterAll(async () => {
    if (dev.exitCode === null && dev.signalCode === null) dev.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('prints the node, which answers Kubo RPC with a peer id, and keeps its state beside the wrangler state', async () => {
    expect(output).toContain(`IPFS dev node   http://127.0.0.1:${ipfsPort}/api/v0`);
    const id = await create({ url: `http://127.0.0.1:${ipfsPort}` }).id();
    expect(id.id.toString()).toMatch(/^12D3KooW/);
    expect(output).toContain(join(root, 'ipfs-node'));
  });

  it('wires the Worker to it: the admin storage API reports the node healthy', async () => {
    const admin = DEMO_ACCOUNTS.find((account) => account.role === 'admin');
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.email, password: admin?.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const nodes = await fetch(`http://127.0.0.1:${port}/api/v1/admin/storage/nodes`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(nodes.status).toBe(200);
    expect(await nodes.json()).toMatchObject({ replicationFactor: 1, nodes: [{ node: 'dev', reachable: true, lowSpace: false }] });
  });

  it('stops the node with everything else on SIGINT', async () => {
    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${ipfsPort}/api/v0/id`, { method: 'POST' })).rejects.toThrow();
  }, 30_000);
});
