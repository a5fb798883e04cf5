// Views, earnings and prices of a creator's videos, for the studio's list. The caller names the videos (the page
// of "my videos" it shows); a creator gets figures for their own videos only, an admin for any creator's, or for
// one creator's when asking with `creatorId`. Videos the caller may not see are left out, not reported.

import type { Database } from '../../adapters/db/client';
import { type StudioFigures, studioFigures, studioVideos } from '../../adapters/db/studio-repo';
import { type Role, roleAtLeast } from '../../domain/roles';

export interface VideoStatsInput {
  caller: { userId: string; role: Role };
  videoIds: readonly string[];
  /** Admins only: figures for this creator's videos. Ignored for creators, who always get their own. */
  creatorId?: string;
}

export interface VideoPrice {
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
}

export interface VideoStats {
  videoId: string;
  /** Every recorded view (signed-in viewers; repeat views count). */
  views: number;
  /** The creator's earnings per currency after the platform's share, refunds and chargebacks; fees are the platform's. */
  revenue: { currency: string; revenueCents: number }[];
  prices: {
    purchase: VideoPrice | null;
    /** `rentalHours` is null only for rentals priced before it was stored; checkout then applies its default. */
    rental: (VideoPrice & { rentalHours: number | null }) | null;
  };
}

export async function videoStatsForStudio(deps: { db: Database }, input: VideoStatsInput): Promise<VideoStats[]> {
  const creatorId = roleAtLeast(input.caller.role, 'admin') ? input.creatorId : input.caller.userId;
  const videoIds = [...new Set(input.videoIds)];
  const refs = await studioVideos(deps.db, videoIds, creatorId);
  if (refs.length === 0) return [];
  const figures = await studioFigures(deps.db, refs);
  const visible = new Set(refs.map((ref) => ref.id));
  // In the order asked for, so a page lines its rows up without sorting.
  return videoIds.filter((id) => visible.has(id)).map((videoId) => statsOf(videoId, figures));
}

function statsOf(videoId: string, figures: StudioFigures): VideoStats {
  const viewsIn = (rows: { videoId: string; views: number }[]) => Number(rows.find((row) => row.videoId === videoId)?.views ?? 0);
  const purchase = figures.prices.find((row) => row.videoId === videoId && row.kind === 'purchase');
  const rental = figures.prices.find((row) => row.videoId === videoId && row.kind === 'rental');
  return {
    videoId,
    views: viewsIn(figures.recordedViews) + viewsIn(figures.historicViews),
    revenue: figures.earnings
      .filter((row) => row.videoId === videoId)
      .map((row) => ({ currency: row.currency, revenueCents: Number(row.earnedCents) }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
    prices: {
      purchase: purchase ? { amount: purchase.amount, currency: purchase.currency } : null,
      rental: rental ? { amount: rental.amount, currency: rental.currency, rentalHours: rental.rentalHours } : null,
    },
  };
}
