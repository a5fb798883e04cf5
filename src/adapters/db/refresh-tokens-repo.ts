import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from './client';
import { refreshTokens } from './schema';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function findRefreshTokenByHash(db: Database, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).get();
}

export function insertRefreshTokenStatement(db: Database, row: typeof refreshTokens.$inferInsert) {
  return db.insert(refreshTokens).values(row);
}

/**
 * Marks `id` as rotated — only if it is still live. The `revoked_at IS NULL` guard makes two concurrent
 * refreshes with the same token race safely: exactly one update matches, the other sees a reuse.
 */
export function rotateRefreshTokenStatement(db: Database, id: string, replacedBy: string, now: number) {
  return db
    .update(refreshTokens)
    .set({ revokedAt: now, replacedBy })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
}

export function revokeFamilyStatement(db: Database, familyId: string, now: number) {
  return db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export function revokeAllForUserStatement(db: Database, userId: string, now: number) {
  return db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/** Housekeeping: drop tokens that expired or were revoked more than `graceMs` ago. */
export function purgeRefreshTokensStatement(db: Database, olderThan: number) {
  return db.delete(refreshTokens).where(or(lt(refreshTokens.expiresAt, olderThan), lt(refreshTokens.revokedAt, olderThan)));
}
