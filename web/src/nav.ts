// The site's navigation, in one list. A page that is planned but not built yet stays here with
// `available: false`, so adding it later is one flag; role-gated entries appear only to users whose role is at
// least `minimumRole` (roles are ordered: viewer < creator < admin, see src/domain/roles.ts).
import { type Role, roleAtLeast } from '../../src/domain/roles';
import type { User } from './api-types';

export interface NavEntry {
  label: string;
  /** Path with a trailing slash: pages are served as `<path>/index.html` (html_handling auto-trailing-slash). */
  href: string;
  /** Whether the page exists in this build. */
  available: boolean;
  /** Shown only to signed-in users with at least this role. */
  minimumRole?: Role;
}

export const NAV_ENTRIES: readonly NavEntry[] = [
  { label: 'Home', href: '/', available: true },
  { label: 'Calls', href: '/room/', available: true, minimumRole: 'viewer' },
  { label: 'Creator', href: '/studio/', available: true, minimumRole: 'creator' },
  { label: 'Revenue', href: '/revenue/', available: true, minimumRole: 'creator' },
  { label: 'Dashboard', href: '/dashboard/', available: true, minimumRole: 'admin' },
  { label: 'API docs', href: '/docs/', available: true },
];

export function visibleNavEntries(user: User | null, entries: readonly NavEntry[] = NAV_ENTRIES): NavEntry[] {
  return entries.filter((entry) => {
    if (!entry.available) return false;
    if (!entry.minimumRole) return true;
    return user !== null && roleAtLeast(user.role, entry.minimumRole);
  });
}

/** Whether `href` is the page at `pathname` (with or without the trailing slash or index.html). */
export function isCurrentPage(href: string, pathname: string): boolean {
  const normalise = (path: string) => path.replace(/index\.html$/, '').replace(/\/?$/, '/');
  return normalise(href) === normalise(pathname);
}
