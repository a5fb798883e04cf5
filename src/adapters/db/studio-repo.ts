// Reads for the creator studio: which of a list of videos the caller may see there, and per video its views,
// the creator's earnings from the ledger and its current prices.
//
// Video ids arrive as one JSON array bound to `json_each(?)` rather than one parameter per id: D1 takes at most
// 100 bound parameters per statement, and a studio page may ask for 100 videos plus a creator filter.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from './client';
import { interactions, ledgerEntries, recSignals, videoPrices, videos } from './schema';

export interface StudioVideoRef {
  id: string;
  creatorId: string;
}

export interface StudioFigures {
  /** Views the API recorded (POST /interactions, folded into rec_signals), per video. */
  recordedViews: { videoId: string; views: number }[];
  /** Views in the `interactions` history (what `npm run seed` imports), per video. */
  historicViews: { videoId: string; views: number }[];
  /** Creator earnings per video and currency: the credit side of the creator's payable account. */
  earnings: { videoId: string; currency: string; earnedCents: number }[];
  prices: (typeof videoPrices.$inferSelect)[];
}

function inList(column: AnySQLiteColumn, ids: readonly string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/** The videos among `videoIds` that exist (and belong to `creatorId` when given). */
export async function studioVideos(db: Database, videoIds: readonly string[], creatorId?: string): Promise<StudioVideoRef[]> {
  return db
    .select({ id: videos.id, creatorId: videos.creatorId })
    .from(videos)
    .where(and(inList(videos.id, videoIds), creatorId ? eq(videos.creatorId, creatorId) : undefined))
    .all();
}

/** One D1 round trip for every figure of `refs`. */
export async function studioFigures(db: Database, refs: readonly StudioVideoRef[]): Promise<StudioFigures> {
  const videoIds = refs.map((ref) => ref.id);
  const creatorIds = [...new Set(refs.map((ref) => ref.creatorId))];
  const [recordedViews, historicViews, earnings, prices] = await db.batch([
    db
      .select({ videoId: recSignals.videoId, views: sql<number>`SUM(${recSignals.views})` })
      .from(recSignals)
      .where(inList(recSignals.videoId, videoIds))
      .groupBy(recSignals.videoId),
    db
      .select({ videoId: interactions.videoId, views: sql<number>`COUNT(*)` })
      .from(interactions)
      .where(and(inList(interactions.videoId, videoIds), eq(interactions.kind, 'view')))
      .groupBy(interactions.videoId),
    // Entries carry the payment's creator, so filtering on creator_id first uses ledger_entries_creator_occurred.
    // The creator's payable account moves by their share of each sale and back by their part of each refund or
    // chargeback; processing fees are posted against the platform (domain/payments/ledger.ts), never the creator.
    db
      .select({
        videoId: sql<string>`${ledgerEntries.videoId}`,
        currency: ledgerEntries.currency,
        earnedCents: sql<number>`-SUM(${ledgerEntries.amount})`,
      })
      .from(ledgerEntries)
      .where(
        and(
          inList(ledgerEntries.creatorId, creatorIds),
          inList(ledgerEntries.videoId, videoIds),
          sql`${ledgerEntries.account} = 'creator_payable:' || ${ledgerEntries.creatorId}`,
        ),
      )
      .groupBy(ledgerEntries.videoId, ledgerEntries.currency),
    db.select().from(videoPrices).where(inList(videoPrices.videoId, videoIds)),
  ]);
  return { recordedViews, historicViews, earnings, prices };
}
