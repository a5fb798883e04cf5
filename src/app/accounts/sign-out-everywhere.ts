// Ends every session of an account at once (a lost laptop, a token seen in a log): all refresh tokens are revoked
// and the token version moves on in one D1 batch, so access tokens already handed out stop within the account
// check's cache bound instead of living out their lifetime.
import type { Database } from '../../adapters/db/client';
import { revokeAllForUserStatement } from '../../adapters/db/refresh-tokens-repo';
import { bumpTokenVersionStatement } from '../../adapters/db/users-repo';
import type { AccountStandingCache } from './account-standing-cache';

export async function signOutEverywhere(deps: { db: Database; cache: AccountStandingCache; nowMs: number }, userId: string): Promise<void> {
  await deps.db.batch([revokeAllForUserStatement(deps.db, userId, deps.nowMs), bumpTokenVersionStatement(deps.db, userId, deps.nowMs)]);
  deps.cache.forget(userId);
}
