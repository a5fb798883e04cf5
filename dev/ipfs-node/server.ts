// The development IPFS node as a Node HTTP server with its state on disk:
//   DIR/blocks/      one file per block (blockstore-fs, the layout js-ipfs used)
//   DIR/pins.json    recursive pins
//   DIR/identity.json  the node's peer id, stable across restarts
// Started by `npm run dev` (dev/dev.ts), by the tooling tests and benchmarks, or on its own:
//   npx tsx dev/ipfs-node/server.ts [--port 5001] [--dir .wrangler/ipfs-node] [--storage-max-bytes N] [--auth HEADER]
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FsBlockstore } from 'blockstore-fs';
import { createDevNodeHandler, type DevNodeHandler, MemoryPinStore, type SwarmPeer } from './node';
import { randomPeerId } from './peer-id';

export const DEFAULT_STORAGE_MAX_BYTES = 10 * 1024 ** 3; // Kubo's Datastore.StorageMax default, "10GB"

export interface IpfsDevNodeOptions {
  /** State directory (created if missing). */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  storageMaxBytes?: number;
  /** Require exactly this Authorization header on every request. */
  authorization?: string;
  peers?: () => SwarmPeer[];
  /** Called with the command of every request (`add`, `pin/add`, …), e.g. to log it. */
  onRequest?: (command: string) => void;
}

export interface IpfsDevNode {
  /** e.g. http://127.0.0.1:5001 — what kubo-rpc-client's `url` takes (it appends /api/v0). */
  url: string;
  peerId: string;
  dir: string;
  handler: DevNodeHandler;
  stop(): Promise<void>;
}

/** Pins kept in a JSON file, rewritten atomically (write + rename) on every change. */
class FilePinStore extends MemoryPinStore {
  constructor(
    private readonly file: string,
    initial: string[],
  ) {
    super(initial);
  }
  private async save() {
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, JSON.stringify(this.list()));
    await rename(temporary, this.file);
  }
  override async add(cid: string) {
    if (this.has(cid)) return;
    await super.add(cid);
    await this.save();
  }
  override async remove(cid: string) {
    await super.remove(cid);
    await this.save();
  }
}

async function directoryUsage(dir: string): Promise<{ bytes: number; files: number }> {
  if (!existsSync(dir)) return { bytes: 0, files: 0 };
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    files += 1;
  }
  return { bytes, files };
}

async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!res.write(chunk)) await new Promise((done) => res.once('drain', done));
  }
  res.end();
}

export async function startIpfsDevNode(options: IpfsDevNodeOptions): Promise<IpfsDevNode> {
  const dir = resolve(options.dir);
  const blocksDir = join(dir, 'blocks');
  await mkdir(blocksDir, { recursive: true });
  const identityFile = join(dir, 'identity.json');
  let identity = await readJson<{ peerId?: string }>(identityFile, {});
  if (!identity.peerId) {
    identity = { peerId: randomPeerId() };
    await writeFile(identityFile, JSON.stringify(identity));
  }
  const peerId = identity.peerId as string;
  const pinsFile = join(dir, 'pins.json');
  const pins = new FilePinStore(pinsFile, await readJson<string[]>(pinsFile, []));
  const blockstore = new FsBlockstore(blocksDir);
  await blockstore.open();
  const usage = await directoryUsage(blocksDir);

  const handler = createDevNodeHandler({
    blockstore,
    pins,
    peerId,
    storageMaxBytes: options.storageMaxBytes ?? DEFAULT_STORAGE_MAX_BYTES,
    repoPath: dir,
    initialRepoBytes: usage.bytes,
    initialObjects: usage.files,
    ...(options.authorization ? { authorization: options.authorization } : {}),
    ...(options.peers ? { peers: options.peers } : {}),
  });

  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const server = createServer((req, res) => {
    options.onRequest?.((req.url ?? '').split('?')[0]?.replace('/api/v0/', '') ?? '');
    handler(toRequest(req, origin))
      .then((response) => sendResponse(response, res))
      .catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Message: String(error), Code: 0, Type: 'error' }));
      });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ready());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    url: origin,
    peerId,
    dir,
    handler,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await blockstore.close();
    },
  };
}

const USAGE = `Usage: tsx dev/ipfs-node/server.ts [--port 5001] [--host 127.0.0.1] [--dir .wrangler/ipfs-node]
                                 [--storage-max-bytes N] [--auth "Bearer …"] [--log-requests]

A development node answering the Kubo RPC endpoints VibeStream uses (add, cat, ls, block/put, pin/add|rm|ls,
id, version, repo/stat, swarm/peers) with Kubo's default CIDs. For development only; production points at
Kubo or IPFS Cluster.`;

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5001' },
      host: { type: 'string', default: '127.0.0.1' },
      dir: { type: 'string', default: '.wrangler/ipfs-node' },
      'storage-max-bytes': { type: 'string' },
      auth: { type: 'string' },
      'log-requests': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be 0–65535\n${USAGE}`);
    process.exit(2);
  }
  const storageMax = values['storage-max-bytes'] === undefined ? undefined : Number(values['storage-max-bytes']);
  if (storageMax !== undefined && !(Number.isSafeInteger(storageMax) && storageMax > 0)) {
    console.error(`--storage-max-bytes must be a positive integer\n${USAGE}`);
    process.exit(2);
  }
  const node = await startIpfsDevNode({
    dir: values.dir,
    port,
    host: values.host,
    ...(storageMax ? { storageMaxBytes: storageMax } : {}),
    ...(values.auth ? { authorization: values.auth } : {}),
    ...(values['log-requests'] ? { onRequest: (command: string) => console.log(`ipfs request ${command}`) } : {}),
  });
  // dev.ts and the tests wait for this exact line.
  console.log(`ipfs dev node listening on ${node.url} (peer ${node.peerId}, state ${node.dir})`);
  const shutdown = () => {
    node.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
