// The edge's entitlement check for paid videos' files (GET /api/v1/videos/{id}/hls/{path}). A video is paid
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
import { activeEntitlement, isPaidVideo } from '../adapters/db/payments-repo';
import { findUserById } from '../adapters/db/users-repo';
import { isPlaybackTokenShaped, type PlaybackClaims, verifyPlaybackToken } from '../domain/payments/playback-token';
import { roleAtLeast } from '../domain/roles';
import type { AppEnv } from './env';
import { ApiError, notFound } from './errors';

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

/** What the file route needs to know after the check: the token to write into served playlists, if any. */
export interface PlaybackAccess {
  token: string | null;
}

const isPlaylist = (path: string) => path.endsWith('.m3u8');

/** Whether what the token was issued for still holds (see the top of this file for why playlists only). */
async function stillEntitled(c: Context<AppEnv>, claims: PlaybackClaims, video: { id: string; creatorId: string }): Promise<boolean> {
  const db = openDatabase(c.env.DB);
  if (claims.editor) {
    if (claims.userId === video.creatorId) return true;
    const user = await findUserById(db, claims.userId);
    return user !== undefined && roleAtLeast(user.role, 'admin');
  }
  return (await activeEntitlement(db, claims.userId, video, Date.now())) !== undefined;
}

/**
 * `restricted`: the video is private or not yet published, so only its creator and admins may play it. They
 * usually do so with an editor playback token (POST /videos/{id}/playback-token), because a media element cannot
 * send their credentials with every segment request; anyone else is answered 404, as if the video did not exist.
 */
export async function requirePlaybackAccess(
  c: Context<AppEnv>,
  video: { id: string; creatorId: string },
  path = '',
  options: { restricted?: boolean } = {},
): Promise<PlaybackAccess> {
  const principal = c.get('principal');
  if (principal && (principal.kind === 'user' || principal.kind === 'apiKey')) {
    if (principal.userId === video.creatorId || roleAtLeast(principal.role, 'admin')) return { token: null };
  }
  const restricted = options.restricted === true;
  if (!restricted && !(await isPaidVideo(openDatabase(c.env.DB), video.id))) return { token: null };
  const bearer = bearerOf(c.req.header('Authorization'));
  const token = (bearer && isPlaybackTokenShaped(bearer) ? bearer : null) ?? c.req.query('pt') ?? null;
  if (!token) {
    if (restricted) throw notFound('File');
    throw new ApiError(
      401,
      'playback_token_required',
      'This video is paid: get a playback token from POST /api/v1/videos/{id}/playback-token',
    );
  }
  const result = await verifyPlaybackToken(token, c.get('config').jwtSecret);
  if (!result.ok) {
    throw new ApiError(
      401,
      result.reason === 'expired' ? 'playback_token_expired' : 'playback_token_invalid',
      'Playback token expired or invalid',
    );
  }
  if (result.claims.videoId !== video.id) throw new ApiError(403, 'playback_token_mismatch', 'This playback token is for another video');
  // A buyer's token never opens a private or unpublished video; an editor's does while its holder still may edit.
  if (restricted && !(result.claims.editor && (await stillEntitled(c, result.claims, video)))) throw notFound('File');
  if (isPlaylist(path) && !(await stillEntitled(c, result.claims, video))) {
    throw new ApiError(403, 'entitlement_revoked', 'The purchase, rental or subscription behind this playback token has ended');
  }
  return { token };
}
