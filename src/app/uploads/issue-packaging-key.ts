// Before a video is packaged, its creator (or an admin) asks whether it must be encrypted and, if so, for its
// content key: private or priced videos are (domain/content-encryption/policy.ts). The key is made on the
// first request and wrapped at rest; every later request returns the same key, so a resumed or repeated
// packaging writes segments the published playlist can still decrypt. Returning it again is no new exposure:
// the creator may always fetch it through the key route while playing their own video.
import type { Database } from '../../adapters/db/client';
import { findWrappedKey, storeWrappedKeyOnce } from '../../adapters/db/content-keys-repo';
import { isPaidVideo } from '../../adapters/db/payments-repo';
import type { Visibility } from '../../domain/catalog';
import { generateContentKey, requiredEncryption, unwrapContentKey, wrapContentKey } from '../../domain/content-encryption';

export type PackagingKeyResult =
  | { ok: true; encryption: 'none' }
  | { ok: true; encryption: 'aes-128'; key: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: 'misconfigured' };

export async function issuePackagingKey(
  deps: { db: Database; contentKeySecret: string | null; now: number },
  video: { id: string; visibility: Visibility },
): Promise<PackagingKeyResult> {
  const encryption = requiredEncryption({ visibility: video.visibility, priced: await isPaidVideo(deps.db, video.id) });
  if (encryption === 'none') return { ok: true, encryption };
  if (!deps.contentKeySecret) return { ok: false, reason: 'misconfigured' };
  const existing = await findWrappedKey(deps.db, video.id);
  const wrapped =
    existing ??
    (await storeWrappedKeyOnce(deps.db, video.id, await wrapContentKey(deps.contentKeySecret, video.id, generateContentKey()), deps.now));
  return { ok: true, encryption, key: await unwrapContentKey(deps.contentKeySecret, video.id, wrapped) };
}
