// The video a caller may change: its creator's or, for an admin, anyone's. A video the caller cannot even see
// reads as missing, so an id never confirms that someone else's draft exists.
import type { Database } from '../../adapters/db/client';
import { findVideo, type VideoWithCreator } from '../../adapters/db/videos-repo';
import { canEdit, canView, type Viewer } from '../../domain/catalog';

export type EditableVideo = { ok: true; video: VideoWithCreator } | { ok: false; reason: 'not_found' | 'forbidden' };

export async function findEditableVideo(deps: { db: Database }, videoId: string, viewer: Viewer): Promise<EditableVideo> {
  const video = await findVideo(deps.db, videoId);
  if (!video || !canView(video, viewer)) return { ok: false, reason: 'not_found' };
  if (!canEdit(video, viewer)) return { ok: false, reason: 'forbidden' };
  return { ok: true, video };
}
