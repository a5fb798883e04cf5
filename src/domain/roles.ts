// Roles are ordered: every creator may do what a viewer may, every admin what a creator may.
export const ROLES = ['viewer', 'creator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { viewer: 0, creator: 1, admin: 2 };

export function roleAtLeast(actual: Role, required: Role): boolean {
  return rank[actual] >= rank[required];
}

// Scopes limit what an API key may do on behalf of its owner; the owner's role still applies on top.
export const API_KEY_SCOPES = ['catalog:read', 'catalog:write', 'analytics:read', 'analytics:ingest', 'payments:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

// The smallest role that may hold a key with this scope (a viewer cannot mint a catalog:write key).
export const scopeMinimumRole: Record<ApiKeyScope, Role> = {
  'catalog:read': 'viewer',
  'catalog:write': 'creator',
  'analytics:read': 'admin',
  'analytics:ingest': 'viewer',
  'payments:read': 'creator',
  admin: 'admin',
};
