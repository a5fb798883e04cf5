// The development IPFS node, driven by the official kubo-rpc-client from Node, with every CID checked against
// Debian's independent `ipfs_cid` tool (Kubo's default `ipfs add` settings) and against kuboDefaultCid; and its
// multipart `add` over raw HTTP: several files and directories in one body (however the body is split) give the
// importer's CIDs, and a malformed body is a Kubo-shaped 400 with nothing pinned.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { importer } from 'ipfs-unixfs-importer';
import { create, type KuboRPCClient } from 'kubo-rpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IpfsDevNode, startIpfsDevNode } from '../../dev/ipfs-node/server';
import { KUBO_DEFAULT_IMPORT_OPTIONS, kuboDefaultCid } from '../../src/shared/content-id';

const KNOWN_VECTOR = { bytes: new TextEncoder().encode('hello world\n'), cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' };

let root: string;
let node: IpfsDevNode;
let client: KuboRPCClient;

async function ipfsCidOf(bytes: Uint8Array): Promise<string> {
  const file = join(root, `sample-${randomBytes(4).toString('hex')}.bin`);
  await writeFile(file, bytes);
  // ipfs_cid prints one JSON line on stdout (its statistics go to stderr).
  const output = execFileSync('/usr/bin/ipfs_cid', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(output.slice(output.indexOf('{'), output.indexOf('}') + 1)) as { CIDv0: string }).CIDv0;
}

async function catAll(cid: string, options: { offset?: number; length?: number } = {}): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of client.cat(cid, options)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A body handed over `chunkSize` bytes at a time, so part boundaries and headers fall mid-chunk. */
function streamOf(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      }
    },
  });
}

async function formBody(form: FormData) {
  const request = new Request('http://node/', { method: 'POST', body: form });
  return { type: request.headers.get('content-type') as string, bytes: new Uint8Array(await request.arrayBuffer()) };
}

async function pinnedCids(): Promise<string[]> {
  const cids: string[] = [];
  for await (const pin of client.pin.ls()) cids.push(pin.cid.toString());
  return cids.sort();
}

type AddLine = { Name: string; Hash: string; Size: string };
const addLines = async (response: Response) =>
  (await response.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AddLine);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-ipfs-node-'));
  node = await startIpfsDevNode({ dir: join(root, 'node') });
  client = create({ url: node.url });
});

afterAll(async () => {
  await node?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('content ids equal Kubo defaults', () => {
  const sizes = [
    ['1 byte', 1],
    ['exactly 256 KiB (one chunk)', 262_144],
    ['256 KiB + 1 (two chunks)', 262_145],
    ['5 MiB + 123 bytes (multi-chunk, one level)', 5 * 1024 * 1024 + 123],
    ['46 MiB (more than 174 chunks: a second DAG level)', 46 * 1024 * 1024],
  ] as const;

  it.each(sizes)('%s: dev node add, kuboDefaultCid and ipfs_cid agree', async (_label, size) => {
    const bytes = new Uint8Array(randomBytes(size));
    const expected = await ipfsCidOf(bytes);
    const added = await client.add(bytes);
    expect(added.cid.toString()).toBe(expected);
    expect(await kuboDefaultCid(bytes)).toBe(expected);
    expect(Buffer.compare(await catAll(expected), Buffer.from(bytes))).toBe(0);
  });

  it('answers the known vector', async () => {
    expect(await ipfsCidOf(KNOWN_VECTOR.bytes)).toBe(KNOWN_VECTOR.cid);
    expect((await client.add(KNOWN_VECTOR.bytes)).cid.toString()).toBe(KNOWN_VECTOR.cid);
  });
});

describe('Kubo RPC endpoints through kubo-rpc-client', () => {
  it('cat honours offset and length across chunk boundaries', async () => {
    const bytes = randomBytes(700_000);
    const { cid } = await client.add(bytes);
    expect(Buffer.compare(await catAll(cid.toString(), { offset: 262_000, length: 1_000 }), bytes.subarray(262_000, 263_000))).toBe(0);
    expect(Buffer.compare(await catAll(cid.toString(), { offset: 699_990 }), bytes.subarray(699_990))).toBe(0);
  });

  it('pins on add, lists, unpins and re-pins', async () => {
    const { cid } = await client.add(randomBytes(1_000));
    const pinned = async () => {
      const cids: string[] = [];
      for await (const pin of client.pin.ls()) cids.push(pin.cid.toString());
      return cids;
    };
    expect(await pinned()).toContain(cid.toString());
    await client.pin.rm(cid);
    expect(await pinned()).not.toContain(cid.toString());
    await expect(client.pin.rm(cid)).rejects.toThrow(/not pinned/);
    expect((await client.pin.add(cid)).toString()).toBe(cid.toString());
    expect(await pinned()).toContain(cid.toString());
  });

  it('refuses to pin a CID whose blocks it does not hold', async () => {
    const elsewhere = await kuboDefaultCid(randomBytes(64));
    await expect(client.pin.add(elsewhere)).rejects.toThrow(/not found/);
  });

  it('reports id (a parseable peer id), version, repo stat and swarm peers', async () => {
    const id = await client.id();
    expect(id.id.toString()).toBe(node.peerId);
    expect(node.peerId).toMatch(/^12D3KooW/);
    expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    const before = await client.repo.stat();
    await client.add(randomBytes(10_000));
    const after = await client.repo.stat();
    expect(after.repoSize).toBeGreaterThan(before.repoSize);
    expect(after.numObjects).toBe(before.numObjects + 1n);
    expect(after.storageMax).toBe(10n * 1024n ** 3n);
    expect(await client.swarm.peers()).toEqual([]);
  });

  it('keeps blocks, pins and identity on disk across a restart', async () => {
    const bytes = randomBytes(300_000);
    const { cid } = await client.add(bytes);
    const peerId = node.peerId;
    await node.stop();
    node = await startIpfsDevNode({ dir: join(root, 'node') });
    client = create({ url: node.url });
    expect(node.peerId).toBe(peerId);
    expect(Buffer.compare(await catAll(cid.toString()), bytes)).toBe(0);
    const pins: string[] = [];
    for await (const pin of client.pin.ls({ paths: [cid] })) pins.push(pin.cid.toString());
    expect(pins).toEqual([cid.toString()]);
  });

  it('refuses an add past StorageMax and requests without the configured Authorization header', async () => {
    const small = await startIpfsDevNode({ dir: join(root, 'small'), storageMaxBytes: 50_000, authorization: 'Bearer dev-token' });
    try {
      const anonymous = create({ url: small.url });
      await expect(anonymous.id()).rejects.toThrow();
      const authorised = create({ url: small.url, headers: { Authorization: 'Bearer dev-token' } });
      expect((await authorised.id()).id.toString()).toBe(small.peerId);
      await expect(authorised.add(randomBytes(60_000))).rejects.toThrow(/StorageMax/);
      expect((await authorised.repo.stat()).repoSize).toBe(0n);
    } finally {
      await small.stop();
    }
  });

  it('answers Kubo-shaped errors: GET is 405, unknown commands and bad CIDs are errors', async () => {
    expect((await fetch(`${node.url}/api/v0/id`)).status).toBe(405);
    const unknown = await fetch(`${node.url}/api/v0/no/such`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${node.url}/api/v0/cat?arg=not-a-cid`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ Type: 'error' });
  });
});

describe('add with a multipart body', () => {
  it('adds several files and a directory in one request with the importer’s CIDs, however the body is split', async () => {
    const a = new Uint8Array(randomBytes(300_000));
    // Bytes that look like a delimiter and a header end must stay content.
    const b = new TextEncoder().encode('a\r\n--not-the-boundary\r\n\r\nb\r\n-');
    const expected = new Map<string, string>();
    for await (const entry of importer(
      [
        { path: 'video/a.bin', content: a },
        { path: 'video/b.txt', content: b },
        { path: 'video/empty', content: new Uint8Array(0) },
      ],
      new MemoryBlockstore(),
      KUBO_DEFAULT_IMPORT_OPTIONS,
    )) {
      expected.set(entry.path ?? '', entry.cid.toString());
    }
    const form = new FormData();
    form.append('note', 'a plain field, ignored');
    form.append('dir', new File([''], 'video', { type: 'application/x-directory' }));
    form.append('file-1', new Blob([a]), encodeURIComponent('video/a.bin'));
    form.append('file-2', new Blob([b]), encodeURIComponent('video/b.txt'));
    form.append('file-3', new Blob([]), encodeURIComponent('video/empty'));
    const { type, bytes } = await formBody(form);

    // Over HTTP, then in-process with the body in 7-byte and 4 KiB pieces.
    const overHttp = await fetch(`${node.url}/api/v0/add?cid-version=0`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: bytes,
    });
    expect(overHttp.status).toBe(200);
    expect(overHttp.headers.get('x-chunked-output')).toBe('1');
    const lines = await addLines(overHttp);
    expect(new Map(lines.map((line) => [line.Name, line.Hash]))).toEqual(expected);
    // Kubo's NDJSON shape: Size is the cumulative DAG size as a string, the directory last.
    expect(lines.at(-1)?.Name).toBe('video');
    for (const line of lines) expect(line.Size).toMatch(/^\d+$/);
    expect(Number(lines.find((line) => line.Name === 'video/a.bin')?.Size)).toBeGreaterThan(a.length);
    // Kubo pins the top-level result: the directory, not each file in it.
    const pins = await pinnedCids();
    expect(pins).toContain(expected.get('video'));
    expect(pins).not.toContain(expected.get('video/a.bin'));
    expect(Buffer.compare(await catAll(expected.get('video/b.txt') as string), Buffer.from(b))).toBe(0);

    for (const chunkSize of [7, 4096]) {
      const response = await node.handler(
        new Request(`${node.url}/api/v0/add`, {
          method: 'POST',
          headers: { 'content-type': type },
          body: streamOf(bytes, chunkSize),
          duplex: 'half',
        } as RequestInit),
      );
      expect(response.status).toBe(200);
      expect(await addLines(response)).toEqual(lines);
    }
  });

  it('answers a truncated body with a Kubo-shaped 400 and pins nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(randomBytes(50_000))]), 'first');
    form.append('file-1', new Blob([new Uint8Array(randomBytes(50_000))]), 'cut');
    const { type, bytes } = await formBody(form);
    const before = await pinnedCids();
    // Cut in the middle of the second file (the first one is complete), and in the first part's headers.
    for (const end of [80_000, 60]) {
      const response = await fetch(`${node.url}/api/v0/add`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: bytes.slice(0, end),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        Message: expect.stringMatching(/^malformed multipart body: .*unexpected end/i),
        Code: 0,
        Type: 'error',
      });
    }
    expect(await pinnedCids()).toEqual(before);
  });

  it('answers a body that is not multipart/form-data, or has no file in it, with a Kubo-shaped 400', async () => {
    const add = (headers: Record<string, string>, body: BodyInit) => fetch(`${node.url}/api/v0/add`, { method: 'POST', headers, body });
    const fieldsOnly = new FormData();
    fieldsOnly.append('note', 'no filename, so not a file');
    const { type, bytes } = await formBody(fieldsOnly);
    for (const response of [
      await add({ 'content-type': 'application/json' }, '{"file":"hello"}'),
      await add({ 'content-type': 'multipart/form-data' }, 'no boundary'),
      await add({ 'content-type': type }, bytes),
    ]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ Message: expect.stringMatching(/^file argument was nil/), Code: 0, Type: 'error' });
    }
  });
});
