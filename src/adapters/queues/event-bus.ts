// Publishing domain events through the transactional outbox (see event_outbox in schema.ts).
//   1. `outboxStatements(events)` go into the same db.batch() as the change itself (atomic in D1);
//   2. `relay(events)` sends them to their queues and deletes the outbox rows, usually in waitUntil();
//   3. `relayStaleOutbox()` (cron) resends whatever step 2 did not finish.
import { asc, inArray, lt, sql } from 'drizzle-orm';
import { chunk } from '../../domain/collections';
import { type AnyDomainEvent, type QueueName, queueFor } from '../../domain/events';
import type { Env } from '../../env';
import type { Database } from '../db/client';
import { eventOutbox } from '../db/schema';

export type QueueBindings = Record<QueueName, Queue<AnyDomainEvent>>;

export function queuesOf(env: Pick<Env, 'DOMAIN_EVENTS' | 'PAYMENT_EVENTS' | 'IPFS_JOBS'>): QueueBindings {
  return { domain: env.DOMAIN_EVENTS, payments: env.PAYMENT_EVENTS, ipfs: env.IPFS_JOBS };
}

export function outboxStatements(db: Database, events: AnyDomainEvent[]) {
  return events.map((event) =>
    db
      .insert(eventOutbox)
      .values({ eventId: event.id, queue: queueFor(event.type), body: event, createdAt: event.occurredAt })
      .onConflictDoNothing(),
  );
}

// Queues accept at most 100 messages per sendBatch call; D1 at most 100 bound parameters per statement.
const SEND_BATCH_LIMIT = 100;
const PARAMS_PER_STATEMENT = 90;

async function sendGrouped(queues: QueueBindings, events: AnyDomainEvent[]): Promise<void> {
  const byQueue = new Map<QueueName, AnyDomainEvent[]>();
  for (const event of events) {
    const name = queueFor(event.type);
    byQueue.set(name, [...(byQueue.get(name) ?? []), event]);
  }
  for (const [name, group] of byQueue) {
    for (const part of chunk(group, SEND_BATCH_LIMIT)) {
      await queues[name].sendBatch(part.map((body) => ({ body, contentType: 'json' })));
    }
  }
}

export async function relay(db: Database, queues: QueueBindings, events: AnyDomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sendGrouped(queues, events);
  for (const ids of chunk(
    events.map((event) => event.id),
    PARAMS_PER_STATEMENT,
  )) {
    await db.delete(eventOutbox).where(inArray(eventOutbox.eventId, ids));
  }
}

/** Sends outbox rows older than `olderThanMs` (their request's own relay evidently failed). */
export async function relayStaleOutbox(
  db: Database,
  queues: QueueBindings,
  olderThanMs: number,
  now = Date.now(),
  limit = 500,
): Promise<number> {
  const rows = await db
    .select()
    .from(eventOutbox)
    .where(lt(eventOutbox.createdAt, now - olderThanMs))
    .orderBy(asc(eventOutbox.createdAt))
    .limit(limit)
    .all();
  if (rows.length === 0) return 0;
  for (const ids of chunk(
    rows.map((row) => row.eventId),
    PARAMS_PER_STATEMENT,
  )) {
    await db
      .update(eventOutbox)
      .set({ relayAttempts: sql`${eventOutbox.relayAttempts} + 1` })
      .where(inArray(eventOutbox.eventId, ids));
  }
  await relay(
    db,
    queues,
    rows.map((row) => row.body as AnyDomainEvent),
  );
  return rows.length;
}
