// Bookkeeping of the event consumers: what finished, what is failing, what died.

import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from './client';
import { beforeKeyset } from './keyset';
import { deadLetters, eventFailures, processedEvents } from './schema';

export async function wasProcessed(db: Database, eventId: string, handler: string): Promise<boolean> {
  const row = await db
    .select({ eventId: processedEvents.eventId })
    .from(processedEvents)
    .where(and(eq(processedEvents.eventId, eventId), eq(processedEvents.handler, handler)))
    .get();
  return row !== undefined;
}

export function markProcessedStatement(db: Database, eventId: string, handler: string, now: number) {
  return db.insert(processedEvents).values({ eventId, handler, processedAt: now }).onConflictDoNothing();
}

export async function recordFailure(
  db: Database,
  failure: { eventId: string; eventType: string; queue: string; attempts: number; error: string },
  now: number,
) {
  const lastError = failure.error.slice(0, 2000);
  await db
    .insert(eventFailures)
    .values({ ...failure, lastError, lastFailedAt: now })
    .onConflictDoUpdate({ target: eventFailures.eventId, set: { attempts: failure.attempts, lastError, lastFailedAt: now } });
}

export async function clearFailure(db: Database, eventId: string) {
  await db.delete(eventFailures).where(eq(eventFailures.eventId, eventId));
}

export async function findFailure(db: Database, eventId: string) {
  return db.select().from(eventFailures).where(eq(eventFailures.eventId, eventId)).get();
}

export async function insertDeadLetter(db: Database, row: typeof deadLetters.$inferInsert) {
  await db.insert(deadLetters).values(row).onConflictDoNothing();
}

export async function listDeadLetters(db: Database, before: { receivedAt: number; id: string } | null, limit: number) {
  const query = db.select().from(deadLetters);
  const filtered = before ? query.where(beforeKeyset(deadLetters.receivedAt, deadLetters.id, [before.receivedAt, before.id])) : query;
  return filtered
    .orderBy(desc(deadLetters.receivedAt), desc(deadLetters.id))
    .limit(limit + 1)
    .all();
}

export async function findDeadLetter(db: Database, id: string) {
  return db.select().from(deadLetters).where(eq(deadLetters.id, id)).get();
}

export async function markDeadLetterReplayed(db: Database, id: string, now: number) {
  await db.update(deadLetters).set({ replayedAt: now }).where(eq(deadLetters.id, id));
}

export async function purgeProcessedEvents(db: Database, olderThan: number) {
  await db.delete(processedEvents).where(lt(processedEvents.processedAt, olderThan));
}
