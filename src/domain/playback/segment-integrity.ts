// The player's view of the integrity manifest: which digest a segment URL must match. p2p-media-loader hands
// the validator the segment's absolute URL (as hls.js resolved it against its media playlist); a playback token
// in the query string does not change which file it is, so lookups ignore the query.
import type { IntegrityManifest } from '../packaging/manifest';
import { manifestFiles, sha256HexOfBytes } from '../packaging/manifest';

export interface ExpectedSegment {
  path: string;
  bytes: number;
  sha256: string;
  cid: string | null;
}

export type SegmentVerdict =
  | { ok: true; path: string; cidChecked: boolean }
  | { ok: false; path: string | null; reason: 'unknown_segment' | 'size_mismatch' | 'hash_mismatch' | 'cid_mismatch' };

/** Computes a file's content id the way the manifest's `cid` was made (Kubo defaults); injected by the caller. */
export type ContentIdOf = (bytes: Uint8Array) => Promise<string>;

export class SegmentIntegrity {
  private readonly byUrl = new Map<string, ExpectedSegment>();

  /** `baseUrl` is the URL manifest.json was fetched from (its directory holds every path of the manifest). */
  constructor(manifest: IntegrityManifest, baseUrl: string) {
    for (const file of manifestFiles(manifest)) {
      const cid = 'cid' in file ? ((file as { cid: string | null }).cid ?? null) : null;
      this.byUrl.set(withoutQuery(new URL(file.path, baseUrl).href), { path: file.path, bytes: file.bytes, sha256: file.sha256, cid });
    }
  }

  get size(): number {
    return this.byUrl.size;
  }

  expected(url: string): ExpectedSegment | undefined {
    return this.byUrl.get(withoutQuery(url));
  }

  /**
   * Checks bytes that claim to be the segment at `url`: its size, its SHA-256, and its content id when the
   * manifest has one and `contentIdOf` is given. Unknown URLs fail: a peer cannot introduce a file we never listed.
   */
  async verify(url: string, data: Uint8Array, contentIdOf?: ContentIdOf): Promise<SegmentVerdict> {
    const expected = this.expected(url);
    if (!expected) return { ok: false, path: null, reason: 'unknown_segment' };
    if (data.byteLength !== expected.bytes) return { ok: false, path: expected.path, reason: 'size_mismatch' };
    if ((await sha256HexOfBytes(data)) !== expected.sha256.toLowerCase())
      return { ok: false, path: expected.path, reason: 'hash_mismatch' };
    const checkCid = expected.cid !== null && contentIdOf !== undefined;
    if (checkCid && (await contentIdOf(data)) !== expected.cid) return { ok: false, path: expected.path, reason: 'cid_mismatch' };
    return { ok: true, path: expected.path, cidChecked: checkCid };
  }
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}
