// The integrity manifest of a packaged video (`manifest.json`): the SHA-256 and size of every file a player
// fetches, so a segment that came from a peer can be checked before it is played — and refetched from the
// origin on a mismatch (the rule PeerTube's segment validator follows: distrust every peer).
//
// Hashing uses WebCrypto, so the same code runs in the packaging CLI (Node), in the Worker and in the browser.

export const MANIFEST_VERSION = 1;

export interface FileDigest {
  /** Relative to the directory holding manifest.json, with `/` separators. */
  path: string;
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

export interface ManifestSegment extends FileDigest {
  /** Position in the media playlist, from 0. */
  index: number;
  /** The EXTINF duration the playlist announces. */
  durationSeconds: number;
  /** IPFS content id; null until segments are stored on IPFS. */
  cid: string | null;
}

export interface ManifestRendition {
  name: string;
  /** Peak bit rate, as in the master playlist's BANDWIDTH. */
  bandwidth: number;
  /** `WIDTHxHEIGHT`. */
  resolution: string;
  /** RFC 6381 codecs, as in the master playlist's CODECS. */
  codecs: string;
  /** The media playlist, relative to manifest.json. */
  playlist: string;
  /** The fMP4 initialization segment (EXT-X-MAP); absent for MPEG-TS. */
  init?: FileDigest;
  segments: ManifestSegment[];
}

/** The still shown before playback (catalog cards, the player's poster): one JPEG frame of the video. */
export const POSTER_PATH = 'poster.jpg';
/** Seek previews: one JPEG sprite of `tiles` frames laid out left to right, top to bottom. */
export const STORYBOARD_PATH = 'storyboard.jpg';

export interface StoryboardDigest extends FileDigest {
  columns: number;
  rows: number;
  /** How many tiles of the grid hold a frame (the last row may be partly empty). */
  tiles: number;
  tileWidth: number;
  tileHeight: number;
  /** Tile `i` shows the frame at `i * intervalSeconds`. */
  intervalSeconds: number;
}

/** Where the sprite is and how it is laid out, without its digest: what the catalog and the player need. */
export type StoryboardLayout = Omit<StoryboardDigest, 'bytes' | 'sha256'>;

/** Present when every init and media segment is HLS AES-128 ciphertext (domain/content-encryption); never the key. */
export interface PackageEncryption {
  method: 'AES-128';
}

export interface IntegrityManifest {
  version: typeof MANIFEST_VERSION;
  videoId?: string;
  /** ISO 8601. */
  createdAt: string;
  source: { name: string; bytes: number; sha256: string; durationSeconds: number; width: number; height: number };
  renditions: ManifestRendition[];
  /** Both packagers write them; packages made before they existed have neither. */
  poster?: FileDigest;
  storyboard?: StoryboardDigest;
  /** Digests above are of the ciphertext, so peers' bytes are verified before they are decrypted. */
  encryption?: PackageEncryption;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export async function sha256HexOfBytes(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** True when `bytes` hash to `expectedSha256` (hex, either case). */
export async function verifySegment(bytes: Uint8Array, expectedSha256: string): Promise<boolean> {
  return (await sha256HexOfBytes(bytes)) === expectedSha256.toLowerCase();
}

/** Every file the manifest vouches for, init segments first within each rendition, then poster and storyboard. */
export function manifestFiles(manifest: IntegrityManifest): FileDigest[] {
  return [
    ...manifest.renditions.flatMap((rendition) => [...(rendition.init ? [rendition.init] : []), ...rendition.segments]),
    ...(manifest.poster ? [manifest.poster] : []),
    ...(manifest.storyboard ? [manifest.storyboard] : []),
  ];
}

/**
 * The playable length of the package: the EXTINF durations of its longest rendition. This, not the source's
 * container header, is what the catalog shows, so a card never promises more than the player can play.
 */
export function packageDurationSeconds(manifest: IntegrityManifest): number {
  const perRendition = manifest.renditions.map((rendition) =>
    rendition.segments.reduce((sum, segment) => sum + segment.durationSeconds, 0),
  );
  return Math.round(Math.max(0, ...perRendition) * 1000) / 1000;
}

export type VerificationResult = { ok: true; files: number } | { ok: false; path: string; reason: 'missing' | 'size' | 'sha256' };

/**
 * Checks every file of the manifest against the bytes `read` returns for its path (undefined: the file is
 * missing) and stops at the first that does not match.
 */
export async function verifyManifest(
  manifest: IntegrityManifest,
  read: (path: string) => Promise<Uint8Array | undefined>,
): Promise<VerificationResult> {
  const files = manifestFiles(manifest);
  for (const file of files) {
    const bytes = await read(file.path);
    if (bytes === undefined) return { ok: false, path: file.path, reason: 'missing' };
    if (bytes.byteLength !== file.bytes) return { ok: false, path: file.path, reason: 'size' };
    if (!(await verifySegment(bytes, file.sha256))) return { ok: false, path: file.path, reason: 'sha256' };
  }
  return { ok: true, files: files.length };
}

/** What the catalog learns from a published package: how long it plays and where its stills are. */
export interface PackageFacts {
  durationSeconds: number;
  posterPath: string | null;
  storyboard: StoryboardLayout | null;
  contentEncryption: 'none' | 'aes-128';
}

export function packageFacts(manifest: IntegrityManifest): PackageFacts {
  const storyboard = manifest.storyboard;
  return {
    durationSeconds: packageDurationSeconds(manifest),
    posterPath: manifest.poster?.path ?? null,
    storyboard: storyboard
      ? {
          path: storyboard.path,
          columns: storyboard.columns,
          rows: storyboard.rows,
          tiles: storyboard.tiles,
          tileWidth: storyboard.tileWidth,
          tileHeight: storyboard.tileHeight,
          intervalSeconds: storyboard.intervalSeconds,
        }
      : null,
    contentEncryption: manifest.encryption ? 'aes-128' : 'none',
  };
}

export interface BuildManifestInput {
  videoId?: string | undefined;
  createdAt: Date;
  source: IntegrityManifest['source'];
  poster?: FileDigest | undefined;
  storyboard?: StoryboardDigest | undefined;
  encryption?: PackageEncryption | undefined;
  renditions: {
    name: string;
    resolution: string;
    codecs: string;
    playlist: string;
    bandwidth: number;
    init?: FileDigest | undefined;
    segments: { path: string; durationSeconds: number; bytes: number; sha256: string }[];
  }[];
}

/** Assembles the manifest; segment indexes follow playlist order and every cid starts as null. */
export function buildManifest(input: BuildManifestInput): IntegrityManifest {
  return {
    version: MANIFEST_VERSION,
    ...(input.videoId ? { videoId: input.videoId } : {}),
    createdAt: input.createdAt.toISOString(),
    source: input.source,
    renditions: input.renditions.map((rendition) => ({
      name: rendition.name,
      bandwidth: rendition.bandwidth,
      resolution: rendition.resolution,
      codecs: rendition.codecs,
      playlist: rendition.playlist,
      ...(rendition.init ? { init: rendition.init } : {}),
      segments: rendition.segments.map((segment, index) => ({
        path: segment.path,
        index,
        durationSeconds: segment.durationSeconds,
        bytes: segment.bytes,
        sha256: segment.sha256,
        cid: null,
      })),
    })),
    ...(input.poster ? { poster: input.poster } : {}),
    ...(input.storyboard ? { storyboard: input.storyboard } : {}),
    ...(input.encryption ? { encryption: input.encryption } : {}),
  };
}

/** Joins a playlist-relative URI onto the playlist's own path (`720p/index.m3u8` + `seg_0.m4s` → `720p/seg_0.m4s`). */
export function resolveRelative(playlistPath: string, uri: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) throw new RangeError(`not a relative URI: ${uri}`);
  const parts = playlistPath.split('/').slice(0, -1);
  for (const part of uri.split('/')) {
    if (part === '..') {
      if (parts.length === 0) throw new RangeError(`URI escapes the package: ${uri}`);
      parts.pop();
    } else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}
