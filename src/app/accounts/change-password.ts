// Sets a new password and ends every session of the account, the caller's included, in one D1 batch: refresh
// tokens are revoked and the token version moves on, so access tokens issued before stop within the account
// check's cache bound. The caller gets a fresh session in the answer, issued under the new version.
import type { Database } from '../../adapters/db/client';
import { revokeAllForUserStatement } from '../../adapters/db/refresh-tokens-repo';
import { bumpTokenVersionStatement, setUserPasswordStatement, type UserRow } from '../../adapters/db/users-repo';
import { hashPassword } from '../../domain/password';
import type { AccountStandingCache } from './account-standing-cache';
import { type PreparedSession, prepareSession, type SessionConfig } from './prepare-session';

export interface ChangePasswordDeps {
  db: Database;
  config: SessionConfig;
  cache: AccountStandingCache;
  nowMs: number;
}

export async function changePassword(deps: ChangePasswordDeps, user: UserRow, newPassword: string): Promise<PreparedSession['response']> {
  const { db, nowMs } = deps;
  const session = await prepareSession(db, deps.config, { ...user, tokenVersion: user.tokenVersion + 1 }, undefined, nowMs);
  await db.batch([
    setUserPasswordStatement(db, user.id, await hashPassword(newPassword), nowMs),
    bumpTokenVersionStatement(db, user.id, nowMs),
    // Before the new session's refresh token is written, so it survives.
    revokeAllForUserStatement(db, user.id, nowMs),
    ...session.statements,
  ]);
  deps.cache.forget(user.id);
  return session.response;
}
