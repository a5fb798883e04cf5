// Wrapped content keys of encrypted videos (content-keys-schema.ts). The first key stored for a video wins:
// two concurrent requests that each generated one both read back the same row.
import { eq } from 'drizzle-orm';
import type { Database } from './client';
import { videoKeys } from './content-keys-schema';

export async function findWrappedKey(db: Database, videoId: string): Promise<string | undefined> {
  const row = await db.select({ wrappedKey: videoKeys.wrappedKey }).from(videoKeys).where(eq(videoKeys.videoId, videoId)).get();
  return row?.wrappedKey;
}

/** Stores `wrappedKey` unless the video has a key already; returns the one stored. */
export async function storeWrappedKeyOnce(db: Database, videoId: string, wrappedKey: string, now: number): Promise<string> {
  await db.insert(videoKeys).values({ videoId, wrappedKey, createdAt: now }).onConflictDoNothing().run();
  const stored = await findWrappedKey(db, videoId);
  if (stored === undefined) throw new Error(`content key of ${videoId} not stored`);
  return stored;
}
