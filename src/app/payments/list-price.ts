// The one rule for the price a video's catalog card shows, given what checkout charges (video_prices). Pure, so
// the seed (dev/seed.ts) writes its demo cards with it too.

export interface PurchasePrice {
  amount: number;
  currency: string;
}

export interface RentalPrice extends PurchasePrice {
  rentalHours: number;
}

/** The amounts that decide a card's price (a rental's length does not). */
export interface OfferedPrices {
  purchase: PurchasePrice | null;
  rental: PurchasePrice | null;
}

/**
 * The price a catalog card shows: the purchase price, or the rental price for a video that is only rented; 0
 * (free) without either. The seed (dev/seed.ts) writes its cards with the same rule.
 */
export function listPriceOf(prices: OfferedPrices): PurchasePrice | null {
  return prices.purchase ?? (prices.rental ? { amount: prices.rental.amount, currency: prices.rental.currency } : null);
}
