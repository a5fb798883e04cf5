// The edge's entitlement check for paid videos' files (GET /api/v1/videos/{id}/hls/{path}). A video is paid
// when it has a price (video_prices). Its creator and admins always pass; everyone else needs a playback token
// for this video (POST /api/v1/videos/{id}/playback-token, issued only with an entitlement), sent as
// `Authorization: Bearer <token>` or `?pt=<token>`. Free videos stay open. The check runs before the edge cache
// is consulted, so a cached playlist or segment is never served past it.
import type { Context } from 'hono';
import { openDatabase } from '../adapters/db/client';
import { isPaidVideo } from '../adapters/db/payments-repo';
import { isPlaybackTokenShaped, verifyPlaybackToken } from '../domain/payments/playback-token';
import { roleAtLeast } from '../domain/roles';
import type { AppEnv } from './env';
import { ApiError } from './errors';

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

export async function requirePlaybackAccess(c: Context<AppEnv>, video: { id: string; creatorId: string }): Promise<void> {
  const principal = c.get('principal');
  if (principal && (principal.kind === 'user' || principal.kind === 'apiKey')) {
    if (principal.userId === video.creatorId || roleAtLeast(principal.role, 'admin')) return;
  }
  if (!(await isPaidVideo(openDatabase(c.env.DB), video.id))) return;
  const bearer = bearerOf(c.req.header('Authorization'));
  const token = (bearer && isPlaybackTokenShaped(bearer) ? bearer : null) ?? c.req.query('pt') ?? null;
  if (!token) {
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
}
