// Signed tokens (JWT, HS256 via hono's WebCrypto implementation). Each kind of token has its own audience,
// checked on verify, so a room-join token can never be replayed as an access token and vice versa.
import { sign, verify } from 'hono/jwt';
import { base64UrlDecode, base64UrlEncode } from './hash';
import { constantTimeEqual } from './password';
import type { Role } from './roles';

const ISSUER = 'vibestream';

export const AUDIENCES = {
  access: 'vibestream:access',
  room: 'vibestream:room',
  ingest: 'vibestream:ingest',
  device: 'vibestream:device',
} as const;
export type TokenKind = keyof typeof AUDIENCES;

export interface AccessClaims {
  userId: string;
  role: Role;
  /** The account's token version when the token was issued; absent (tokens from before versions) reads as 0. */
  tokenVersion?: number;
}
/** Lets its holder join one call room as one peer id. */
export interface RoomClaims {
  userId: string;
  roomId: string;
  peerId: string;
}
/** Lets its holder post metric samples for one peer session only. */
export interface IngestClaims {
  userId: string | null;
  sessionId: string;
  peerId: string;
  videoId: string | null;
  roomId: string | null;
}

/**
 * A browser that signed in to this account before (OWASP's "device cookie"): sign-in failures through it are
 * counted for it alone, so strangers' failures against the account never lock it out. Proves nothing else.
 */
export interface DeviceClaims {
  userId: string;
  deviceId: string;
}

type ClaimsOf<K extends TokenKind> = K extends 'access'
  ? AccessClaims
  : K extends 'room'
    ? RoomClaims
    : K extends 'device'
      ? DeviceClaims
      : IngestClaims;

export interface IssuedToken {
  token: string;
  expiresAt: number; // epoch seconds
}

export async function issueToken<K extends TokenKind>(
  kind: K,
  claims: ClaimsOf<K>,
  secret: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign({ ...claims, iss: ISSUER, aud: AUDIENCES[kind], iat, nbf: iat, exp, jti: crypto.randomUUID() }, secret, 'HS256');
  return { token, expiresAt: exp };
}

export type VerifyFailure = 'expired' | 'invalid';
export type VerifyResult<K extends TokenKind> = { ok: true; claims: ClaimsOf<K>; expiresAt: number } | { ok: false; reason: VerifyFailure };

export async function verifyToken<K extends TokenKind>(kind: K, token: string, secret: string): Promise<VerifyResult<K>> {
  try {
    const payload = await verify(token, secret, { alg: 'HS256', iss: ISSUER, aud: AUDIENCES[kind] });
    const { iss: _iss, aud: _aud, iat: _iat, nbf: _nbf, exp, jti: _jti, ...claims } = payload;
    return { ok: true, claims: claims as unknown as ClaimsOf<K>, expiresAt: Number(exp) };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { ok: false, reason: name === 'JwtTokenExpired' ? 'expired' : 'invalid' };
  }
}

/** What an access token is checked against on every request: the account's current row. */
export interface AccountStanding {
  tokenVersion: number;
  disabled: boolean;
}

export type AccessTokenStanding = 'current' | 'revoked' | 'disabled' | 'deleted';

/**
 * Whether a signature-valid access token still speaks for its account. Disabling, a password or role change and
 * sign-out everywhere bump the account's version, so a token issued before any of them is refused.
 */
export function accessTokenStanding(claims: Pick<AccessClaims, 'tokenVersion'>, account: AccountStanding | null): AccessTokenStanding {
  if (!account) return 'deleted';
  if (account.disabled) return 'disabled';
  return (claims.tokenVersion ?? 0) === account.tokenVersion ? 'current' : 'revoked';
}

/** The audience a JWT claims, read without verifying (only to pick which verification applies). */
export function audienceOf(token: string): string | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { aud?: unknown };
    return typeof json.aud === 'string' ? json.aud : null;
  } catch {
    return null;
  }
}

// API keys look like "vsk_<id>_<secret>": the id finds the row, the secret is compared by hash.
const API_KEY_PATTERN = /^vsk_([a-z2-9]{24})_([A-Za-z0-9_-]{43})$/;

export function formatApiKey(id: string, secret: string): string {
  return `vsk_${id}_${secret}`;
}

export function parseApiKey(presented: string): { id: string; secret: string } | null {
  const match = API_KEY_PATTERN.exec(presented);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function looksLikeApiKey(presented: string): boolean {
  return presented.startsWith('vsk_');
}

// An SFU session grant proves that a Realtime session id was created through our API for this room and user.
// Realtime's own API trusts whoever holds the app secret, and session ids travel between peers, so without
// it any room member could renegotiate or close another member's session (Cloudflare's Realtime docs warn
// about exactly this). HMAC-SHA256 over the three values, keyed with our signing secret; nothing is stored.
async function sfuGrantMac(secret: string, roomId: string, userId: string, sessionId: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const message = new TextEncoder().encode(`vibestream:sfu-session\n${roomId}\n${userId}\n${sessionId}`);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
}

export async function sfuSessionGrant(secret: string, roomId: string, userId: string, sessionId: string): Promise<string> {
  return base64UrlEncode(await sfuGrantMac(secret, roomId, userId, sessionId));
}

export async function verifySfuSessionGrant(
  secret: string,
  roomId: string,
  userId: string,
  sessionId: string,
  presented: string,
): Promise<boolean> {
  let presentedMac: Uint8Array;
  try {
    presentedMac = base64UrlDecode(presented);
  } catch {
    return false;
  }
  return constantTimeEqual(presentedMac, await sfuGrantMac(secret, roomId, userId, sessionId));
}
