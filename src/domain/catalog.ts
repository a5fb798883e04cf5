// Catalog rules that do not depend on storage: who may see or change a video, and how a free-text search
// becomes a safe FTS5 query.
import { type Role, roleAtLeast } from './roles';

export type Visibility = 'public' | 'unlisted' | 'private';
export type VideoStatus = 'draft' | 'processing' | 'ready' | 'failed';

export interface Viewer {
  userId: string;
  role: Role;
}

/**
 * Public and unlisted videos are visible to anyone with the id once they are ready to play; private ones, and
 * any video still being uploaded or stored (draft, processing, failed), only to their creator and admins.
 */
export function canView(video: { creatorId: string; visibility: Visibility; status?: VideoStatus }, viewer: Viewer | undefined): boolean {
  const isOwnerOrAdmin = viewer !== undefined && (viewer.userId === video.creatorId || roleAtLeast(viewer.role, 'admin'));
  if (video.status !== undefined && video.status !== 'ready') return isOwnerOrAdmin;
  return video.visibility !== 'private' || isOwnerOrAdmin;
}

export function canEdit(video: { creatorId: string }, viewer: Viewer): boolean {
  return viewer.userId === video.creatorId || roleAtLeast(viewer.role, 'admin');
}

/**
 * Turns user input into an FTS5 MATCH expression: every word becomes a quoted prefix term ("word"*), terms
 * are ANDed. Quoting neutralises FTS5 operators (AND, NEAR, column filters, unbalanced quotes), so no input
 * can produce a syntax error. Returns null when the input has no searchable word.
 */
export function toFtsQuery(input: string, maxTerms = 8): string | null {
  const words = input.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms = words.slice(0, maxTerms).map((word) => `"${word.toLowerCase()}"*`);
  return terms.length > 0 ? terms.join(' ') : null;
}
