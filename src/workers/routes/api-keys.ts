// API keys for server-to-server use. Managed only with a signed-in user's access token (a key cannot mint
// or revoke keys), shown once at creation, stored as a SHA-256 hash, scoped, optionally expiring.
import { createRoute, z } from '@hono/zod-openapi';
import { insertApiKeyStatement, listApiKeysForUser, revokeApiKeyStatement, toPublicApiKey } from '../../adapters/db/api-keys-repo';
import { openDatabase } from '../../adapters/db/client';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { formatApiKey } from '../../domain/auth-tokens';
import { createEvent } from '../../domain/events';
import { randomSecret, sha256Hex } from '../../domain/hash';
import { randomToken } from '../../domain/ids';
import { roleAtLeast, scopeMinimumRole } from '../../domain/roles';
import { ApiError, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema } from '../schemas';

export const apiKeyRoutes = createRouter();
const userOnly = requireAuth({ scope: null });

apiKeyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api-keys',
    tags: ['API keys'],
    summary: 'List your API keys (secrets are never shown again)',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    responses: { 200: jsonResponse(z.object({ items: z.array(ApiKeySchema) }), 'Your keys'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const rows = await listApiKeysForUser(openDatabase(c.env.DB), principalOf(c).userId);
    return c.json({ items: rows.map(toPublicApiKey) }, 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/api-keys',
    tags: ['API keys'],
    summary: 'Create a scoped API key',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: { body: jsonBody(CreateApiKeyBody) },
    responses: { 201: jsonResponse(CreatedApiKeySchema, 'The key, shown once'), ...errorResponses(400, 401, 403, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const principal = principalOf(c);
    const tooPowerful = body.scopes.filter((scope) => !roleAtLeast(principal.role, scopeMinimumRole[scope]));
    if (tooPowerful.length > 0) {
      throw new ApiError(403, 'scope_not_allowed', 'Your role cannot grant these scopes', { scopes: tooPowerful });
    }
    const db = openDatabase(c.env.DB);
    const now = Date.now();
    const id = randomToken(24);
    const secret = randomSecret(32);
    const row = {
      id,
      userId: principal.userId,
      name: body.name,
      secretHash: await sha256Hex(secret),
      scopes: [...new Set(body.scopes)],
      createdAt: now,
      expiresAt: body.expiresInDays ? now + body.expiresInDays * 86_400_000 : null,
      lastUsedAt: null,
      revokedAt: null,
    };
    const event = createEvent('api_key.created', { keyId: id, userId: principal.userId, scopes: row.scopes }, principal.userId, now);
    await db.batch([insertApiKeyStatement(db, row), ...outboxStatements(db, [event])]);
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    return c.json({ ...toPublicApiKey(row), key: formatApiKey(id, secret) }, 201);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/api-keys/{id}',
    tags: ['API keys'],
    summary: 'Revoke one of your API keys',
    security: bearerSecurity,
    middleware: [userOnly] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .regex(/^[a-z2-9]{24}$/, 'Not an API key id')
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
    },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const principal = principalOf(c);
    const db = openDatabase(c.env.DB);
    const now = Date.now();
    const event = createEvent('api_key.revoked', { keyId: id, userId: principal.userId }, principal.userId, now);
    const [revoked] = await db.batch([revokeApiKeyStatement(db, id, principal.userId, now)]);
    if (revoked.length === 0) throw notFound('API key');
    await db.batch([...outboxStatements(db, [event])] as [ReturnType<typeof outboxStatements>[number]]);
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    return c.body(null, 204);
  },
);
