// Pricing a video: its buy and rent prices (video_prices, what checkout charges) and, in the same D1 batch, the
// list price its catalog card shows (videos.price_cents and currency). Checkout reads only video_prices; the card
// price is derived from them here, so a card never advertises a price checkout would not charge.
import type { Database } from '../../adapters/db/client';
import { setVideoPriceStatements, videoPricesOf } from '../../adapters/db/payments-repo';
import { updateVideoStatements } from '../../adapters/db/videos-repo';
import { listPriceOf, type PurchasePrice, type RentalPrice } from './list-price';

/** A field left out is unchanged; null removes that price. */
export interface VideoPricesUpdate {
  purchase?: PurchasePrice | null;
  rental?: RentalPrice | null;
}

export async function setVideoPrices(
  deps: { db: Database; now: number },
  videoId: string,
  update: VideoPricesUpdate,
  videoCurrency: string,
): Promise<void> {
  const current = await videoPricesOf(deps.db, videoId);
  const kept = (kind: 'purchase' | 'rental') => current.find((row) => row.kind === kind) ?? null;
  const listed = listPriceOf({
    purchase: update.purchase !== undefined ? update.purchase : kept('purchase'),
    rental: update.rental !== undefined ? update.rental : kept('rental'),
  });
  const card = updateVideoStatements(deps.db, videoId, {
    priceCents: listed?.amount ?? 0,
    currency: listed?.currency ?? videoCurrency,
    updatedAt: deps.now,
  });
  await deps.db.batch([...setVideoPriceStatements(deps.db, videoId, update, deps.now), ...card] as [never, ...never[]]);
}
