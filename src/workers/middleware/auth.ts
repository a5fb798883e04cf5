// Authentication (who is calling) runs on every API request; authorization (may they) is per route.
// Credentials: `Authorization: Bearer <access JWT>` for people, `Authorization: Bearer vsk_…` or
// `X-API-Key: vsk_…` for servers. A present-but-bad credential is a 401 even on public routes, so a client
// with a broken token finds out instead of silently browsing anonymously. Browsers' narrow tokens (ingest, room)
// are recognised by their audience and are good only for the routes that ask for them.
import type { MiddlewareHandler } from 'hono';
import { findApiKeyWithOwner, touchApiKeyStatement } from '../../adapters/db/api-keys-repo';
import { openDatabase } from '../../adapters/db/client';
import { accountStandingCache } from '../../app/accounts/account-standing-cache';
import { checkAccessToken } from '../../app/accounts/check-access-token';
import {
  type AccessTokenStanding,
  AUDIENCES,
  audienceOf,
  type IngestClaims,
  looksLikeApiKey,
  parseApiKey,
  type RoomClaims,
  verifyToken,
} from '../../domain/auth-tokens';
import { sha256Hex } from '../../domain/hash';
import { constantTimeEqual } from '../../domain/password';
import { type ApiKeyScope, type Role, roleAtLeast } from '../../domain/roles';
import type { AppEnv, Principal } from '../env';
import { ApiError, forbidden, unauthorized } from '../errors';

// Refresh last_used_at at most once a minute per key to keep the hot path read-only.
const TOUCH_INTERVAL_MS = 60_000;

function presentedCredential(header: string | undefined, apiKeyHeader: string | undefined): string | null {
  if (apiKeyHeader) return apiKeyHeader.trim();
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Authorization header must be "Bearer <token>"', 'invalid');
  return match[1] as string;
}

async function principalFromApiKey(c: Parameters<MiddlewareHandler<AppEnv>>[0], presented: string): Promise<Principal> {
  const parsed = parseApiKey(presented);
  if (!parsed) throw unauthorized('Malformed API key', 'invalid');
  const db = openDatabase(c.env.DB);
  const found = await findApiKeyWithOwner(db, parsed.id);
  const presentedHash = new TextEncoder().encode(await sha256Hex(parsed.secret));
  const storedHash = new TextEncoder().encode(found?.key.secretHash ?? '0'.repeat(64));
  const now = Date.now();
  if (!found || !constantTimeEqual(presentedHash, storedHash)) throw unauthorized('Invalid API key', 'invalid');
  if (found.key.revokedAt !== null) throw unauthorized('This API key has been revoked', 'invalid');
  if (found.key.expiresAt !== null && found.key.expiresAt <= now) throw unauthorized('This API key has expired', 'expired');
  if (found.ownerDisabledAt !== null) throw unauthorized('The owner of this API key is disabled', 'invalid');
  if (found.key.lastUsedAt === null || now - found.key.lastUsedAt > TOUCH_INTERVAL_MS) {
    c.executionCtx.waitUntil(
      touchApiKeyStatement(db, found.key.id, now)
        .run()
        .catch(() => {}),
    );
  }
  return {
    kind: 'apiKey',
    userId: found.key.userId,
    role: found.ownerRole,
    keyId: found.key.id,
    scopes: found.key.scopes as ApiKeyScope[],
  };
}

const REVOKED_MESSAGES: Record<Exclude<AccessTokenStanding, 'current'>, string> = {
  revoked: 'This access token was revoked (password or role change, or sign-out everywhere); refresh or sign in again',
  disabled: 'This account is disabled',
  deleted: 'This account no longer exists',
};

// `token_revoked` tells a client that refreshing may still work (its own device after a password change) or
// that it has to sign in again; either way the old token is never worth retrying.
function tokenRevoked(standing: Exclude<AccessTokenStanding, 'current'>): ApiError {
  return new ApiError(401, 'token_revoked', REVOKED_MESSAGES[standing], undefined, {
    'WWW-Authenticate': 'Bearer realm="vibestream", error="invalid_token"',
  });
}

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const presented = presentedCredential(c.req.header('Authorization'), c.req.header('X-API-Key'));
  if (presented === null) {
    c.set('principal', undefined);
    return next();
  }
  if (looksLikeApiKey(presented)) {
    c.set('principal', await principalFromApiKey(c, presented));
    return next();
  }
  const secret = c.get('config').jwtSecret;
  // Scoped browser tokens (one session's metrics, one room) are recognised by their audience.
  const audience = audienceOf(presented);
  if (audience === AUDIENCES.ingest || audience === AUDIENCES.room) {
    const kind = audience === AUDIENCES.ingest ? 'ingest' : 'room';
    const label = kind === 'ingest' ? 'Ingest' : 'Room';
    const scoped = await verifyToken(kind, presented, secret);
    if (!scoped.ok) throw unauthorized(`${label} token ${scoped.reason === 'expired' ? 'expired' : 'is invalid'}`, scoped.reason);
    c.set('principal', kind === 'ingest' ? { kind, claims: scoped.claims as IngestClaims } : { kind, claims: scoped.claims as RoomClaims });
    return next();
  }
  const result = await verifyToken('access', presented, secret);
  if (!result.ok) {
    throw result.reason === 'expired'
      ? unauthorized('Access token expired; refresh it', 'expired')
      : unauthorized('Invalid access token', 'invalid');
  }
  const standing = await checkAccessToken(
    {
      db: openDatabase(c.env.DB),
      cache: accountStandingCache,
      cacheTtlMs: c.get('config').accountCheckCacheMs,
      nowMs: Date.now(),
    },
    result.claims,
  );
  if (standing !== 'current') throw tokenRevoked(standing);
  c.set('principal', { kind: 'user', userId: result.claims.userId, role: result.claims.role });
  return next();
};

export interface AccessRule {
  /** Least role needed (default viewer: any signed-in user). */
  role?: Role;
  /** Scope an API key needs for this route; `null` means API keys may not call it at all. */
  scope: ApiKeyScope | null;
}

export function requireAuth(rule: AccessRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw unauthorized();
    rejectNarrowTokens(principal);
    if (principal.kind === 'apiKey') {
      if (rule.scope === null) throw forbidden('API keys cannot be used for this operation');
      if (!principal.scopes.includes(rule.scope) && !principal.scopes.includes('admin')) {
        throw new ApiError(403, 'insufficient_scope', `This API key lacks the "${rule.scope}" scope`);
      }
    }
    if (rule.role && !roleAtLeast(principal.role, rule.role)) {
      throw forbidden(`This operation requires the ${rule.role} role`);
    }
    return next();
  };
}

export type UserPrincipal = Exclude<Principal, { kind: 'ingest' } | { kind: 'room' }>;

// Narrow browser tokens on routes that need a user or an API key. A room token is a 401 here: outside the SFU
// routes of its own room it is not a credential at all.
function rejectNarrowTokens(principal: Principal): asserts principal is UserPrincipal {
  if (principal.kind === 'ingest') throw new ApiError(403, 'insufficient_scope', 'This token only allows posting metric samples');
  if (principal.kind === 'room') throw unauthorized('A room token is only accepted by the SFU routes of its room', 'invalid');
}

/** The principal of a route guarded by requireAuth (narrowed for handlers). */
export function principalOf(c: { get(key: 'principal'): Principal | undefined }): UserPrincipal {
  const principal = c.get('principal');
  if (!principal) throw unauthorized();
  rejectNarrowTokens(principal);
  return principal;
}

/**
 * The signed-in viewer on a route anonymous callers may use too: a user, or an API key acting for its owner. No
 * credential, or a metrics or room token (which are not a viewer's identity), views as anonymous: undefined.
 */
export function viewerOf(c: { get(key: 'principal'): Principal | undefined }): UserPrincipal | undefined {
  const principal = c.get('principal');
  return principal && (principal.kind === 'user' || principal.kind === 'apiKey') ? principal : undefined;
}

/** Lets through only a room token whose room is the one in the path (the SFU routes). */
export function requireRoomToken(roomIdOf: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw unauthorized('Send the room token from POST /api/v1/tokens/room');
    if (principal.kind !== 'room')
      throw new ApiError(403, 'insufficient_scope', 'This route needs a room token from POST /api/v1/tokens/room');
    if (principal.claims.roomId !== roomIdOf(c)) throw new ApiError(403, 'room_mismatch', 'This room token belongs to another room');
    return next();
  };
}
