// Who may fetch a paid or private video's media, as one decision shared by every door to it: the HLS file route
// (workers/playback-access.ts) and the swarm tracker's upgrade (app/swarm/authorize-swarm-join.ts). A video is
// paid when it has a price (video_prices). Its creator and admins always pass; everyone else needs a playback
// token for this video (POST /api/v1/videos/{id}/playback-token, issued only with an entitlement). Free videos
// stay open. `restricted` (private or unpublished) opens only to its creator and admins, usually through an
// editor playback token, because a media element cannot send their credentials with every request.
//
// `recheckEntitlement`: a token is signed for 10 minutes, so on its own it would outlive a refund. Callers that
// start something (a playlist fetch, joining a swarm) re-read the entitlement, or for editor tokens the role, so
// a revoked viewer is refused at once; see workers/playback-access.ts for why segments are not re-checked.
import type { Database } from '../../adapters/db/client';
import { activeEntitlement, isPaidVideo } from '../../adapters/db/payments-repo';
import { findUserById } from '../../adapters/db/users-repo';
import { type PlaybackClaims, verifyPlaybackToken } from '../../domain/payments/playback-token';
import { type Role, roleAtLeast } from '../../domain/roles';

export interface PlaybackAccessRequest {
  video: { id: string; creatorId: string };
  /** The signed-in caller, if the request carried an API credential. */
  viewer: { userId: string; role: Role } | null;
  /** A playback token from the request (header or query), unverified. */
  token: string | null;
  restricted: boolean;
  recheckEntitlement: boolean;
}

export type PlaybackRefusal = 'not_found' | 'token_required' | 'token_expired' | 'token_invalid' | 'token_mismatch' | 'entitlement_revoked';

/** `token`: the verified playback token the caller presented (null when none was needed). */
export type PlaybackAccessResult = { ok: true; token: string | null } | { ok: false; reason: PlaybackRefusal };

export async function checkPlaybackAccess(
  deps: { db: Database; jwtSecret: string; now: number },
  request: PlaybackAccessRequest,
): Promise<PlaybackAccessResult> {
  const { video, viewer, token, restricted } = request;
  if (viewer && (viewer.userId === video.creatorId || roleAtLeast(viewer.role, 'admin'))) return { ok: true, token: null };
  if (!restricted && !(await isPaidVideo(deps.db, video.id))) return { ok: true, token: null };
  if (!token) return { ok: false, reason: restricted ? 'not_found' : 'token_required' };
  const verified = await verifyPlaybackToken(token, deps.jwtSecret);
  if (!verified.ok) return { ok: false, reason: verified.reason === 'expired' ? 'token_expired' : 'token_invalid' };
  if (verified.claims.videoId !== video.id) return { ok: false, reason: 'token_mismatch' };
  // A buyer's token never opens a private or unpublished video; an editor's does while its holder still may edit.
  if (restricted && !(verified.claims.editor && (await stillEntitled(deps, verified.claims, video)))) {
    return { ok: false, reason: 'not_found' };
  }
  if (request.recheckEntitlement && !(await stillEntitled(deps, verified.claims, video))) {
    return { ok: false, reason: 'entitlement_revoked' };
  }
  return { ok: true, token };
}

/** Whether what the token was issued for still holds: the entitlement, or for editor tokens the role. */
async function stillEntitled(
  deps: { db: Database; now: number },
  claims: PlaybackClaims,
  video: { id: string; creatorId: string },
): Promise<boolean> {
  if (claims.editor) {
    if (claims.userId === video.creatorId) return true;
    const user = await findUserById(deps.db, claims.userId);
    return user !== undefined && roleAtLeast(user.role, 'admin');
  }
  return (await activeEntitlement(deps.db, claims.userId, video, deps.now)) !== undefined;
}
