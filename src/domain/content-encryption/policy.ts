// Which videos are encrypted, and which changes of access a package's encryption allows. Encryption is chosen
// when a video is packaged, from what it is then: private or priced → AES-128, free public or unlisted → clear.
// Bytes published in the clear may already sit in peers' caches and on the IPFS network, where no later key can
// reach them, so a clear video can never become paid or private: it has to be uploaded again. The other way
// round is harmless: an encrypted video made free simply has its key served to everyone allowed to play it.
import type { Visibility } from '../catalog';

export type ContentEncryption = 'none' | 'aes-128';

export function requiredEncryption(video: { visibility: Visibility; priced: boolean }): ContentEncryption {
  return video.visibility === 'private' || video.priced ? 'aes-128' : 'none';
}

/** What a package's manifest says of itself. */
export function packageEncryption(manifest: { encryption?: { method: string } | undefined }): ContentEncryption {
  return manifest.encryption ? 'aes-128' : 'none';
}

export type PublishEncryptionCheck =
  | { ok: true; encryption: ContentEncryption }
  | { ok: false; reason: 'encryption_required' | 'encryption_not_expected'; required: ContentEncryption };

/** A package is published only when its encryption is exactly what the video needs now. */
export function checkPublishEncryption(required: ContentEncryption, packaged: ContentEncryption): PublishEncryptionCheck {
  if (required === packaged) return { ok: true, encryption: packaged };
  return { ok: false, reason: required === 'aes-128' ? 'encryption_required' : 'encryption_not_expected', required };
}

/** Statuses in which a video's package may already have reached viewers, peers or IPFS. */
const PUBLISHED_STATUSES: readonly string[] = ['ready', 'processing'];

/**
 * Whether a video may change from `current` to `next` (its visibility, and whether it has a price). Refused only
 * when its package went out in the clear and the change is what would make it need encryption.
 */
export function canChangeAccess(
  video: { status: string; contentEncryption: ContentEncryption },
  current: { visibility: Visibility; priced: boolean },
  next: { visibility: Visibility; priced: boolean },
): boolean {
  if (video.contentEncryption === 'aes-128' || !PUBLISHED_STATUSES.includes(video.status)) return true;
  return requiredEncryption(next) === 'none' || requiredEncryption(current) === 'aes-128';
}

export const CLEAR_CONTENT_MESSAGE =
  'This video was published unencrypted, so its segments may already be on viewers’ devices and the IPFS network: it cannot be made paid or private. Upload it again as a new video with the price or visibility set first.';
