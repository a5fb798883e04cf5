// Queue backlog as D1 knows it: Cloudflare Queues expose no depth to a Worker, but the outbox holds every event
// not yet handed to its queue, and dead_letters every message that gave up.
import { count, isNull } from 'drizzle-orm';
import type { Database } from './client';
import { deadLetters, eventOutbox } from './schema';

export interface Backlog {
  outboxPending: number;
  deadLetters: number;
  deadLettersUnreplayed: number;
}

export async function readBacklog(db: Database): Promise<Backlog> {
  const [outbox, letters, unreplayed] = await db.batch([
    db.select({ n: count() }).from(eventOutbox),
    db.select({ n: count() }).from(deadLetters),
    db.select({ n: count() }).from(deadLetters).where(isNull(deadLetters.replayedAt)),
  ]);
  return { outboxPending: outbox[0]?.n ?? 0, deadLetters: letters[0]?.n ?? 0, deadLettersUnreplayed: unreplayed[0]?.n ?? 0 };
}
