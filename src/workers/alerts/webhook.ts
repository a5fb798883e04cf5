// Delivery of alert webhooks (the `alert.notify` handler of the domain-events queue). The body is signed with
// ALERT_WEBHOOK_SECRET (domain/alerts/signature.ts); a non-2xx answer or a network failure throws, so the queue
// retries with backoff and finally dead-letters. Every attempt is recorded in alert_notifications, and so is a
// refusal: nothing is sent unsigned (no secret configured) or to an address webhooks must not reach.
// Delivery is at-least-once: a receiver may see the same event twice (e.g. when the receiver answered but the
// acknowledgement was lost) and should deduplicate on X-VibeStream-Event-Id / the body's `id`.
import type { BatchItem } from 'drizzle-orm/batch';
import { findAlert, notificationAttemptStatement, recordNotificationAttempt } from '../../adapters/db/alerts-repo';
import type { Database } from '../../adapters/db/client';
import { SIGNATURE_HEADER, signPayload } from '../../domain/alerts/signature';
import { errorMessage } from '../../domain/errors';
import type { DomainEvent } from '../../domain/events';
import { REFUSAL_MESSAGES } from '../../domain/network-address';
import type { Env } from '../../env';
import { loadConfig } from '../config';
import { checkNotifyUrl } from './webhook-target';

const WEBHOOK_TIMEOUT_MS = 10_000;

export function webhookBody(event: DomainEvent<'alert.notify'>): string {
  return JSON.stringify({
    id: event.id,
    type: `alert.${event.data.transition}`,
    occurredAt: new Date(event.occurredAt).toISOString(),
    alert: event.data.alert,
  });
}

export async function deliverAlertWebhook(
  event: DomainEvent<'alert.notify'>,
  db: Database,
  env: Env,
  now = Date.now(),
): Promise<BatchItem<'sqlite'>[]> {
  const { notifyUrl, transition, alert } = event.data;
  // The rule (and with it the alert) was deleted meanwhile: nobody is waiting for this any more.
  if (!(await findAlert(db, alert.id))) return [];

  const config = loadConfig(env);
  const attempt = {
    alertId: alert.id,
    eventId: event.id,
    transition,
    url: notifyUrl,
    attempt: (await previousAttempts(db, event.id)) + 1,
    attemptedAt: now,
  };
  // Checked again here (the API checks on write): a rule saved before the check, or a replayed event, must not
  // reach anything else. A refusal is recorded, not retried: retrying cannot change the answer.
  const target = checkNotifyUrl(notifyUrl, config, env);
  const secret = config.alertWebhookSecret;
  if (!target.ok || !secret) {
    const error = target.ok ? 'not sent: ALERT_WEBHOOK_SECRET is not set' : `not sent: the URL ${REFUSAL_MESSAGES[target.reason]}`;
    console.warn(JSON.stringify({ level: 'warn', msg: 'alert webhook refused', eventId: event.id, error }));
    return [notificationAttemptStatement(db, { ...attempt, status: null, error })];
  }

  const body = webhookBody(event);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'VibeStream-Alerts/1.0',
    'X-VibeStream-Event-Id': event.id,
    [SIGNATURE_HEADER]: await signPayload(body, secret, Math.floor(now / 1000)),
  };
  let response: Response;
  try {
    // No redirects: a 3xx could lead the signed payload to a host the rule never named, or bounce a public URL to
    // a private one the check above would have refused. A 3xx answer counts as a failure below.
    response = await fetch(notifyUrl, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    const message = errorMessage(error);
    await recordNotificationAttempt(db, { ...attempt, status: null, error: message.slice(0, 500) });
    throw new Error(`alert webhook failed: ${message}`);
  }
  // The receiver's body is not needed; cancel it so the connection is released.
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) {
    await recordNotificationAttempt(db, { ...attempt, status: response.status, error: `HTTP ${response.status}` });
    throw new Error(`alert webhook answered HTTP ${response.status}`);
  }
  return [notificationAttemptStatement(db, { ...attempt, status: response.status, error: null })];
}

async function previousAttempts(db: Database, eventId: string): Promise<number> {
  const rows = await db.query.alertNotifications.findMany({ where: (n, { eq }) => eq(n.eventId, eventId), columns: { id: true } });
  return rows.length;
}
