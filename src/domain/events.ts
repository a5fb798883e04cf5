// Typed domain events: the one definition shared by every producer and consumer. An event is an envelope
// (id, type, time, actor) around a payload whose shape is fixed by its type; consumers validate the whole
// envelope, so a malformed message is recognised as poison instead of failing deep inside a handler.
import { z } from 'zod';
import { INTERACTION_KINDS } from './recommendations/signals';

const id = z.string().min(1).max(128);

export const eventPayloadSchemas = {
  // Sent by the health check to prove a queue accepts and delivers messages; handlers ignore it.
  'system.ping': z.strictObject({ queue: z.string() }),
  'user.signed_up': z.strictObject({ userId: id, role: z.string() }),
  'user.role_changed': z.strictObject({ userId: id, from: z.string(), to: z.string() }),
  'api_key.created': z.strictObject({ keyId: id, userId: id, scopes: z.array(z.string()) }),
  'api_key.revoked': z.strictObject({ keyId: id, userId: id }),
  'video.created': z.strictObject({ videoId: id, creatorId: id, visibility: z.string() }),
  'video.updated': z.strictObject({ videoId: id, creatorId: id, fields: z.array(z.string()) }),
  'video.deleted': z.strictObject({ videoId: id, creatorId: id }),
  // An alert opened or resolved and its rule has a webhook: the handler POSTs `alert` (signed) to `notifyUrl`.
  'alert.notify': z.strictObject({
    notifyUrl: z.url(),
    transition: z.enum(['opened', 'resolved']),
    alert: z.strictObject({
      id,
      ruleId: id,
      ruleName: z.string(),
      metric: z.string(),
      scope: z.enum(['fleet', 'session']),
      scopeKey: z.string(),
      state: z.enum(['firing', 'resolved']),
      value: z.number().nullable(),
      threshold: z.number(),
      startedAt: z.string(),
      resolvedAt: z.string().nullable(),
    }),
  }),
  // Recommendations: a viewer's implicit feedback on a video (POST /api/v1/interactions), folded into
  // rec_signals by the consumer, so the player never waits on that write.
  'interaction.recorded': z.strictObject({
    userId: id,
    videoId: id,
    kind: z.enum(INTERACTION_KINDS),
    watchFraction: z.number().min(0).max(1).nullable(),
    region: z.string().max(2),
  }),
  // IPFS storage (the ipfs-jobs queue): a published video's files are in R2 and wait to be added to the
  // configured Kubo nodes and pinned; the video becomes ready once that is done.
  'ipfs.video_uploaded': z.strictObject({ videoId: id, creatorId: id }),
  // Payments (payments queue): a verified provider webhook was stored in payment_events; the consumer applies it.
  'payment.event_received': z.strictObject({
    provider: z.enum(['stripe', 'paypal', 'coinbase']),
    paymentEventId: id,
  }),
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export const EVENT_TYPES = Object.keys(eventPayloadSchemas) as EventType[];
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  occurredAt: number; // epoch ms
  actorId: string | null;
  data: EventPayload<T>;
}
export type AnyDomainEvent = { [T in EventType]: DomainEvent<T> }[EventType];

const envelopeSchema = z.strictObject({
  id,
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
  occurredAt: z.number().int().nonnegative(),
  actorId: id.nullable(),
  data: z.unknown(),
});

export function createEvent<T extends EventType>(
  type: T,
  data: EventPayload<T>,
  actorId: string | null = null,
  now = Date.now(),
): DomainEvent<T> {
  return { id: `evt_${crypto.randomUUID()}`, type, occurredAt: now, actorId, data };
}

export type ParsedEvent = { ok: true; event: AnyDomainEvent } | { ok: false; error: string };

export function parseEvent(body: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, error: z.prettifyError(envelope.error) };
  const payload = eventPayloadSchemas[envelope.data.type].safeParse(envelope.data.data);
  if (!payload.success) return { ok: false, error: z.prettifyError(payload.error) };
  return { ok: true, event: { ...envelope.data, data: payload.data } as AnyDomainEvent };
}

// Which queue carries which events: payments and IPFS work get their own queues (own retry budgets and
// dead-letter queues), everything else rides the general domain-events queue.
export type QueueName = 'domain' | 'payments' | 'ipfs';
export function queueFor(type: EventType): QueueName {
  if (type.startsWith('payment.')) return 'payments';
  if (type.startsWith('ipfs.')) return 'ipfs';
  return 'domain';
}

// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): retries of
// many failing messages spread out instead of arriving together. `attempts` is the delivery count (1 = first).
export const BACKOFF_BASE_SECONDS = 5;
export const BACKOFF_CAP_SECONDS = 15 * 60;
export function retryDelaySeconds(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
  return Math.max(1, Math.round(ceiling * random()));
}
