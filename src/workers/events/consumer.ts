// Queue consumer adapter: parse → dispatch by event type → commit effect + processed marker → ack.
// Failure of any handler retries the message with exponential backoff (the handlers that already finished
// are skipped on redelivery); after max_retries Cloudflare moves it to the dead-letter queue, whose consumer
// records it in D1 with the last error for operators to inspect and replay.
import { openDatabase } from '../../adapters/db/client';
import {
  clearFailure,
  findFailure,
  insertDeadLetter,
  markProcessedStatement,
  recordFailure,
  wasProcessed,
} from '../../adapters/db/events-repo';
import { flushMonitoringIfDue, recordQueueOutcome } from '../../app/monitoring/isolate-metrics';
import { errorMessage } from '../../domain/errors';
import { parseEvent, retryDelaySeconds } from '../../domain/events';
import type { Env } from '../../env';
import { handlers as defaultHandlers, type EventHandler, handlersFor } from './handlers';

export const isDeadLetterQueue = (queue: string) => queue.endsWith('-dlq');
// Metrics label a dead letter with the queue it died in, not the dead-letter queue that carried it.
const sourceQueueOf = (queue: string) => (isDeadLetterQueue(queue) ? queue.slice(0, -'-dlq'.length) : queue);

export async function consumeBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  registry: readonly EventHandler[] = defaultHandlers,
): Promise<void> {
  const db = openDatabase(env.DB);
  if (isDeadLetterQueue(batch.queue)) {
    for (const message of batch.messages) await recordDeadLetter(db, batch.queue, message);
    await flushMonitoringIfDue(env);
    return;
  }
  // One message at a time keeps D1 writes ordered and a failure confined to its own message.
  for (const message of batch.messages) {
    const parsed = parseEvent(message.body);
    if (!parsed.ok) {
      // Poison: retrying cannot make it valid. Straight to the dead letters, with the reason.
      console.error(JSON.stringify({ level: 'error', msg: 'malformed event', queue: batch.queue, messageId: message.id }));
      await insertDeadLetter(db, {
        id: message.id,
        queue: batch.queue,
        eventId: null,
        eventType: null,
        body: safeStringify(message.body),
        attempts: message.attempts,
        lastError: `malformed event: ${parsed.error}`,
        receivedAt: Date.now(),
      });
      message.ack();
      recordQueueOutcome(batch.queue, 'dead_lettered');
      continue;
    }
    const event = parsed.event;
    try {
      for (const handler of handlersFor(event.type, registry)) {
        if (await wasProcessed(db, event.id, handler.name)) continue;
        const effects = await handler.handle(event, { db, env });
        await db.batch([markProcessedStatement(db, event.id, handler.name, Date.now()), ...effects]);
      }
      if (message.attempts > 1) await clearFailure(db, event.id);
      message.ack();
      recordQueueOutcome(batch.queue, 'processed');
    } catch (error) {
      const reason = errorMessage(error);
      console.error(
        JSON.stringify({
          level: 'warn',
          msg: 'event handler failed',
          eventId: event.id,
          type: event.type,
          attempts: message.attempts,
          reason,
        }),
      );
      await recordFailure(
        db,
        { eventId: event.id, eventType: event.type, queue: batch.queue, attempts: message.attempts, error: reason },
        Date.now(),
      ).catch(() => {});
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      recordQueueOutcome(batch.queue, 'retried');
    }
  }
  await flushMonitoringIfDue(env);
}

async function recordDeadLetter(db: ReturnType<typeof openDatabase>, queue: string, message: Message<unknown>) {
  const parsed = parseEvent(message.body);
  const eventId = parsed.ok ? parsed.event.id : null;
  const failure = eventId ? await findFailure(db, eventId) : undefined;
  await insertDeadLetter(db, {
    id: message.id,
    queue,
    eventId,
    eventType: parsed.ok ? parsed.event.type : null,
    body: safeStringify(message.body),
    attempts: failure?.attempts ?? message.attempts,
    lastError: failure?.lastError ?? (parsed.ok ? null : `malformed event: ${parsed.error}`),
    receivedAt: Date.now(),
  });
  console.error(JSON.stringify({ level: 'error', msg: 'dead letter recorded', queue, messageId: message.id, eventId }));
  message.ack();
  recordQueueOutcome(sourceQueueOf(queue), 'dead_lettered');
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
