import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Database } from './client';
import { apiKeys, users } from './schema';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface PublicApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toPublicApiKey(row: ApiKeyRow): PublicApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: new Date(row.createdAt).toISOString(),
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}

/** The key together with its owner's current role and state, in one query. */
export async function findApiKeyWithOwner(db: Database, id: string) {
  return db
    .select({ key: apiKeys, ownerRole: users.role, ownerDisabledAt: users.disabledAt })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.id, id))
    .get();
}

export function insertApiKeyStatement(db: Database, row: typeof apiKeys.$inferInsert) {
  return db.insert(apiKeys).values(row);
}

export async function listApiKeysForUser(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt)).all();
}

export function revokeApiKeyStatement(db: Database, id: string, userId: string, now: number) {
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
}

export function touchApiKeyStatement(db: Database, id: string, now: number) {
  return db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}
