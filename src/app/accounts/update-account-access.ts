// An operator changes an account's role or disables/enables it. Either signs the account out everywhere in the
// same D1 batch: refresh tokens are revoked and the token version moves on, so an access token issued under the
// old role, or before the account was disabled, stops within the account check's cache bound.
import { eq } from 'drizzle-orm';
import type { Database } from '../../adapters/db/client';
import { revokeAllForUserStatement } from '../../adapters/db/refresh-tokens-repo';
import { users } from '../../adapters/db/schema';
import { bumpTokenVersionStatement, findUserById, type UserRow } from '../../adapters/db/users-repo';
import { outboxStatements } from '../../adapters/queues/event-bus';
import { type AnyDomainEvent, createEvent } from '../../domain/events';
import type { Role } from '../../domain/roles';
import type { AccountStandingCache } from './account-standing-cache';

export interface AccountAccessChange {
  role?: Role;
  disabled?: boolean;
}

export async function updateAccountAccess(
  deps: { db: Database; cache: AccountStandingCache; nowMs: number },
  actorId: string,
  user: UserRow,
  change: AccountAccessChange,
): Promise<{ updated: UserRow | undefined; events: AnyDomainEvent[] }> {
  const { db, nowMs } = deps;
  const changes: Partial<typeof users.$inferInsert> = { updatedAt: nowMs };
  if (change.role) changes.role = change.role;
  if (change.disabled !== undefined) changes.disabledAt = change.disabled ? (user.disabledAt ?? nowMs) : null;
  const events: AnyDomainEvent[] =
    change.role && change.role !== user.role
      ? [createEvent('user.role_changed', { userId: user.id, from: user.role, to: change.role }, actorId, nowMs)]
      : [];
  await db.batch([
    db.update(users).set(changes).where(eq(users.id, user.id)),
    revokeAllForUserStatement(db, user.id, nowMs),
    bumpTokenVersionStatement(db, user.id, nowMs),
    ...outboxStatements(db, events),
  ]);
  deps.cache.forget(user.id);
  return { updated: await findUserById(db, user.id), events };
}
