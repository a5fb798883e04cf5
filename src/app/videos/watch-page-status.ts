// The HTTP status of a watch page shell (/watch/{id}): 404 when there is no published video behind the id, so
// crawlers, link checkers and browsers see a missing video as missing. The page itself still loads and says so,
// with a way back; a creator previewing an unpublished video is signed in through the page script, which the
// status cannot know about, and gets the same working page.
import type { Database } from '../../adapters/db/client';
import { findVideo } from '../../adapters/db/videos-repo';
import { VIDEO_ID_PATTERN } from '../../domain/ids';

export async function watchPageStatus(deps: { db: Database }, videoId: string): Promise<200 | 404> {
  if (!VIDEO_ID_PATTERN.test(videoId)) return 404;
  const video = await findVideo(deps.db, videoId);
  return video && video.status === 'ready' ? 200 : 404;
}
