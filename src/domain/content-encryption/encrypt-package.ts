// Encrypting a package that was written in the clear (a CLI output folder, the dev demo clips): every init and
// media segment becomes AES-128 ciphertext with the IV its position gives it, every media playlist gains its
// key tags, and the manifest's digests are recomputed over the ciphertext and marked `encryption`. Stills
// (poster, storyboard) stay clear: they are the video's shop window, shown to anyone who may see the video.
import type { FileDigest, IntegrityManifest, ManifestRendition } from '../packaging/manifest';
import { sha256HexOfBytes } from '../packaging/manifest';
import { CONTENT_ENCRYPTION_METHOD, encryptedMediaPlaylist, encryptSegment, ivFor, segmentPositions } from './segment-cipher';

export interface PackageFiles {
  manifest: IntegrityManifest;
  /** Bytes by package path: at least every media playlist, init segment and media segment. */
  read: (path: string) => Promise<Uint8Array>;
}

export interface EncryptedPackage {
  manifest: IntegrityManifest;
  /** The files that changed, by package path: media playlists, init and media segments. */
  files: Map<string, Uint8Array>;
}

export class PackageEncryptionError extends Error {
  override name = 'PackageEncryptionError';
}

export async function encryptPackage(input: PackageFiles, key: Uint8Array): Promise<EncryptedPackage> {
  if (input.manifest.encryption) throw new PackageEncryptionError('the package is encrypted already');
  const files = new Map<string, Uint8Array>();
  const encryptFile = async (digest: FileDigest, position: ReturnType<typeof ivFor>): Promise<FileDigest> => {
    const cipher = await encryptSegment(key, position, await input.read(digest.path));
    files.set(digest.path, cipher);
    return { path: digest.path, bytes: cipher.byteLength, sha256: await sha256HexOfBytes(cipher) };
  };
  const renditions: ManifestRendition[] = [];
  for (const rendition of input.manifest.renditions) {
    const playlistText = new TextDecoder().decode(await input.read(rendition.playlist));
    const positions = segmentPositions(rendition.playlist, playlistText);
    const positionOf = (path: string) => {
      const position = positions.get(path);
      if (!position) throw new PackageEncryptionError(`${rendition.playlist} does not name ${path}`);
      return position;
    };
    const init = rendition.init ? await encryptFile(rendition.init, ivFor(positionOf(rendition.init.path))) : undefined;
    const segments = [];
    for (const segment of rendition.segments) {
      segments.push({ ...segment, ...(await encryptFile(segment, ivFor(positionOf(segment.path)))) });
    }
    files.set(rendition.playlist, new TextEncoder().encode(encryptedMediaPlaylist(rendition.playlist, playlistText)));
    renditions.push({ ...rendition, ...(init ? { init } : {}), segments });
  }
  return {
    manifest: { ...input.manifest, renditions, encryption: { method: CONTENT_ENCRYPTION_METHOD } },
    files,
  };
}
