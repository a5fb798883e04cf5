// The content key of an encrypted video, for a player: the same decision as the video's playlists
// (check-playback-access.ts), always with the entitlement re-read, because the key is what turns the
// ciphertext held by peers, R2 and IPFS into video. A refund, an expired rental or a lost role stops key
// delivery at the next request; a player that already holds the key can finish what it has (see README,
// "Content encryption").
import type { Database } from '../../adapters/db/client';
import { findWrappedKey } from '../../adapters/db/content-keys-repo';
import { unwrapContentKey } from '../../domain/content-encryption';
import { checkPlaybackAccess, type PlaybackAccessRequest, type PlaybackRefusal } from './check-playback-access';

export type ContentKeyResult =
  | { ok: true; key: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: PlaybackRefusal | 'not_encrypted' | 'misconfigured' };

export async function contentKeyForPlayback(
  deps: { db: Database; jwtSecret: string; contentKeySecret: string | null; now: number },
  request: Omit<PlaybackAccessRequest, 'recheckEntitlement'>,
): Promise<ContentKeyResult> {
  const access = await checkPlaybackAccess(deps, { ...request, recheckEntitlement: true });
  if (!access.ok) return access;
  const wrapped = await findWrappedKey(deps.db, request.video.id);
  if (wrapped === undefined) return { ok: false, reason: 'not_encrypted' };
  if (!deps.contentKeySecret) return { ok: false, reason: 'misconfigured' };
  return { ok: true, key: await unwrapContentKey(deps.contentKeySecret, request.video.id, wrapped) };
}
