// Turns the files a creator picked into the package `npm run package-video` wrote: manifest.json plus every
// playlist and segment it names, keyed by their path relative to manifest.json.
//
// A folder pick (`webkitdirectory`) gives every file a `webkitRelativePath` such as `clip-hls/360p/seg_00000.m4s`;
// the folder holding manifest.json is the package root. A plain multi-file pick has names only, so files are
// matched to the manifest by name, which works when no two paths share a name (one rendition).
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { manifestFiles } from '../../../src/domain/packaging/manifest';

export const MANIFEST_NAME = 'manifest.json';
export const MASTER_PLAYLIST = 'master.m3u8';

export interface PackageFile {
  path: string;
  file: File;
  /** From the manifest; playlists are not in its digests. */
  bytes: number;
  isPlaylist: boolean;
}

export interface PickedPackage {
  manifest: IntegrityManifest;
  files: PackageFile[];
}

export class PackageError extends Error {}

/** Every path the server expects for a manifest: master and media playlists, then init segments and segments. */
export function packagePaths(manifest: IntegrityManifest): { path: string; bytes: number | null }[] {
  return [
    { path: MASTER_PLAYLIST, bytes: null },
    ...manifest.renditions.map((rendition) => ({ path: rendition.playlist, bytes: null })),
    ...manifestFiles(manifest).map((file) => ({ path: file.path, bytes: file.bytes })),
  ];
}

function relativePathOf(file: File): string {
  return file.webkitRelativePath || file.name;
}

export async function readPickedPackage(picked: readonly File[]): Promise<PickedPackage> {
  const manifestFile = picked
    .filter((file) => file.name === MANIFEST_NAME)
    .sort((a, b) => relativePathOf(a).length - relativePathOf(b).length)[0];
  if (!manifestFile) throw new PackageError(`No ${MANIFEST_NAME} among the picked files: pick the folder npm run package-video wrote.`);
  let manifest: IntegrityManifest;
  try {
    manifest = JSON.parse(await manifestFile.text()) as IntegrityManifest;
  } catch {
    throw new PackageError(`${MANIFEST_NAME} is not valid JSON.`);
  }
  if (!Array.isArray(manifest.renditions)) throw new PackageError(`${MANIFEST_NAME} lists no renditions.`);

  const root = relativePathOf(manifestFile).slice(0, -MANIFEST_NAME.length);
  const byPath = new Map<string, File>();
  const byName = new Map<string, File[]>();
  for (const file of picked) {
    const relative = relativePathOf(file);
    if (file.webkitRelativePath && relative.startsWith(root)) byPath.set(relative.slice(root.length), file);
    byName.set(file.name, [...(byName.get(file.name) ?? []), file]);
  }
  const files: PackageFile[] = [];
  const missing: string[] = [];
  for (const { path, bytes } of packagePaths(manifest)) {
    const name = path.split('/').pop() ?? path;
    const sameName = byName.get(name) ?? [];
    const file = byPath.get(path) ?? (sameName.length === 1 ? sameName[0] : undefined);
    if (!file || (bytes !== null && file.size !== bytes)) missing.push(path);
    else files.push({ path, file, bytes: bytes ?? file.size, isPlaylist: bytes === null });
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    throw new PackageError(
      `${missing.length} file(s) of the manifest are missing or of the wrong size: ${shown}${missing.length > 5 ? ', …' : ''}`,
    );
  }
  return { manifest, files };
}
