import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/adapters/db/client';
import { outboxStatements } from '../../src/adapters/queues/event-bus';
import { createEvent } from '../../src/domain/events';
import { consumeBatch } from '../../src/workers/events/consumer';
import type { EventHandler } from '../../src/workers/events/handlers';
import worker from '../../src/workers/index';
import { api, countRows, signUp, signUpAdmin } from './helpers';

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const message = (body: unknown, attempts = 1, id = crypto.randomUUID()) => ({ id, timestamp: new Date(), body, attempts });

describe('event bus', () => {
  it('carries a sign-up through the outbox and the real queue into the audit log', async () => {
    const user = await signUp('creator');
    const row = await eventually(
      () =>
        env.DB.prepare("SELECT action, actor_id FROM audit_log WHERE subject_id = ? AND action = 'user.signed_up'")
          .bind(user.user.id)
          .first(),
      (value) => value !== null,
    );
    expect(row).toEqual({ action: 'user.signed_up', actor_id: user.user.id });
    const outbox = await eventually(
      () => countRows('event_outbox'),
      (n) => n === 0,
    );
    expect(outbox).toBe(0);
  });

  it('processes a redelivered event once', async () => {
    const event = createEvent('video.deleted', { videoId: 'vid_redelivered', creatorId: 'usr_x' }, 'usr_x');
    for (let i = 0; i < 3; i++) {
      const batch = createMessageBatch('vibestream-domain-events', [message(event, i + 1)]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toHaveLength(1);
    }
    const rows = await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE id = ?').bind(event.id).first<{ n: number }>();
    expect(rows?.n).toBe(1);
    // One mark per handler subscribed to the event (the audit log and storage cleanup), however often it came.
    const processed = await env.DB.prepare('SELECT handler, COUNT(*) AS n FROM processed_events WHERE event_id = ? GROUP BY handler')
      .bind(event.id)
      .all<{ handler: string; n: number }>();
    expect(processed.results.map((row) => row.handler).sort()).toEqual(['audit-log', 'ipfs-unpin']);
    for (const row of processed.results) expect(row.n, row.handler).toBe(1);
  });

  it('retries a failing handler with backoff, skipping handlers that already finished', async () => {
    let flakyCalls = 0;
    let steadyCalls = 0;
    const steady: EventHandler = {
      name: 'steady',
      handles: ['video.created'],
      handle: async () => {
        steadyCalls++;
        return [];
      },
    };
    const flaky: EventHandler = {
      name: 'flaky',
      handles: ['video.created'],
      handle: async () => {
        flakyCalls++;
        if (flakyCalls === 1) throw new Error('downstream timeout');
        return [];
      },
    };
    const event = createEvent('video.created', { videoId: 'vid_flaky', creatorId: 'usr_x', visibility: 'public' });

    const first = createMessageBatch('vibestream-domain-events', [message(event, 1)]);
    const ctx1 = createExecutionContext();
    const retrySpy = vi.spyOn(first.messages[0] as Message<unknown>, 'retry');
    await consumeBatch(first, env, [steady, flaky]);
    const result1 = await getQueueResult(first, ctx1);
    expect(result1.explicitAcks).toHaveLength(0);
    expect(result1.retryMessages).toHaveLength(1);
    // First retry: full jitter within [1, BACKOFF_BASE_SECONDS].
    const delay = retrySpy.mock.calls[0]?.[0]?.delaySeconds ?? 0;
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThanOrEqual(5);
    const failure = await env.DB.prepare('SELECT attempts, last_error FROM event_failures WHERE event_id = ?').bind(event.id).first();
    expect(failure).toEqual({ attempts: 1, last_error: 'downstream timeout' });

    const second = createMessageBatch('vibestream-domain-events', [message(event, 2)]);
    const ctx2 = createExecutionContext();
    await consumeBatch(second, env, [steady, flaky]);
    const result2 = await getQueueResult(second, ctx2);
    expect(result2.explicitAcks).toHaveLength(1);
    expect(steadyCalls).toBe(1);
    expect(flakyCalls).toBe(2);
    expect(await env.DB.prepare('SELECT 1 FROM event_failures WHERE event_id = ?').bind(event.id).first()).toBeNull();
  });

  it('dead-letters poison messages immediately instead of retrying them', async () => {
    const batch = createMessageBatch('vibestream-domain-events', [message({ type: 'no.such.event', id: 'x' }, 1, 'poison-1')]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['poison-1']);
    const letter = await env.DB.prepare('SELECT queue, last_error FROM dead_letters WHERE id = ?')
      .bind('poison-1')
      .first<{ queue: string; last_error: string }>();
    expect(letter?.queue).toBe('vibestream-domain-events');
    expect(letter?.last_error).toMatch(/malformed event/);
  });

  it('records dead letters with their last error, lists them for admins and replays them', async () => {
    const admin = await signUpAdmin();
    const event = createEvent('video.deleted', { videoId: 'vid_deadletter', creatorId: 'usr_y' }, 'usr_y');
    const db = openDatabase(env.DB);
    await db.insert((await import('../../src/adapters/db/schema')).eventFailures).values({
      eventId: event.id,
      eventType: event.type,
      queue: 'vibestream-domain-events',
      attempts: 6,
      lastError: 'D1 was on fire',
      lastFailedAt: Date.now(),
    });
    const dlq = createMessageBatch('vibestream-domain-events-dlq', [message(event, 1, 'dlq-msg-1')]);
    const ctx = createExecutionContext();
    await worker.queue(dlq, env, ctx);
    expect((await getQueueResult(dlq, ctx)).explicitAcks).toEqual(['dlq-msg-1']);

    const listed = await api('GET', '/api/v1/admin/dead-letters', { token: admin.accessToken });
    expect(listed.status).toBe(200);
    const letter = listed.body.items.find((item: { id: string }) => item.id === 'dlq-msg-1');
    expect(letter).toMatchObject({
      eventId: event.id,
      eventType: 'video.deleted',
      attempts: 6,
      lastError: 'D1 was on fire',
      replayedAt: null,
    });

    const replay = await api('POST', '/api/v1/admin/dead-letters/dlq-msg-1/replay', { token: admin.accessToken });
    expect(replay.status).toBe(202);
    const audited = await eventually(
      () => env.DB.prepare('SELECT action FROM audit_log WHERE id = ?').bind(event.id).first(),
      (row) => row !== null,
    );
    expect(audited).toEqual({ action: 'video.deleted' });
  });

  it('the outbox relay cron sends events whose request never relayed them', async () => {
    const db = openDatabase(env.DB);
    const stale = createEvent('video.deleted', { videoId: 'vid_stale', creatorId: 'usr_z' }, 'usr_z', Date.now() - 5 * 60_000);
    await db.batch(outboxStatements(db, [stale]) as [ReturnType<typeof outboxStatements>[number]]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await env.DB.prepare('SELECT 1 FROM event_outbox WHERE event_id = ?').bind(stale.id).first()).toBeNull();
    const audited = await eventually(
      () => env.DB.prepare('SELECT action FROM audit_log WHERE id = ?').bind(stale.id).first(),
      (row) => row !== null,
    );
    expect(audited).toEqual({ action: 'video.deleted' });
  });

  it('the hourly cron purges refresh tokens long expired', async () => {
    const user = await signUp();
    await env.DB.prepare('UPDATE refresh_tokens SET expires_at = ? WHERE user_id = ?')
      .bind(Date.now() - 8 * 86_400_000, user.user.id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await env.DB.prepare('SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ?')
      .bind(user.user.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
