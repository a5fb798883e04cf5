// The edge's entitlement check for paid videos' files (GET /api/v1/videos/{id}/hls/{path}); the decision itself is
// app/playback/check-playback-access.ts, shared with the swarm tracker's upgrade. A video is paid
// when it has a price (video_prices). Its creator and admins always pass; everyone else needs a playback token
// for this video (POST /api/v1/videos/{id}/playback-token, issued only with an entitlement), sent as
// `Authorization: Bearer <token>` or `?pt=<token>`. Free videos stay open. The check runs before the edge cache
// is consulted, so a cached playlist or segment is never served past it.
//
// Revocation (refund, chargeback, subscription ended): a token is signed for 10 minutes, so on its own it would
// outlive the entitlement it was issued for. Every playlist request therefore re-reads the entitlement (one
// indexed D1 read: entitlements by user and video/creator, or the user's role for editor tokens) and answers 403
// `entitlement_revoked` the moment it is gone. Segments are not re-checked: a player fetches a playlist once per
// rendition and then dozens of segments per minute, so a per-segment read would multiply D1 reads by the segment
// count for no gain in what can be stopped — segment bytes also travel between viewers over P2P, where no edge
// check can reach. A revoked viewer who already holds a media playlist can therefore finish fetching its
// segments over HTTP until the token expires (at most PLAYBACK_TOKEN_TTL_SECONDS); starting, reloading,
// switching rendition or renewing the token all fail at once.
import type { Context } from 'hono';
import { openDatabase } from '../adapters/db/client';
import { checkPlaybackAccess, type PlaybackRefusal } from '../app/playback/check-playback-access';
import { isPlaybackTokenShaped } from '../domain/payments/playback-token';
import type { AppEnv } from './env';
import { ApiError, notFound } from './errors';
import { viewerOf } from './middleware/auth';

function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? (match[1] as string) : null;
}

/**
 * A playback token in the Authorization header is not an API credential: the authentication middleware lets
 * such requests through anonymously (app.ts) and this check is what reads the token.
 */
export function carriesPlaybackBearer(c: Context<AppEnv>): boolean {
  const bearer = bearerOf(c.req.header('Authorization'));
  return bearer !== null && isPlaybackTokenShaped(bearer);
}

/** The playback token a request carries: `Authorization: Bearer <token>` or `?pt=<token>`. */
export function playbackTokenOf(c: Context<AppEnv>): string | null {
  const bearer = bearerOf(c.req.header('Authorization'));
  return (bearer && isPlaybackTokenShaped(bearer) ? bearer : null) ?? c.req.query('pt') ?? null;
}

/** The signed-in caller as the playback check sees it (API keys act for their owner). */
export function playbackViewerOf(c: Context<AppEnv>) {
  const viewer = viewerOf(c);
  return viewer ? { userId: viewer.userId, role: viewer.role } : null;
}

/** The API error a refused playback check answers with; `resource` names what a stranger is told is missing. */
export function playbackRefusalError(reason: PlaybackRefusal, resource: string): ApiError {
  switch (reason) {
    case 'not_found':
      return notFound(resource);
    case 'token_required':
      return new ApiError(
        401,
        'playback_token_required',
        'This video is paid: get a playback token from POST /api/v1/videos/{id}/playback-token',
      );
    case 'token_expired':
      return new ApiError(401, 'playback_token_expired', 'Playback token expired or invalid');
    case 'token_invalid':
      return new ApiError(401, 'playback_token_invalid', 'Playback token expired or invalid');
    case 'token_mismatch':
      return new ApiError(403, 'playback_token_mismatch', 'This playback token is for another video');
    case 'entitlement_revoked':
      return new ApiError(403, 'entitlement_revoked', 'The purchase, rental or subscription behind this playback token has ended');
  }
}

/** What the file route needs to know after the check: the token to write into served playlists, if any. */
export interface PlaybackAccess {
  token: string | null;
}

const isPlaylist = (path: string) => path.endsWith('.m3u8');

/**
 * `restricted`: the video is private or not yet published, so only its creator and admins may play it; anyone
 * else is answered 404, as if the video did not exist. Only playlists re-check the entitlement (top of file).
 */
export async function requirePlaybackAccess(
  c: Context<AppEnv>,
  video: { id: string; creatorId: string },
  path = '',
  options: { restricted?: boolean } = {},
): Promise<PlaybackAccess> {
  const result = await checkPlaybackAccess(
    { db: openDatabase(c.env.DB), jwtSecret: c.get('config').jwtSecret, now: Date.now() },
    {
      video,
      viewer: playbackViewerOf(c),
      token: playbackTokenOf(c),
      restricted: options.restricted === true,
      recheckEntitlement: isPlaylist(path),
    },
  );
  if (!result.ok) throw playbackRefusalError(result.reason, 'File');
  return { token: result.token };
}
