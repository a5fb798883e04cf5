// Whether a signature-valid access token still speaks for its account: the account must exist, not be disabled,
// and carry the token version the token was issued under. Read through a short per-isolate cache.
import type { Database } from '../../adapters/db/client';
import { findAccountStanding } from '../../adapters/db/users-repo';
import { type AccessClaims, type AccessTokenStanding, accessTokenStanding } from '../../domain/auth-tokens';
import type { AccountStandingCache } from './account-standing-cache';

export interface CheckAccessTokenDeps {
  db: Database;
  cache: AccountStandingCache;
  /** How stale a cached standing may be; 0 reads D1 on every request. */
  cacheTtlMs: number;
  nowMs: number;
}

export async function checkAccessToken(deps: CheckAccessTokenDeps, claims: AccessClaims): Promise<AccessTokenStanding> {
  let standing = deps.cache.get(claims.userId, deps.nowMs, deps.cacheTtlMs);
  if (standing === undefined) {
    standing = await findAccountStanding(deps.db, claims.userId);
    deps.cache.set(claims.userId, standing, deps.nowMs);
  }
  return accessTokenStanding(claims, standing);
}
