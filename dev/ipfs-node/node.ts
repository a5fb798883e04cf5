// A development IPFS node that answers the subset of the Kubo RPC API (https://docs.ipfs.tech/reference/kubo/rpc/)
// VibeStream's IPFS adapter calls: add, cat, ls, block/put, pin/add|rm|ls, id, version, repo/stat, swarm/peers.
// Written over Web-standard Request/Response so the same handler serves Node (server.ts, `npm run dev`, the
// tooling tests) and in-process callers; `add` reads its multipart body with @fastify/busboy (Node streams).
// Blocks live in any `interface-blockstore` (on disk in server.ts).
//
// It is not a network node: no libp2p, no bitswap, no DHT. Each node stores only what was added to it, which
// is exactly what replication across several configured nodes needs to be exercised locally. Production talks
// to Kubo or IPFS Cluster instead.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy } from '@fastify/busboy';
import * as dagPb from '@ipld/dag-pb';
import type { Blockstore } from 'interface-blockstore';
import { exporter } from 'ipfs-unixfs-exporter';
import { type ImportCandidate, importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { errorMessage } from '../../src/domain/errors';
import { KUBO_CHUNK_BYTES, KUBO_DEFAULT_IMPORT_OPTIONS } from '../../src/shared/content-id';

const RAW_CODEC = 0x55;
/** What `version` reports: the Kubo release whose RPC shapes this node follows. */
export const EMULATED_KUBO_VERSION = '0.38.0';

export interface PinStore {
  /** Recursive pins, by CIDv0/v1 string. */
  list(): string[];
  has(cid: string): boolean;
  add(cid: string): Promise<void>;
  remove(cid: string): Promise<void>;
}

export class MemoryPinStore implements PinStore {
  protected readonly pins = new Set<string>();
  constructor(initial: Iterable<string> = []) {
    for (const cid of initial) this.pins.add(cid);
  }
  list() {
    return [...this.pins].sort();
  }
  has(cid: string) {
    return this.pins.has(cid);
  }
  async add(cid: string) {
    this.pins.add(cid);
  }
  async remove(cid: string) {
    this.pins.delete(cid);
  }
}

export interface SwarmPeer {
  addr: string;
  peerId: string;
}

export interface DevNodeOptions {
  blockstore: Blockstore;
  pins: PinStore;
  /** An Ed25519 libp2p peer id (`12D3KooW…`), see peer-id.ts. */
  peerId: string;
  /** Bytes the node may store (`repo/stat` StorageMax); `add` past it fails like a full Kubo datastore. */
  storageMaxBytes: number;
  /** Shown as RepoPath. */
  repoPath: string;
  /** Bytes currently stored (recomputed by the caller on start); kept up to date by this node. */
  initialRepoBytes?: number;
  initialObjects?: number;
  /** What `swarm/peers` lists (other dev nodes, for health pages). */
  peers?: () => SwarmPeer[];
  /** When set, every request must carry exactly this Authorization header (a Kubo behind an auth proxy). */
  authorization?: string;
}

export type DevNodeHandler = ((request: Request) => Promise<Response>) & { stats(): { repoBytes: number; objects: number } };

/** Kubo's error body: `{ Message, Code, Type: "error" }` with HTTP 500 (400 for bad arguments). */
function kuboError(message: string, status = 500): Response {
  return Response.json({ Message: message, Code: 0, Type: 'error' }, { status });
}

async function readBlock(blockstore: Blockstore, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of blockstore.get(cid)) chunks.push(chunk);
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The `arg` query parameter as a CID, accepting `/ipfs/<cid>` like Kubo. */
function cidArg(url: URL, name = 'arg'): CID | Response {
  const raw = url.searchParams.get(name);
  if (!raw) return kuboError(`argument "${name === 'arg' ? 'ipfs-path' : name}" is required`, 400);
  try {
    return CID.parse(raw.replace(/^\/ipfs\//, '').split('/')[0] ?? '');
  } catch {
    return kuboError(`invalid path "${raw}": invalid cid`, 400);
  }
}

/** Query flags accept Kubo's kebab-case names and the camelCase kubo-rpc-client forwards as given. */
function param(url: URL, kebab: string): string | null {
  const camel = kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return url.searchParams.get(kebab) ?? url.searchParams.get(camel);
}
const flag = (url: URL, kebab: string, fallback: boolean) => {
  const value = param(url, kebab);
  return value === null ? fallback : value === '' || value === 'true' || value === '1';
};

class BadFilename extends Error {
  constructor(filename: string) {
    super(`invalid file name "${filename}": not URL-encoded`);
  }
}

/** One file part of an `add` body; `content` streams from the request as the consumer reads it. */
interface FilePart {
  /** The form field name (`file`, `file-1`, `dir-2`, …). */
  name: string;
  filename: string;
  contentType: string;
  content: Readable;
}

/**
 * The file parts of a multipart/form-data body, in order. busboy holds back the body while a part's stream is
 * unread (backpressure), so a consumer that reads each part to its end before asking for the next one gets every
 * file streamed straight from the wire. `failure` holds the first parse error (a malformed or truncated body);
 * it also fails the part being read, so a consumer in the middle of a file sees it too.
 */
function multipartFiles(body: ReadableStream<Uint8Array>, contentType: string) {
  const parser = Busboy({
    headers: { 'content-type': contentType },
    // Kubo clients send each path URL-encoded in `filename`; keep it whole (busboy takes the basename otherwise).
    preservePath: true,
    // A part is a file when it has a filename, like Kubo's multipart reader; plain fields are ignored.
    isPartAFile: (_name, _type, filename) => filename !== undefined,
  });
  const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  const arrived: FilePart[] = [];
  const state: { failure?: Error; finished: boolean } = { finished: false };
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const fail = (error: unknown) => {
    state.failure ??= error instanceof Error ? error : new Error(String(error));
    signal();
  };
  parser.on('file', (name, content, filename, _encoding, mimeType) => {
    content.on('error', fail);
    arrived.push({ name, filename, contentType: mimeType, content });
    signal();
  });
  parser.on('finish', () => {
    state.finished = true;
    signal();
  });
  parser.on('error', fail);
  source.on('error', fail);
  source.pipe(parser);

  async function* parts(): AsyncGenerator<FilePart> {
    try {
      for (;;) {
        if (state.failure) throw state.failure;
        const part = arrived.shift();
        if (part) yield part;
        else if (state.finished) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      // On an early stop the rest of the body is read and dropped, so the connection can still carry the answer.
      if (!source.readableEnded) {
        source.unpipe(parser);
        source.resume();
      }
    }
  }
  return { parts: parts(), state };
}

export function createDevNodeHandler(options: DevNodeOptions): DevNodeHandler {
  const { blockstore, pins } = options;
  let repoBytes = options.initialRepoBytes ?? 0;
  let objects = options.initialObjects ?? 0;

  /** Stores one block unless present, keeping RepoSize/NumObjects current and refusing past StorageMax. */
  async function putBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    if (await blockstore.has(cid)) return;
    if (repoBytes + bytes.byteLength > options.storageMaxBytes) throw new Error('datastore full: StorageMax exceeded');
    await blockstore.put(cid, bytes);
    repoBytes += bytes.byteLength;
    objects += 1;
  }

  // Roots whose whole DAG is known to be in the blockstore: what `add` built, and what a pin walk found
  // complete. Blocks are never deleted here, so a pin of a directory of added files reads only the directory
  // blocks instead of every leaf of every file again.
  const completeDags = new Set<string>();

  /** Every block reachable from `root`, or the first missing one (pinning needs the whole DAG locally). */
  async function walk(root: CID, visit?: (cid: CID, bytes: Uint8Array) => void): Promise<{ missing?: CID }> {
    const pending = [root];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const cid = pending.pop() as CID;
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      if (!visit && completeDags.has(key)) continue;
      if (!(await blockstore.has(cid))) return { missing: cid };
      const bytes = await readBlock(blockstore, cid);
      visit?.(cid, bytes);
      if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) pending.push(link.Hash);
    }
    return {};
  }

  async function add(request: Request, url: URL): Promise<Response> {
    const type = request.headers.get('content-type') ?? '';
    if (!/^multipart\/form-data\s*;/i.test(type) || !request.body) return kuboError('file argument was nil', 400);
    const cidVersion = Number(param(url, 'cid-version') ?? 0) === 1 ? 1 : 0;
    const rawLeaves = flag(url, 'raw-leaves', cidVersion === 1);
    const chunker = param(url, 'chunker') ?? `size-${KUBO_CHUNK_BYTES}`;
    const chunkMatch = /^size-(\d+)$/.exec(chunker);
    if (!chunkMatch) return kuboError(`unrecognized chunker option: ${chunker}`, 400);
    const pin = flag(url, 'pin', true);
    const wrap = flag(url, 'wrap-with-directory', false);

    let upload: ReturnType<typeof multipartFiles>;
    try {
      upload = multipartFiles(request.body, type);
    } catch (error) {
      // busboy refuses a Content-Type without a boundary before reading anything.
      return kuboError(`file argument was nil: ${errorMessage(error)}`, 400);
    }
    // Files stream from the body into the importer one at a time (fileImportConcurrency 1 reads each file's
    // content to its end before asking for the next part).
    let files = 0;
    async function* candidates(): AsyncGenerator<ImportCandidate> {
      for await (const part of upload.parts) {
        files += 1;
        let path: string | undefined;
        try {
          path = decodeURIComponent(part.filename) || undefined;
        } catch {
          throw new BadFilename(part.filename);
        }
        if (part.name.startsWith('dir') || part.contentType === 'application/x-directory') {
          part.content.resume();
          if (path) yield { path };
          continue;
        }
        yield { path: path ?? '', content: part.content };
      }
    }
    // Bytes of the blocks built since the previous result: with one file imported at a time, exactly the
    // DAG of the next file the importer yields (Kubo's `Size`, the cumulative size).
    let builtBytes = 0;
    const store = {
      put: async (cid: CID, bytes: Uint8Array) => {
        await putBlock(cid, bytes);
        builtBytes += bytes.byteLength;
        return cid;
      },
    };
    const lines: string[] = [];
    const topLevel: CID[] = [];
    try {
      for await (const entry of importer(candidates(), store, {
        ...KUBO_DEFAULT_IMPORT_OPTIONS,
        cidVersion,
        rawLeaves,
        chunker: fixedSize({ chunkSize: Number(chunkMatch[1]) }),
        wrapWithDirectory: wrap,
        fileImportConcurrency: 1,
      })) {
        completeDags.add(entry.cid.toString());
        let dagBytes = builtBytes;
        builtBytes = 0;
        // A directory's size spans its children's DAGs, built (and counted) before it: walk it instead.
        if (entry.unixfs?.type === 'directory') {
          dagBytes = 0;
          await walk(entry.cid, (_cid, bytes) => {
            dagBytes += bytes.byteLength;
          });
        }
        lines.push(JSON.stringify({ Name: entry.path ?? entry.cid.toString(), Hash: entry.cid.toString(), Size: String(dagBytes) }));
        // Kubo pins the top-level results of an add: each file, the outermost directory of a tree, or the wrapper.
        const path = entry.path ?? '';
        if (wrap ? path === '' : !path.includes('/')) topLevel.push(entry.cid);
      }
    } catch (error) {
      if (upload.state.failure) return kuboError(`malformed multipart body: ${upload.state.failure.message}`, 400);
      if (error instanceof BadFilename) return kuboError(error.message, 400);
      return kuboError(errorMessage(error));
    }
    if (files === 0) return kuboError('file argument was nil', 400);
    if (pin) for (const cid of topLevel) await pins.add(cid.toString());
    return new Response(`${lines.join('\n')}\n`, { headers: { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' } });
  }

  async function cat(url: URL): Promise<Response> {
    const cid = cidArg(url);
    if (cid instanceof Response) return cid;
    const offset = Number(param(url, 'offset') ?? 0);
    const lengthParam = param(url, 'length');
    const length = lengthParam === null ? undefined : Number(lengthParam);
    if (!Number.isSafeInteger(offset) || offset < 0) return kuboError('cannot specify negative offset', 400);
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) return kuboError('cannot specify negative length', 400);
    if (!(await blockstore.has(cid))) return kuboError(`block was not found locally (offline): ${cid}`);
    let entry: Awaited<ReturnType<typeof exporter>>;
    try {
      entry = await exporter(cid, blockstore);
    } catch (error) {
      return kuboError(errorMessage(error));
    }
    if (entry.type !== 'file' && entry.type !== 'raw') return kuboError('this dag node is a directory');
    const size = Number(entry.size);
    if (offset > size) return kuboError(`offset was past the end of file (${offset} > ${size})`);
    const content = entry.content({ offset, ...(length !== undefined ? { length } : {}) });
    const iterator = content[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return new Response(body, {
      headers: { 'Content-Type': 'text/plain', 'X-Content-Length': String(Math.max(0, Math.min(size - offset, length ?? size))) },
    });
  }

  async function ls(url: URL): Promise<Response> {
    const cid = cidArg(url);
    if (cid instanceof Response) return cid;
    if (!(await blockstore.has(cid))) return kuboError(`block was not found locally (offline): ${cid}`);
    if (cid.code !== dagPb.code) return Response.json({ Objects: [{ Hash: cid.toString(), Links: [] }] });
    const node = dagPb.decode(await readBlock(blockstore, cid));
    const links = [];
    for (const link of node.Links) {
      let type = 2; // unixfs File
      if (link.Hash.code === dagPb.code && (await blockstore.has(link.Hash))) {
        const entry = await exporter(link.Hash, blockstore).catch(() => undefined);
        if (entry?.type === 'directory') type = 1;
      }
      links.push({ Name: link.Name ?? '', Hash: link.Hash.toString(), Size: Number(link.Tsize ?? 0), Type: type, Target: '' });
    }
    return Response.json({ Objects: [{ Hash: cid.toString(), Links: links }] });
  }

  async function blockPut(request: Request, url: URL): Promise<Response> {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return kuboError('malformed multipart body', 400);
    }
    const file = [...form.values()].find((value): value is File => typeof value !== 'string');
    if (!file) return kuboError('file argument was nil', 400);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const codecName = param(url, 'cid-codec') ?? param(url, 'format') ?? 'raw';
    const codec = codecName === 'dag-pb' || codecName === 'protobuf' ? dagPb.code : codecName === 'raw' ? RAW_CODEC : undefined;
    if (codec === undefined) return kuboError(`unsupported cid-codec "${codecName}"`, 400);
    if (codec === dagPb.code) {
      try {
        dagPb.decode(bytes);
      } catch {
        return kuboError('block is not valid dag-pb', 400);
      }
    }
    // Kubo's `block put` keeps CIDv0 for dag-pb + sha2-256 (`--cid-codec=dag-pb` without `--cid-version`).
    const digest = await sha256.digest(bytes);
    const cid = codec === dagPb.code ? CID.createV0(digest) : CID.createV1(RAW_CODEC, digest);
    try {
      await putBlock(cid, bytes);
    } catch (error) {
      return kuboError(errorMessage(error));
    }
    if (flag(url, 'pin', false)) await pins.add(cid.toString());
    return Response.json({ Key: cid.toString(), Size: bytes.byteLength });
  }

  async function pinAdd(url: URL): Promise<Response> {
    const added: string[] = [];
    for (const raw of url.searchParams.getAll('arg')) {
      let cid: CID;
      try {
        cid = CID.parse(raw.replace(/^\/ipfs\//, ''));
      } catch {
        return kuboError(`invalid path "${raw}"`, 400);
      }
      // A real node would fetch missing blocks from the network; this one has no network, so it fails the way
      // an offline Kubo does.
      const { missing } = await walk(cid);
      if (missing) return kuboError(`pin: block was not found locally (offline): ${missing}`);
      completeDags.add(cid.toString());
      await pins.add(cid.toString());
      added.push(cid.toString());
    }
    if (added.length === 0) return kuboError('argument "ipfs-path" is required', 400);
    return Response.json({ Pins: added });
  }

  async function pinRm(url: URL): Promise<Response> {
    const removed: string[] = [];
    for (const raw of url.searchParams.getAll('arg')) {
      const cid = raw.replace(/^\/ipfs\//, '');
      if (!pins.has(cid)) return kuboError(`pin/rm: not pinned or pinned indirectly`);
      await pins.remove(cid);
      removed.push(cid);
    }
    if (removed.length === 0) return kuboError('argument "ipfs-path" is required', 400);
    return Response.json({ Pins: removed });
  }

  function pinLs(url: URL): Response {
    const wanted = url.searchParams.getAll('arg').map((arg) => arg.replace(/^\/ipfs\//, ''));
    const type = param(url, 'type') ?? 'all';
    if (type === 'direct' || type === 'indirect') return Response.json({ Keys: {} });
    for (const cid of wanted) if (!pins.has(cid)) return kuboError(`path '${cid}' is not pinned`);
    const listed = wanted.length > 0 ? wanted : pins.list();
    // kubo-rpc-client asks with stream=true and reads one `{Cid, Type}` object per line.
    if (flag(url, 'stream', false)) {
      const lines = listed.map((cid) => JSON.stringify({ Cid: cid, Type: 'recursive' }));
      return new Response(lines.length > 0 ? `${lines.join('\n')}\n` : '', { headers: { 'Content-Type': 'application/json' } });
    }
    return Response.json({ Keys: Object.fromEntries(listed.map((cid) => [cid, { Type: 'recursive' }])) });
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/api/v0/')) return kuboError('404 page not found', 404);
    // Kubo's RPC API accepts POST only (GET answers 405) as protection against cross-site requests.
    if (request.method !== 'POST') return new Response('405 - Method Not Allowed', { status: 405 });
    if (options.authorization && request.headers.get('authorization') !== options.authorization) {
      return new Response('401 Unauthorized', { status: 401 });
    }
    const command = url.pathname.slice('/api/v0/'.length);
    switch (command) {
      case 'add':
        return add(request, url);
      case 'cat':
        return cat(url);
      case 'ls':
        return ls(url);
      case 'block/put':
        return blockPut(request, url);
      case 'pin/add':
        return pinAdd(url);
      case 'pin/rm':
        return pinRm(url);
      case 'pin/ls':
        return pinLs(url);
      case 'id':
        return Response.json({
          ID: options.peerId,
          PublicKey: '',
          Addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${options.peerId}`],
          AgentVersion: `kubo/${EMULATED_KUBO_VERSION}/vibestream-dev-node`,
          Protocols: [],
        });
      case 'version':
        return Response.json({ Version: EMULATED_KUBO_VERSION, Commit: 'vibestream-dev', Repo: '16', System: 'dev/js', Golang: 'none' });
      case 'repo/stat':
        return Response.json({
          RepoSize: repoBytes,
          StorageMax: options.storageMaxBytes,
          NumObjects: objects,
          RepoPath: options.repoPath,
          Version: 'fs-repo@16',
        });
      case 'swarm/peers':
        return Response.json({ Peers: (options.peers?.() ?? []).map((peer) => ({ Addr: peer.addr, Peer: peer.peerId })) });
      default:
        return kuboError(`unknown command "${command}"`, 404);
    }
  }

  const handler = async (request: Request) => {
    try {
      return await route(request);
    } catch (error) {
      return kuboError(errorMessage(error));
    }
  };
  return Object.assign(handler, { stats: () => ({ repoBytes, objects }) });
}
