// Which code runs for which domain event. A handler returns the D1 statements of its effect; the consumer
// commits them in one batch together with the "processed" marker, so the effect and the marker land
// together or not at all. Handlers with effects outside D1 must make those idempotent themselves.
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../adapters/db/client';
import { auditLog } from '../../adapters/db/schema';
import type { AnyDomainEvent, EventType } from '../../domain/events';
import type { Env } from '../../env';
import { deliverAlertWebhook } from '../alerts/webhook';
import { ipfsStoreHandler, ipfsUnpinHandler } from '../ipfs/handlers';
import { paymentEventHandler } from '../payments/event-handler';
import { recommendationSignalsHandler } from '../recommendations/signals-handler';

export interface HandlerContext {
  db: Database;
  env: Env;
}

export interface EventHandler {
  /** Stable name: it is part of the processed-event key, renaming it re-runs old events. */
  name: string;
  handles: readonly EventType[];
  handle(event: AnyDomainEvent, ctx: HandlerContext): Promise<BatchItem<'sqlite'>[]>;
}

const subjectOf = (event: AnyDomainEvent): { type: string; id: string } => {
  switch (event.type) {
    case 'user.signed_up':
    case 'user.role_changed':
      return { type: 'user', id: event.data.userId };
    case 'api_key.created':
    case 'api_key.revoked':
      return { type: 'api_key', id: event.data.keyId };
    case 'video.created':
    case 'video.updated':
    case 'video.deleted':
      return { type: 'video', id: event.data.videoId };
    case 'system.ping':
      return { type: 'system', id: event.data.queue };
    case 'alert.notify':
      return { type: 'alert', id: event.data.alert.id };
    case 'ipfs.video_uploaded':
      return { type: 'video', id: event.data.videoId };
    case 'interaction.recorded':
      return { type: 'video', id: event.data.videoId };
    case 'payment.event_received':
      return { type: 'payment_event', id: event.data.paymentEventId };
  }
};

/** The audit trail: every security- or catalog-relevant event, keyed by event id (so never twice). */
export const auditHandler: EventHandler = {
  name: 'audit-log',
  handles: ['user.signed_up', 'user.role_changed', 'api_key.created', 'api_key.revoked', 'video.created', 'video.updated', 'video.deleted'],
  async handle(event, { db }) {
    const subject = subjectOf(event);
    return [
      db
        .insert(auditLog)
        .values({
          id: event.id,
          action: event.type,
          actorId: event.actorId,
          subjectType: subject.type,
          subjectId: subject.id,
          data: event.data as Record<string, unknown>,
          occurredAt: event.occurredAt,
        })
        .onConflictDoNothing(),
    ];
  },
};

/** Alert webhooks: POSTs the signed alert to its rule's notifyUrl (see workers/alerts/webhook.ts). */
export const alertWebhookHandler: EventHandler = {
  name: 'alert-webhook',
  handles: ['alert.notify'],
  async handle(event, { db, env }) {
    return event.type === 'alert.notify' ? deliverAlertWebhook(event, db, env) : [];
  },
};

export const handlers: readonly EventHandler[] = [
  auditHandler,
  paymentEventHandler,
  alertWebhookHandler,
  recommendationSignalsHandler,
  ipfsStoreHandler,
  ipfsUnpinHandler,
];

export function handlersFor(type: EventType, registry: readonly EventHandler[] = handlers): EventHandler[] {
  return registry.filter((handler) => handler.handles.includes(type));
}
