// Consumer side of POST /api/v1/interactions: folds an `interaction.recorded` event into rec_signals. The
// consumer commits the upsert together with the processed-event marker, so a redelivered event adds nothing.
import { eq } from 'drizzle-orm';
import { upsertSignalStatement } from '../../adapters/db/recommendations-repo';
import { users, videos } from '../../adapters/db/schema';
import type { EventHandler } from '../events/handlers';

export const recommendationSignalsHandler: EventHandler = {
  name: 'recommendation-signals',
  handles: ['interaction.recorded'],
  async handle(event, { db }) {
    if (event.type !== 'interaction.recorded') return [];
    const { userId, videoId, kind, watchFraction, region } = event.data;
    // The video or the account may have been deleted since: nothing to record then (and no foreign-key failure
    // that would send the event to the dead letters).
    const [video, user] = await db.batch([
      db.select({ id: videos.id }).from(videos).where(eq(videos.id, videoId)).limit(1),
      db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1),
    ]);
    if (video.length === 0 || user.length === 0) return [];
    return [upsertSignalStatement(db, userId, videoId, region, { kind, watchFraction, at: event.occurredAt })];
  },
};
