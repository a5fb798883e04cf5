// At publish, a package must be encrypted exactly when the video needs it now (private or priced): a clear
// package of a paid video would put its media on peers and IPFS for anyone, and an encrypted package of a free
// video would make every viewer fetch a key for nothing. An encrypted package also needs the video's key to
// exist (issued by POST /videos/{id}/content-key), or no player could ever decrypt it.
import type { Database } from '../../adapters/db/client';
import { findWrappedKey } from '../../adapters/db/content-keys-repo';
import { isPaidVideo } from '../../adapters/db/payments-repo';
import type { Visibility } from '../../domain/catalog';
import { type ContentEncryption, checkPublishEncryption, packageEncryption, requiredEncryption } from '../../domain/content-encryption';
import type { IntegrityManifest } from '../../domain/packaging/manifest';

export type PackageEncryptionResult =
  | { ok: true; encryption: ContentEncryption }
  | { ok: false; reason: 'encryption_required' | 'encryption_not_expected' | 'content_key_missing' };

export async function checkPackageEncryption(
  deps: { db: Database },
  video: { id: string; visibility: Visibility },
  manifest: Pick<IntegrityManifest, 'encryption'>,
): Promise<PackageEncryptionResult> {
  const required = requiredEncryption({ visibility: video.visibility, priced: await isPaidVideo(deps.db, video.id) });
  const check = checkPublishEncryption(required, packageEncryption(manifest));
  if (!check.ok) return { ok: false, reason: check.reason };
  if (check.encryption === 'aes-128' && (await findWrappedKey(deps.db, video.id)) === undefined) {
    return { ok: false, reason: 'content_key_missing' };
  }
  return check;
}
