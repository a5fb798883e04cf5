import type { Keyset } from '../adapters/db/keyset';
import { decodeCursor } from '../domain/pagination';
import { badRequest } from './errors';

/** The keyset a list request continues after; a malformed or tampered cursor is a 400. */
export function keysetFromCursor(cursor: string | undefined): Keyset | null {
  if (!cursor) return null;
  const key = decodeCursor(cursor, ['number', 'string']);
  if (!key) throw badRequest('Invalid cursor');
  return key as unknown as Keyset;
}
