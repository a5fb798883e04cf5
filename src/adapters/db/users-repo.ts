import { eq, sql } from 'drizzle-orm';
import type { Role } from '../../domain/roles';
import type { Database } from './client';
import { users } from './schema';

export type UserRow = typeof users.$inferSelect;

export interface PublicUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: string;
}

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
    .get();
}

export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function insertUserStatement(db: Database, row: typeof users.$inferInsert) {
  return db.insert(users).values({ ...row, email: normaliseEmail(row.email) });
}

export function setUserRoleStatement(db: Database, userId: string, role: Role, now: number) {
  return db.update(users).set({ role, updatedAt: now }).where(eq(users.id, userId));
}

export function setUserPasswordStatement(db: Database, userId: string, passwordHash: string, now: number) {
  return db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
}

/** The two columns every access token is checked against (see domain/auth-tokens accessTokenStanding). */
export async function findAccountStanding(db: Database, userId: string): Promise<{ tokenVersion: number; disabled: boolean } | null> {
  const row = await db
    .select({ tokenVersion: users.tokenVersion, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  return row ? { tokenVersion: row.tokenVersion, disabled: row.disabledAt !== null } : null;
}

/** Moves the account's token version on, so every access token issued before stops working. */
export function bumpTokenVersionStatement(db: Database, userId: string, now: number) {
  return db
    .update(users)
    .set({ tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: now })
    .where(eq(users.id, userId));
}
