import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = DrizzleD1Database<typeof schema>;

export function openDatabase(d1: Parameters<typeof drizzle>[0]): Database {
  return drizzle(d1, { schema });
}
