// D1 schema, the single source of truth for tables. `npm run db:generate` turns changes here into a SQL
// migration in migrations/ (drizzle-kit), which wrangler applies locally, in tests and in production.
// Every timestamp is epoch milliseconds (INTEGER) so rows sort and compare without parsing.

import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { StoryboardLayout } from '../../domain/packaging/manifest';
import type { Role } from '../../domain/roles';

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    // Stored lower-cased; uniqueness is on the normalised form.
    email: text('email').notNull(),
    // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" (see domain/password.ts)
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    // A disabled user cannot log in, refresh or use API keys; access tokens already issued expire on their own.
    disabledAt: integer('disabled_at'),
    // Bumped by disabling, a password or role change and sign-out everywhere. Access tokens carry the value
    // they were issued under and stop working once it moves.
    tokenVersion: integer('token_version').notNull().default(0),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email), index('users_role_created').on(t.role, t.createdAt)],
);

export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Tokens rotate on every use; all rotations of one login share a family. Presenting an already rotated
    // token means it leaked, so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
    familyId: text('family_id').notNull(),
    // SHA-256 of the token; the token itself is never stored.
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    replacedBy: text('replaced_by'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_unique').on(t.tokenHash),
    index('refresh_tokens_family').on(t.familyId),
    index('refresh_tokens_user').on(t.userId),
    index('refresh_tokens_expires').on(t.expiresAt),
  ],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    // Public part of the key ("vsk_<id>_<secret>"), used to find the row without scanning hashes.
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull(),
    // JSON array of scope strings (domain/scopes.ts)
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_keys_user').on(t.userId, t.createdAt)],
);

/** The storyboard sprite's layout, as the manifest gives it, without its digest. */
export type VideoStoryboard = StoryboardLayout;

export const videos = sqliteTable(
  'videos',
  {
    id: text('id').primaryKey(),
    creatorId: text('creator_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    // Kept on the row for reads; video_tags mirrors it for indexed tag filters. Both are written in one batch.
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    // BCP 47 language tag, e.g. "en" or "pt-BR".
    language: text('language').notNull(),
    // 0 means free. Minor units of `currency` (ISO 4217).
    priceCents: integer('price_cents').notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    visibility: text('visibility').$type<'public' | 'unlisted' | 'private'>().notNull(),
    status: text('status').$type<'draft' | 'processing' | 'ready' | 'failed'>().notNull(),
    durationSeconds: real('duration_seconds'),
    // Set at publish from the package's manifest: the poster's path and the seek-preview sprite's layout
    // (domain/packaging/manifest.ts). Null for packages that have none.
    posterPath: text('poster_path'),
    storyboard: text('storyboard', { mode: 'json' }).$type<VideoStoryboard>(),
    // Why the video is `failed` (shown to its creator in the studio); null otherwise.
    statusReason: text('status_reason'),
    // How the package's segments are stored: 'aes-128' (HLS AES-128, key in video_keys) for paid and private
    // videos, 'none' for free public ones. Set at publish from the manifest.
    contentEncryption: text('content_encryption').$type<'none' | 'aes-128'>().notNull().default('none'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // Public catalog listing: WHERE visibility = 'public' ORDER BY created_at DESC, id DESC (keyset cursor).
    index('videos_visibility_created').on(t.visibility, t.createdAt, t.id),
    // A creator's own videos, newest first.
    index('videos_creator_created').on(t.creatorId, t.createdAt, t.id),
  ],
);

export const videoTags = sqliteTable(
  'video_tags',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.videoId, t.tag] }), index('video_tags_tag').on(t.tag, t.videoId)],
);

export const interactions = sqliteTable(
  'interactions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'view' | 'like' | 'complete' | 'purchase' | 'skip'>().notNull(),
    // Seconds watched for views, 1 for the others.
    value: real('value').notNull().default(1),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('interactions_user_created').on(t.userId, t.createdAt), index('interactions_video').on(t.videoId, t.kind)],
);

// One row per (event, handler) that finished: a redelivered event finds its row and changes nothing.
export const processedEvents = sqliteTable(
  'processed_events',
  {
    eventId: text('event_id').notNull(),
    handler: text('handler').notNull(),
    processedAt: integer('processed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.handler] }), index('processed_events_at').on(t.processedAt)],
);

// Last failure of an event still being retried, so a dead letter can say why it died.
export const eventFailures = sqliteTable('event_failures', {
  eventId: text('event_id').primaryKey(),
  eventType: text('event_type').notNull(),
  queue: text('queue').notNull(),
  attempts: integer('attempts').notNull(),
  lastError: text('last_error').notNull(),
  lastFailedAt: integer('last_failed_at').notNull(),
});

export const deadLetters = sqliteTable(
  'dead_letters',
  {
    // The dead-letter queue's message id.
    id: text('id').primaryKey(),
    queue: text('queue').notNull(),
    eventId: text('event_id'),
    eventType: text('event_type'),
    body: text('body').notNull(),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error'),
    receivedAt: integer('received_at').notNull(),
    replayedAt: integer('replayed_at'),
  },
  (t) => [index('dead_letters_received').on(t.receivedAt)],
);

// Who did what, written by the audit handler of the domain-events queue.
export const auditLog = sqliteTable(
  'audit_log',
  {
    // The domain event's id: a redelivered event cannot log twice.
    id: text('id').primaryKey(),
    action: text('action').notNull(),
    actorId: text('actor_id'),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    occurredAt: integer('occurred_at').notNull(),
  },
  (t) => [index('audit_log_occurred').on(t.occurredAt), index('audit_log_subject').on(t.subjectType, t.subjectId, t.occurredAt)],
);

// Transactional outbox: events are written in the same D1 batch as the change they describe, then relayed
// to their queue. A crash between the write and the send leaves the row here, and the relay cron sends it
// later; consumers are idempotent, so a row sent twice changes nothing.
export const eventOutbox = sqliteTable(
  'event_outbox',
  {
    eventId: text('event_id').primaryKey(),
    queue: text('queue').$type<'domain' | 'payments' | 'ipfs'>().notNull(),
    body: text('body', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: integer('created_at').notNull(),
    relayAttempts: integer('relay_attempts').notNull().default(0),
  },
  (t) => [index('event_outbox_created').on(t.createdAt)],
);
export * from './alerts-schema';
export * from './analytics-schema';
export * from './content-keys-schema';
export * from './ipfs-schema';
export * from './payments-schema';
export * from './recommendations-schema';
export * from './rooms-schema';
export * from './upload-schema';
