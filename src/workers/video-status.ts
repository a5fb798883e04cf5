// The one way a video's status changes (draft → processing → ready | failed): the row update and its
// `video.updated` event go in one D1 batch (transactional outbox), so subscribers never miss a transition
// and never see one that did not happen. Used by the publish route and by the storage pipeline.
import { openDatabase } from '../adapters/db/client';
import { updateVideoStatements } from '../adapters/db/videos-repo';
import { outboxStatements, queuesOf, relay } from '../adapters/queues/event-bus';
import type { VideoStatus } from '../domain/catalog';
import { createEvent } from '../domain/events';
import type { Env } from '../env';

export async function changeVideoStatus(
  env: Env,
  waitUntil: (promise: Promise<unknown>) => void,
  video: { id: string; creatorId: string },
  status: VideoStatus,
  actorId: string | null,
  now = Date.now(),
  /** Why, for `failed` (shown to the creator in the studio); any other status clears the reason. */
  reason?: string,
): Promise<void> {
  const db = openDatabase(env.DB);
  const statusReason = status === 'failed' ? (reason ?? null) : null;
  const event = createEvent('video.updated', { videoId: video.id, creatorId: video.creatorId, fields: ['status'] }, actorId, now);
  await db.batch([...updateVideoStatements(db, video.id, { status, statusReason, updatedAt: now }), ...outboxStatements(db, [event])] as [
    ReturnType<typeof updateVideoStatements>[number],
  ]);
  // The cron relays whatever this misses (scheduled.ts relayStaleOutbox).
  waitUntil(relay(db, queuesOf(env), [event]).catch(() => {}));
}
