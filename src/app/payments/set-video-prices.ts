// Pricing a video: its buy and rent prices (video_prices, what checkout charges) and, in the same D1 batch, the
// list price its catalog card shows (videos.price_cents and currency). Checkout reads only video_prices; the card
// price is derived from them here, so a card never advertises a price checkout would not charge.
//
// A video published unencrypted cannot be given its first price: its segments are already out in the clear
// (domain/content-encryption/policy.ts); it is refused before anything is written.
import type { Database } from '../../adapters/db/client';
import { setVideoPriceStatements, videoPricesOf } from '../../adapters/db/payments-repo';
import { updateVideoStatements } from '../../adapters/db/videos-repo';
import type { Visibility } from '../../domain/catalog';
import { type ContentEncryption, canChangeAccess } from '../../domain/content-encryption';
import { listPriceOf, type PurchasePrice, type RentalPrice } from './list-price';

/** A field left out is unchanged; null removes that price. */
export interface VideoPricesUpdate {
  purchase?: PurchasePrice | null;
  rental?: RentalPrice | null;
}

export type SetVideoPricesResult = { ok: true } | { ok: false; reason: 'published_in_clear' };

export async function setVideoPrices(
  deps: { db: Database; now: number },
  video: { id: string; currency: string; status: string; visibility: Visibility; contentEncryption: ContentEncryption },
  update: VideoPricesUpdate,
): Promise<SetVideoPricesResult> {
  const videoId = video.id;
  const videoCurrency = video.currency;
  const current = await videoPricesOf(deps.db, videoId);
  const kept = (kind: 'purchase' | 'rental') => current.find((row) => row.kind === kind) ?? null;
  const next = {
    purchase: update.purchase !== undefined ? update.purchase : kept('purchase'),
    rental: update.rental !== undefined ? update.rental : kept('rental'),
  };
  const pricedNow = current.length > 0;
  const pricedNext = next.purchase !== null || next.rental !== null;
  if (!canChangeAccess(video, { visibility: video.visibility, priced: pricedNow }, { visibility: video.visibility, priced: pricedNext })) {
    return { ok: false, reason: 'published_in_clear' };
  }
  const listed = listPriceOf(next);
  const card = updateVideoStatements(deps.db, videoId, {
    priceCents: listed?.amount ?? 0,
    currency: listed?.currency ?? videoCurrency,
    updatedAt: deps.now,
  });
  await deps.db.batch([...setVideoPriceStatements(deps.db, videoId, update, deps.now), ...card] as [never, ...never[]]);
  return { ok: true };
}
