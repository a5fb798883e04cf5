// The last two steps of segment delivery (edge cache → R2 → IPFS), called by the hls route:
//   - a file R2 no longer holds (evicted staging copy, lost object) is read from an IPFS node that pins the
//     video, with the Range the player asked for passed on as `cat` offset/length;
//   - after a public segment is served whole, the next segment of the same rendition is warmed into the edge
//     cache: players fetch segments in order, so the next request is nearly always that one.
// ETags of IPFS-served files are the CID itself: content-addressed, so strong by construction.
import type { Context } from 'hono';
import { openDatabase } from '../../adapters/db/client';
import { fileOf, pinsOf } from '../../adapters/db/ipfs-repo';
import { ipfsConfigOf } from '../../adapters/ipfs/config';
import { type KuboNode, kuboNodes } from '../../adapters/ipfs/kubo';
import { getVideoFile } from '../../adapters/r2-video-store';
import type { Env } from '../../env';
import type { AppEnv } from '../env';
import { ApiError, notFound } from '../errors';

type ByteRange = { offset: number; length: number };

export interface IpfsDeliveryOptions {
  videoId: string;
  path: string;
  /** Content-Type, Cache-Control and Accept-Ranges as the route computed them (ETag is set here). */
  headers: Record<string, string>;
  ifNoneMatch: string | undefined;
  /** The route's Range parser, applied to the stored size. */
  rangeOf: (size: number) => ByteRange | 'unsatisfiable' | null;
  /** Whole responses of public videos go into the edge cache under this key. */
  cacheKey: Request | null;
}

/** Nodes that pin the video first (in pin order), then the other configured nodes. */
async function nodesFor(env: Env, videoId: string): Promise<KuboNode[]> {
  const config = ipfsConfigOf(env);
  if (!config) return [];
  const nodes = kuboNodes(config.nodes, config.timeoutMs);
  const holders = new Set((await pinsOf(openDatabase(env.DB), { videoId })).map((pin) => pin.node));
  return [...nodes.filter((node) => holders.has(node.name)), ...nodes.filter((node) => !holders.has(node.name))];
}

const etagOf = (cid: string) => `"${cid}"`;
const matches = (ifNoneMatch: string | undefined, etag: string) =>
  !!ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);

export async function serveFromIpfs(c: Context<AppEnv>, options: IpfsDeliveryOptions): Promise<Response> {
  const row = await fileOf(openDatabase(c.env.DB), options.videoId, options.path);
  if (!row) throw notFound('File');
  const etag = etagOf(row.cid);
  const headers = { ...options.headers, ETag: etag, 'X-Content-Source': 'ipfs' };
  if (matches(options.ifNoneMatch, etag)) return new Response(null, { status: 304, headers });
  const byteRange = options.rangeOf(row.bytes);
  if (byteRange === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', `The file has ${row.bytes} bytes`, undefined, {
      'Content-Range': `bytes */${row.bytes}`,
    });
  }
  let lastError: unknown;
  for (const node of await nodesFor(c.env, options.videoId)) {
    try {
      // Read whole before answering, so a node failing mid-transfer falls over to the next one instead of
      // cutting the response short (segments are a few MiB).
      const bytes = await node.catBytes(row.cid, byteRange ?? undefined);
      const expected = byteRange ? byteRange.length : row.bytes;
      if (bytes.byteLength !== expected) throw new Error(`node ${node.name} returned ${bytes.byteLength} of ${expected} bytes`);
      if (byteRange) {
        const end = byteRange.offset + byteRange.length - 1;
        return new Response(bytes, {
          status: 206,
          headers: {
            ...headers,
            'Content-Range': `bytes ${byteRange.offset}-${end}/${row.bytes}`,
            'Content-Length': String(bytes.byteLength),
          },
        });
      }
      const response = new Response(bytes, { status: 200, headers: { ...headers, 'Content-Length': String(bytes.byteLength) } });
      if (options.cacheKey) c.executionCtx.waitUntil(caches.default.put(options.cacheKey, response.clone()).catch(() => {}));
      return response;
    } catch (error) {
      lastError = error;
    }
  }
  console.warn(
    JSON.stringify({
      level: 'warn',
      msg: 'no ipfs node could serve file',
      videoId: options.videoId,
      path: options.path,
      error: String(lastError),
    }),
  );
  throw notFound('File');
}

/** `360p/seg_00007.m4s` → `360p/seg_00008.m4s` (same zero padding); undefined for anything else. */
export function nextSegmentPath(path: string): string | undefined {
  const match = /^(.*\D)(\d+)(\.(?:m4s|ts))$/.exec(path);
  if (!match) return undefined;
  const [, prefix, digits, extension] = match as unknown as [string, string, string, string];
  const next = String(Number(digits) + 1).padStart(digits.length, '0');
  return `${prefix}${next}${extension}`;
}

/**
 * Puts the segment after `path` into the edge cache if it is not there yet, from R2 (or IPFS when R2 lacks
 * it). Run in waitUntil after a public whole-segment response; never throws.
 */
export async function warmNextSegment(
  c: Context<AppEnv>,
  options: { videoId: string; path: string; requestUrl: string; headersOf: (path: string) => Record<string, string> },
): Promise<void> {
  try {
    const next = nextSegmentPath(options.path);
    if (!next) return;
    const url = new URL(options.requestUrl);
    url.pathname = url.pathname.slice(0, url.pathname.length - options.path.length) + next;
    url.search = '';
    const key = new Request(url.toString(), { method: 'GET' });
    if (await caches.default.match(key)) return;
    const object = await getVideoFile(c.env.UPLOADS, options.videoId, next);
    if (object) {
      const headers = { ...options.headersOf(next), ETag: object.httpEtag, 'Content-Length': String(object.size) };
      await caches.default.put(key, new Response(object.body, { status: 200, headers }));
      return;
    }
    const row = await fileOf(openDatabase(c.env.DB), options.videoId, next);
    if (!row) return;
    for (const node of await nodesFor(c.env, options.videoId)) {
      const bytes = await node.catBytes(row.cid).catch(() => undefined);
      if (!bytes || bytes.byteLength !== row.bytes) continue;
      const headers = { ...options.headersOf(next), ETag: etagOf(row.cid), 'Content-Length': String(row.bytes) };
      await caches.default.put(key, new Response(bytes, { status: 200, headers }));
      return;
    }
  } catch (error) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'segment warming failed', videoId: options.videoId, error: String(error) }));
  }
}
