// A video published in the clear cannot become paid or private (domain/content-encryption/policy.ts): its
// segments may already be on peers and on the IPFS network, where no key can reach them. Asked before a
// visibility change (PATCH /videos/{id}) or a new price (PUT /videos/{id}/prices) is written.
import type { Database } from '../../adapters/db/client';
import { isPaidVideo } from '../../adapters/db/payments-repo';
import type { Visibility } from '../../domain/catalog';
import { type ContentEncryption, canChangeAccess } from '../../domain/content-encryption';

export type AccessChangeResult = { ok: true } | { ok: false; reason: 'published_in_clear' };

export async function checkAccessChange(
  deps: { db: Database },
  video: { id: string; status: string; visibility: Visibility; contentEncryption: ContentEncryption },
  next: { visibility?: Visibility | undefined; priced?: boolean | undefined },
): Promise<AccessChangeResult> {
  const pricedNow = await isPaidVideo(deps.db, video.id);
  const current = { visibility: video.visibility, priced: pricedNow };
  const changed = { visibility: next.visibility ?? video.visibility, priced: next.priced ?? pricedNow };
  return canChangeAccess(video, current, changed) ? { ok: true } : { ok: false, reason: 'published_in_clear' };
}
