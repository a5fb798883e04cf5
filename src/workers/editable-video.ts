// The video a creator (or an admin) is about to change, shared by the file and resumable-upload routes (a route
// never imports another route). Someone who may not see the video gets 404, as if it did not exist.
import type { Context } from 'hono';
import { openDatabase } from '../adapters/db/client';
import { findVideo, type VideoWithCreator } from '../adapters/db/videos-repo';
import { canEdit, canView } from '../domain/catalog';
import type { AppEnv } from './env';
import { forbidden, notFound } from './errors';
import { principalOf } from './middleware/auth';

export async function editableVideo(c: Context<AppEnv>, id: string): Promise<VideoWithCreator> {
  const principal = principalOf(c);
  const video = await findVideo(openDatabase(c.env.DB), id);
  if (!video || !canView(video, principal)) throw notFound('Video');
  if (!canEdit(video, principal)) throw forbidden('Only the creator of this video or an admin can upload its files');
  return video;
}
