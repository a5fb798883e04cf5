// API models shared by routes and the OpenAPI document. Request schemas are strict: unknown fields are
// rejected (400), so a typo in a field name never silently does nothing.
import { z } from '@hono/zod-openapi';
import { VIDEO_ID_PATTERN } from '../domain/ids';
import { API_KEY_SCOPES, ROLES } from '../domain/roles';

export const Email = z.email().max(254).openapi({ example: 'ada@example.com' });
// NIST SP 800-63B: at least 8 characters, allow long passphrases; we ask for 10 and cap at 256 to bound
// PBKDF2 input.
export const Password = z
  .string()
  .min(10, 'Password must be at least 10 characters')
  .max(256)
  .openapi({ example: 'correct horse battery' });
export const RoleSchema = z.enum(ROLES).openapi('Role');

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User');

export const SessionSchema = z
  .object({
    user: UserSchema,
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'Access token lifetime in seconds' }),
    refreshToken: z.string().openapi({ description: 'Single use: each refresh returns a new one' }),
    refreshTokenExpiresAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Session');

export const SignupBody = z
  .strictObject({
    email: Email,
    password: Password,
    displayName: z.string().trim().min(1).max(80),
    role: z.enum(['viewer', 'creator']).default('viewer').openapi({ description: 'Admins are created by operators only' }),
  })
  .openapi('SignupRequest');

export const LoginBody = z.strictObject({ email: Email, password: z.string().min(1).max(256) }).openapi('LoginRequest');
export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) }).openapi('RefreshRequest');
export const ChangePasswordBody = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: Password })
  .openapi('ChangePasswordRequest');

export const ApiKeyScopeSchema = z.enum(API_KEY_SCOPES).openapi('ApiKeyScope');
export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');
export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    scopes: z.array(ApiKeyScopeSchema).min(1).max(API_KEY_SCOPES.length),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi('CreateApiKeyRequest');
export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The secret key. Shown once; store it now.' }),
}).openapi('CreatedApiKey');

const Slug = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, "-" and "_"');
export const RoomTokenBody = z.strictObject({ roomId: Slug }).openapi('RoomTokenRequest');
export const IngestTokenBody = z
  .strictObject({
    sessionId: z
      .string()
      .regex(/^ses_[a-z2-9]{24}$/)
      .optional()
      .openapi({ description: 'Reuse to continue a session' }),
    videoId: z.string().max(64).optional(),
    roomId: Slug.optional(),
  })
  .openapi('IngestTokenRequest');
export const ScopedTokenSchema = z
  .object({
    token: z.string(),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    sessionId: z.string().optional(),
    peerId: z.string().optional(),
    roomId: z.string().optional(),
  })
  .openapi('ScopedToken');

// Catalog
export const Visibility = z.enum(['public', 'unlisted', 'private']).openapi('Visibility');
const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(32)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u, 'Tags are words: letters, digits, space, "-" or "_"');
// BCP 47, simplified: language, optional script and region ("en", "pt-BR", "zh-Hant-TW").
const Language = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/, 'A BCP 47 language tag such as "en" or "pt-BR"')
  .openapi({ example: 'en' });

export const VideoSchema = z
  .object({
    id: z.string(),
    creatorId: z.string(),
    creatorName: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    language: z.string(),
    // Read-only: the card price follows the prices set with PUT /videos/{id}/prices, in the same batch.
    priceCents: z.number().int().openapi({
      description:
        'Price shown on catalog cards, in minor units: the purchase price, else the rental price, 0 when free. Set with PUT /api/v1/videos/{id}/prices',
    }),
    currency: z.string(),
    visibility: Visibility,
    status: z.enum(['draft', 'processing', 'ready', 'failed']),
    durationSeconds: z.number().nullable().openapi({ description: 'Playable length of the published package' }),
    posterUrl: z.string().nullable().openapi({ description: 'A JPEG frame of the video; null until a package with a poster is published' }),
    storyboard: z
      .object({
        url: z.string(),
        path: z.string(),
        columns: z.number().int(),
        rows: z.number().int(),
        tiles: z.number().int(),
        tileWidth: z.number().int(),
        tileHeight: z.number().int(),
        intervalSeconds: z.number(),
      })
      .nullable()
      .openapi({ description: 'Seek-preview sprite: tile i shows the frame at i × intervalSeconds' }),
    statusReason: z.string().nullable().openapi({ description: 'Why the video is "failed"; null otherwise' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Video');

export const CreateVideoBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).default(''),
    tags: z
      .array(Tag)
      .max(20)
      .default([])
      .transform((tags) => [...new Set(tags)]),
    language: Language,
    visibility: Visibility.default('private'),
  })
  .openapi('CreateVideoRequest');

export const UpdateVideoBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000),
    tags: z
      .array(Tag)
      .max(20)
      .transform((tags) => [...new Set(tags)]),
    language: Language,
    visibility: Visibility,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change')
  .openapi('UpdateVideoRequest');

export const VideoIdString = z.string().regex(VIDEO_ID_PATTERN, 'Not a video id');

export const VideoIdParam = z.object({
  id: VideoIdString.openapi({ param: { name: 'id', in: 'path' }, example: 'vid_abcdefghijkmnpqrstuvwxyz' }),
});
