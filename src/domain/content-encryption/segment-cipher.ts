// HLS AES-128 (RFC 8216 §5.2): every media segment and the fMP4 init segment of a paid or private video is
// encrypted whole with AES-128-CBC and PKCS#7 padding under the video's one content key. The player (hls.js)
// decrypts after the bytes arrive, whether from the edge or from a peer, so R2, IPFS and the P2P swarm only
// ever carry ciphertext — and the integrity manifest hashes that ciphertext, which keeps peer verification
// working unchanged.
//
// The IVs are deterministic, so the CLI, the browser packager and the dev demo seeding write the same bytes
// for the same key: a media segment uses its Media Sequence Number (the RFC's default when EXT-X-KEY has no
// IV attribute, so the playlist needs one key tag for all segments); the init segment, which has no sequence
// number, needs an explicit IV (the RFC requires one for an encrypted EXT-X-MAP), and gets 2^127, a value no
// sequence number reaches, so no IV is used twice under one key.
//
// WebCrypto only: the same code runs in Node (CLI, dev), the Worker and the browser's packaging worker.
import { resolveRelative } from '../packaging/manifest';
import { PlaylistError, parseMediaPlaylist } from '../packaging/playlist';

export const CONTENT_KEY_BYTES = 16;
/** The HLS METHOD of an encrypted package, as in its manifest's `encryption.method`. */
export const CONTENT_ENCRYPTION_METHOD = 'AES-128' as const;
/**
 * Where the key is fetched, relative to the package root (the key route, GET /videos/{id}/hls/key). No file of
 * a package may take this path.
 */
export const KEY_PATH = 'key';

const IV_BYTES = 16;

/** The Media Sequence Number as a 16-octet big-endian buffer (RFC 8216 §5.2). */
export function segmentIv(mediaSequence: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(mediaSequence) || mediaSequence < 0) throw new RangeError(`not a media sequence number: ${mediaSequence}`);
  const iv = new Uint8Array(IV_BYTES);
  let rest = BigInt(mediaSequence);
  for (let i = IV_BYTES - 1; i >= 0 && rest > 0n; i--) {
    iv[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return iv;
}

/** 2^127: outside every sequence number, so the init segment never shares an IV with a media segment. */
export function initSegmentIv(): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(IV_BYTES);
  iv[0] = 0x80;
  return iv;
}

function hexOf(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function assertKey(key: Uint8Array): void {
  if (key.byteLength !== CONTENT_KEY_BYTES)
    throw new RangeError(`an AES-128 content key has ${CONTENT_KEY_BYTES} bytes, not ${key.byteLength}`);
}

async function cbcKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  assertKey(key);
  return crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'AES-CBC' }, false, [usage]);
}

/** AES-128-CBC with PKCS#7 padding (WebCrypto pads), as an HLS player expects a whole encrypted segment. */
export async function encryptSegment(key: Uint8Array, iv: Uint8Array, clear: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const cipher = await crypto.subtle.encrypt(
    { name: 'AES-CBC', iv: iv as Uint8Array<ArrayBuffer> },
    await cbcKey(key, 'encrypt'),
    clear as Uint8Array<ArrayBuffer>,
  );
  return new Uint8Array(cipher);
}

export async function decryptSegment(key: Uint8Array, iv: Uint8Array, cipher: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const clear = await crypto.subtle.decrypt(
    { name: 'AES-CBC', iv: iv as Uint8Array<ArrayBuffer> },
    await cbcKey(key, 'decrypt'),
    cipher as Uint8Array<ArrayBuffer>,
  );
  return new Uint8Array(clear);
}

/** The key URI as written in a media playlist at `playlistPath`: relative, so the package stays self-contained. */
export function keyUriFor(playlistPath: string): string {
  const depth = playlistPath.split('/').length - 1;
  return `${'../'.repeat(depth)}${KEY_PATH}`;
}

/** The IV a package file is encrypted with: the init segment's, or its Media Sequence Number's. */
export type SegmentPosition = { kind: 'init' } | { kind: 'segment'; mediaSequence: number };

export function ivFor(position: SegmentPosition): Uint8Array<ArrayBuffer> {
  return position.kind === 'init' ? initSegmentIv() : segmentIv(position.mediaSequence);
}

/**
 * Where each file of a media playlist sits, by package path: the EXT-X-MAP's init segment, and every segment
 * with its Media Sequence Number (EXT-X-MEDIA-SEQUENCE + its position).
 */
export function segmentPositions(playlistPath: string, playlistText: string): Map<string, SegmentPosition> {
  const playlist = parseMediaPlaylist(playlistText);
  const positions = new Map<string, SegmentPosition>();
  if (playlist.map) positions.set(resolveRelative(playlistPath, playlist.map.uri), { kind: 'init' });
  playlist.segments.forEach((segment, index) => {
    positions.set(resolveRelative(playlistPath, segment.uri), { kind: 'segment', mediaSequence: playlist.mediaSequence + index });
  });
  return positions;
}

/**
 * The media playlist with the key tags of an encrypted package: one EXT-X-KEY with the init segment's explicit
 * IV before EXT-X-MAP (so the init segment is decrypted too), and one without IV before the first segment, so
 * each segment is decrypted with its Media Sequence Number. A playlist already carrying EXT-X-KEY is refused.
 */
export function encryptedMediaPlaylist(playlistPath: string, playlistText: string): string {
  if (/^#EXT-X-KEY:/m.test(playlistText)) throw new PlaylistError(`${playlistPath} already carries EXT-X-KEY`);
  parseMediaPlaylist(playlistText);
  const uri = keyUriFor(playlistPath);
  const initKey = `#EXT-X-KEY:METHOD=${CONTENT_ENCRYPTION_METHOD},URI="${uri}",IV=0x${hexOf(initSegmentIv())}`;
  const segmentKey = `#EXT-X-KEY:METHOD=${CONTENT_ENCRYPTION_METHOD},URI="${uri}"`;
  const out: string[] = [];
  let segmentKeyWritten = false;
  let pendingExtinf = false;
  for (const line of playlistText.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#EXT-X-MAP:')) out.push(initKey);
    // The segment key goes right before the first segment's tags (EXTINF), after the map.
    if (!segmentKeyWritten && trimmed.startsWith('#EXTINF')) {
      out.push(segmentKey);
      segmentKeyWritten = true;
    }
    if (trimmed.startsWith('#EXTINF')) pendingExtinf = true;
    else if (trimmed !== '' && !trimmed.startsWith('#')) pendingExtinf = false;
    out.push(line);
  }
  if (pendingExtinf || !segmentKeyWritten) throw new PlaylistError(`${playlistPath} has no complete segment`);
  return out.join('\n');
}
