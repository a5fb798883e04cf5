// Playback tokens: short-lived HS256 JWTs (same secret and library as the access tokens in ../auth-tokens.ts,
// their own audience) that let one user fetch one paid video's playlists and segments. Players cannot put
// headers on every request hls.js makes through a <video>, so the token is also accepted as `?pt=`.
import { sign, verify } from 'hono/jwt';

export const PLAYBACK_AUDIENCE = 'vibestream:playback';
const ISSUER = 'vibestream';
export const PLAYBACK_TOKEN_TTL_SECONDS = 600;

export interface PlaybackClaims {
  userId: string;
  videoId: string;
  /**
   * Issued to the video's creator or an admin (no entitlement behind it). The edge re-checks the entitlement, or
   * for editor tokens the role, on every playlist request (workers/playback-access.ts).
   */
  editor?: boolean;
}

export async function issuePlaybackToken(
  claims: PlaybackClaims,
  secret: string,
  ttlSeconds = PLAYBACK_TOKEN_TTL_SECONDS,
  nowMs = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign(
    {
      userId: claims.userId,
      videoId: claims.videoId,
      editor: claims.editor === true,
      iss: ISSUER,
      aud: PLAYBACK_AUDIENCE,
      iat,
      nbf: iat,
      exp,
    },
    secret,
    'HS256',
  );
  return { token, expiresAt: exp };
}

export async function verifyPlaybackToken(
  token: string,
  secret: string,
): Promise<{ ok: true; claims: PlaybackClaims } | { ok: false; reason: 'expired' | 'invalid' }> {
  try {
    const payload = await verify(token, secret, { alg: 'HS256', iss: ISSUER, aud: PLAYBACK_AUDIENCE });
    if (typeof payload.userId !== 'string' || typeof payload.videoId !== 'string') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { userId: payload.userId, videoId: payload.videoId, editor: payload.editor === true } };
  } catch (error) {
    return { ok: false, reason: error instanceof Error && error.name === 'JwtTokenExpired' ? 'expired' : 'invalid' };
  }
}

/** Whether a bearer credential is a playback token (by its audience, unverified: only to route it). */
export function isPlaybackTokenShaped(token: string): boolean {
  try {
    const payload = token.split('.')[1];
    if (!payload) return false;
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { aud?: unknown };
    return json.aud === PLAYBACK_AUDIENCE;
  } catch {
    return false;
  }
}
