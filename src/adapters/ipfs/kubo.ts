// One Kubo RPC endpoint through the official kubo-rpc-client. Every call carries an AbortSignal with the
// configured timeout (the client's numeric `timeout` option is never applied), and the client is created with
// `agent: {}` because its Node HTTP agent does not exist in workerd.
//
// `add` passes Kubo's default import settings explicitly (CIDv0, dag-pb leaves, 256 KiB chunks) so a node with
// a different Import.* configuration still yields the CIDs the manifest promises, and pin=false: a video is
// pinned once, by its root directory, after all of its files are on the node.
//
// The client is imported lazily: only code paths that really talk to a node load it (wrangler's bundler
// includes it either way), which keeps every other route's module graph free of its Node-flavoured deps.
import type { KuboRPCClient } from 'kubo-rpc-client';
import { CID } from 'multiformats/cid';
import { KUBO_CHUNK_BYTES } from '../../shared/content-id';
import type { IpfsNodeConfig } from './config';

export interface AddedFile {
  cid: string;
  /** Cumulative DAG size as Kubo reports it. */
  dagBytes: number;
}

export interface NodeIdentity {
  peerId: string;
  agentVersion: string;
  addresses: string[];
}

export interface NodeRepoStat {
  repoBytes: number;
  storageMaxBytes: number;
  objects: number;
}

export class IpfsNodeError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(`ipfs node ${node}: ${message}`);
  }
}

const KUBO_DEFAULT_ADD_PARAMS = { 'cid-version': '0', 'raw-leaves': 'false', chunker: `size-${KUBO_CHUNK_BYTES}`, pin: 'false' };

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' || error.name === 'AbortError' ? 'timed out' : error.message;
  return String(error);
}

export class KuboNode {
  readonly name: string;
  private clientPromise: Promise<KuboRPCClient> | undefined;

  constructor(
    private readonly config: IpfsNodeConfig,
    private readonly timeoutMs: number,
  ) {
    this.name = config.name;
  }

  private client(): Promise<KuboRPCClient> {
    this.clientPromise ??= import('kubo-rpc-client').then(({ create }) =>
      create({
        url: this.config.url,
        // workerd has no node:http Agent; an empty object keeps the client from constructing one.
        agent: {} as never,
        ...(this.config.authorization ? { headers: { Authorization: this.config.authorization } } : {}),
      }),
    );
    return this.clientPromise;
  }

  private signal(multiplier = 1): AbortSignal {
    return AbortSignal.timeout(this.timeoutMs * multiplier);
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new IpfsNodeError(this.name, `${what} failed: ${messageOf(error)}`);
    }
  }

  /** Adds one file (not pinned); the CID is Kubo's default for these bytes. */
  add(content: Uint8Array | Blob): Promise<AddedFile> {
    return this.call('add', async () => {
      const result = await (await this.client()).add(content, { searchParams: KUBO_DEFAULT_ADD_PARAMS, signal: this.signal(4) } as never);
      return { cid: result.cid.toString(), dagBytes: Number(result.size) };
    });
  }

  /**
   * Adds one file streamed from `body` (`bytes` long; not pinned) with a hand-built multipart request to
   * /api/v0/add (https://docs.ipfs.tech/reference/kubo/rpc/#api-v0-add): the bytes go from the source stream
   * to the node as they arrive, never held whole in the Worker, and the node hashes while they are still on
   * the wire. The client's `add` would first gather the file into a Blob and a FormData.
   */
  addStream(body: ReadableStream<Uint8Array>, bytes: number): Promise<AddedFile> {
    return this.call('add', async () => {
      const boundary = `vibestream-${crypto.randomUUID()}`;
      const encoder = new TextEncoder();
      const head = encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
      const reader = body.getReader();
      let sent = 0;
      const multipart = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        async pull(controller) {
          const next = await reader.read();
          if (next.done) {
            if (sent !== bytes) controller.error(new Error(`the source ended after ${sent} of ${bytes} bytes`));
            else {
              controller.enqueue(tail);
              controller.close();
            }
            return;
          }
          sent += next.value.byteLength;
          controller.enqueue(next.value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      const url = new URL(`${this.config.url.replace(/\/$/, '')}/api/v0/add`);
      for (const [name, value] of Object.entries(KUBO_DEFAULT_ADD_PARAMS)) url.searchParams.set(name, value);
      const length = head.byteLength + bytes + tail.byteLength;
      // A known length lets the runtime send Content-Length instead of chunked encoding.
      const fixed = typeof FixedLengthStream === 'function' ? new FixedLengthStream(length) : undefined;
      if (fixed) void multipart.pipeTo(fixed.writable).catch(() => {});
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          ...(this.config.authorization ? { Authorization: this.config.authorization } : {}),
        },
        body: fixed ? fixed.readable : multipart,
        signal: this.signal(4),
        ...(fixed ? {} : { duplex: 'half' }),
      } as RequestInit);
      const text = await response.text();
      if (!response.ok) {
        let message = text.slice(0, 500);
        try {
          message = (JSON.parse(text) as { Message?: string }).Message ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new Error(`${response.status} ${message}`);
      }
      // NDJSON, one object per added entry; a single file yields one line. Kubo reports an error that happens
      // after the headers were sent in the X-Stream-Error trailer, seen here as a missing Hash.
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1] as string) as { Hash?: string; Size?: string }) : {};
      if (!last.Hash) throw new Error(`no CID in the answer: ${text.slice(0, 200)}`);
      return { cid: CID.parse(last.Hash).toString(), dagBytes: Number(last.Size ?? 0) };
    });
  }

  /** Stores one dag-pb block (a directory node) and returns its CIDv0. */
  putDagPbBlock(bytes: Uint8Array): Promise<string> {
    return this.call('block/put', async () => {
      const cid = await (await this.client()).block.put(bytes, { searchParams: { 'cid-codec': 'dag-pb' }, signal: this.signal() } as never);
      return cid.toV0().toString();
    });
  }

  pin(cid: string): Promise<void> {
    return this.call('pin/add', async () => {
      await (await this.client()).pin.add(CID.parse(cid), { recursive: true, signal: this.signal(4) });
    });
  }

  /** Removes a recursive pin; a CID that is not pinned counts as unpinned (idempotent). */
  unpin(cid: string): Promise<void> {
    return this.call('pin/rm', async () => {
      try {
        await (await this.client()).pin.rm(CID.parse(cid), { signal: this.signal() });
      } catch (error) {
        if (/not pinned/i.test(messageOf(error))) return;
        throw error;
      }
    });
  }

  /** Recursive pins of the node (all of them, or those among `cids` that are pinned). */
  pinned(cids?: readonly string[]): Promise<Set<string>> {
    return this.call('pin/ls', async () => {
      const out = new Set<string>();
      if (cids && cids.length === 0) return out;
      const signal = this.signal();
      if (cids) {
        // Kubo answers an error for the whole call when one asked CID is not pinned; ask one by one.
        for (const cid of cids) {
          try {
            for await (const pin of (await this.client()).pin.ls({ paths: [CID.parse(cid)], type: 'recursive', signal }))
              out.add(pin.cid.toString());
          } catch (error) {
            if (!/not pinned/i.test(messageOf(error))) throw error;
          }
        }
        return out;
      }
      for await (const pin of (await this.client()).pin.ls({ type: 'recursive', signal })) out.add(pin.cid.toString());
      return out;
    });
  }

  /**
   * The bytes of a file, or a byte range of it, as a stream. The timeout covers the whole transfer (a stalled
   * node must not hold a request open), so it is longer than a control call's.
   */
  cat(cid: string, range?: { offset: number; length: number }): ReadableStream<Uint8Array> {
    const name = this.name;
    const signal = this.signal(4);
    const clientPromise = this.client();
    let iterator: AsyncIterator<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          iterator ??= (await clientPromise).cat(CID.parse(cid), { ...(range ?? {}), signal })[Symbol.asyncIterator]();
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(new IpfsNodeError(name, `cat failed: ${messageOf(error)}`));
        }
      },
      async cancel() {
        await iterator?.return?.();
      },
    });
  }

  /** Reads a whole file into memory (segments: a few MiB at most). */
  async catBytes(cid: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    return this.call('cat', async () => new Uint8Array(await new Response(this.cat(cid, range)).arrayBuffer()));
  }

  /** Names and CIDs directly under a directory CID. */
  ls(cid: string): Promise<{ name: string; cid: string; bytes: number }[]> {
    return this.call('ls', async () => {
      const out = [];
      for await (const entry of (await this.client()).ls(CID.parse(cid), { signal: this.signal() })) {
        out.push({ name: entry.name, cid: entry.cid.toString(), bytes: Number(entry.size) });
      }
      return out;
    });
  }

  id(): Promise<NodeIdentity> {
    return this.call('id', async () => {
      const id = await (await this.client()).id({ signal: this.signal() });
      return { peerId: id.id.toString(), agentVersion: id.agentVersion, addresses: id.addresses.map((address) => address.toString()) };
    });
  }

  repoStat(): Promise<NodeRepoStat> {
    return this.call('repo/stat', async () => {
      const stat = await (await this.client()).repo.stat({ signal: this.signal() });
      return { repoBytes: Number(stat.repoSize), storageMaxBytes: Number(stat.storageMax), objects: Number(stat.numObjects) };
    });
  }

  swarmPeers(): Promise<{ peerId: string; address: string }[]> {
    return this.call('swarm/peers', async () => {
      const peers = await (await this.client()).swarm.peers({ signal: this.signal() });
      return peers.map((peer) => ({ peerId: peer.peer.toString(), address: peer.addr.toString() }));
    });
  }
}

export function kuboNodes(configs: readonly IpfsNodeConfig[], timeoutMs: number): KuboNode[] {
  return configs.map((config) => new KuboNode(config, timeoutMs));
}
