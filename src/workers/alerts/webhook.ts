// Delivery of alert webhooks (the `alert.notify` handler of the domain-events queue). The body is signed with
// ALERT_WEBHOOK_SECRET (domain/alerts/signature.ts); a non-2xx answer or a network failure throws, so the queue
// retries with backoff and finally dead-letters. Every attempt is recorded in alert_notifications.
// Delivery is at-least-once: a receiver may see the same event twice (e.g. when the receiver answered but the
// acknowledgement was lost) and should deduplicate on X-VibeStream-Event-Id / the body's `id`.
import type { BatchItem } from 'drizzle-orm/batch';
import { findAlert, notificationAttemptStatement, recordNotificationAttempt } from '../../adapters/db/alerts-repo';
import type { Database } from '../../adapters/db/client';
import { isAllowedNotifyUrl } from '../../domain/alerts/rules';
import { SIGNATURE_HEADER, signPayload } from '../../domain/alerts/signature';
import type { DomainEvent } from '../../domain/events';
import type { Env } from '../env';

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
  env: Pick<Env, 'ALERT_WEBHOOK_SECRET'>,
  now = Date.now(),
): Promise<BatchItem<'sqlite'>[]> {
  const { notifyUrl, transition, alert } = event.data;
  // Checked again here (the API checks on write): a stored or replayed event must not reach anything else.
  if (!isAllowedNotifyUrl(notifyUrl)) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'alert webhook url not allowed, dropped', eventId: event.id }));
    return [];
  }
  // The rule (and with it the alert) was deleted meanwhile: nobody is waiting for this any more.
  if (!(await findAlert(db, alert.id))) return [];

  const body = webhookBody(event);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'VibeStream-Alerts/1.0',
    'X-VibeStream-Event-Id': event.id,
  };
  const secret = env.ALERT_WEBHOOK_SECRET;
  if (secret) headers[SIGNATURE_HEADER] = await signPayload(body, secret, Math.floor(now / 1000));
  else console.warn(JSON.stringify({ level: 'warn', msg: 'ALERT_WEBHOOK_SECRET is not set; sending alert webhook unsigned' }));

  const attempt = {
    alertId: alert.id,
    eventId: event.id,
    transition,
    url: notifyUrl,
    attempt: (await previousAttempts(db, event.id)) + 1,
    attemptedAt: now,
  };
  let response: Response;
  try {
    // No redirects: a 3xx could lead the signed payload to a host the rule never named.
    response = await fetch(notifyUrl, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
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
