// One segment or still of a package that the browser is still encoding, stored as soon as it exists so the
// whole package never has to fit in the creator's memory. Three checks, cheapest first: the path is media (not
// a playlist or the manifest), the reservation has room (drawn atomically, so parallel uploads cannot overdraw
// it), and R2 hashes the body against the SHA-256 the client declared, storing nothing on a mismatch. The
// manifest that comes last names the same digests, and publish checks every file against it.
import { drawStagedBytes, returnStagedBytes } from '../../adapters/db/package-staging-repo';
import type { VideoStatus } from '../../domain/catalog';
import { contentTypeOf, isStageablePath } from '../../domain/packaging/paths';
import { type PackageStagingDeps, STAGING_STATUSES } from './reserve-package-space';

export type StageFileResult =
  | { ok: true }
  | { ok: false; reason: 'not_stageable' | 'reservation_exhausted' | 'checksum_mismatch' }
  | { ok: false; reason: 'not_staging'; status: VideoStatus };

export async function stagePackageFile(
  deps: Omit<PackageStagingDeps, 'defaultQuotaBytes'>,
  input: {
    video: { id: string; status: VideoStatus };
    path: string;
    bytes: number;
    sha256: string;
    body: ReadableStream | ArrayBuffer;
  },
): Promise<StageFileResult> {
  if (!isStageablePath(input.path)) return { ok: false, reason: 'not_stageable' };
  if (!STAGING_STATUSES.includes(input.video.status)) return { ok: false, reason: 'not_staging', status: input.video.status };
  if (!(await drawStagedBytes(deps.db, input.video.id, input.bytes, deps.now()))) return { ok: false, reason: 'reservation_exhausted' };
  const stored = await deps.files.put(input.path, input.body, { sha256: input.sha256, contentType: contentTypeOf(input.path) });
  if (!stored.ok) {
    await returnStagedBytes(deps.db, input.video.id, input.bytes, deps.now());
    return { ok: false, reason: 'checksum_mismatch' };
  }
  return { ok: true };
}
