// Who may join a video's swarm (the tracker's WebSocket upgrade, GET /api/v1/tracker/{videoId}). Peers hand each
// other the video's segments, so the swarm is exactly as open as the video's files: the same decision as the HLS
// file route (app/playback/check-playback-access.ts), with the entitlement re-read on every join so a refunded
// buyer cannot rejoin with a token issued before the refund. Only published videos get a swarm; private ones
// only for their creator and admins (an editor playback token), and to anyone else they do not exist.
//
// The socket outlives the token on purpose: a playback token lasts 10 minutes and a viewer watches for longer, so
// the check is made when the socket opens, and a player joining again later brings its renewed token.
import type { Database } from '../../adapters/db/client';
import { findVideo } from '../../adapters/db/videos-repo';
import type { Role } from '../../domain/roles';
import { checkPlaybackAccess, type PlaybackRefusal } from '../playback/check-playback-access';

// Video ids are short; a longer path segment cannot name one, so it is answered without touching D1.
const MAX_VIDEO_ID_LENGTH = 64;

export type SwarmJoinDecision = { ok: true; videoId: string } | { ok: false; reason: PlaybackRefusal };

export async function authorizeSwarmJoin(
  deps: { db: Database; jwtSecret: string; now: number },
  request: { videoId: string; viewer: { userId: string; role: Role } | null; playbackToken: string | null },
): Promise<SwarmJoinDecision> {
  const video = request.videoId.length <= MAX_VIDEO_ID_LENGTH ? await findVideo(deps.db, request.videoId) : undefined;
  // Only videos that play get a swarm: drafts and videos still being stored have nothing to share yet.
  if (video?.status !== 'ready') return { ok: false, reason: 'not_found' };
  const access = await checkPlaybackAccess(deps, {
    video,
    viewer: request.viewer,
    token: request.playbackToken,
    restricted: video.visibility === 'private',
    recheckEntitlement: true,
  });
  return access.ok ? { ok: true, videoId: video.id } : access;
}
