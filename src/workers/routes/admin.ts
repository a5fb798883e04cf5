// Operator endpoints (admin role): users and roles, the audit trail, and dead-lettered events.

import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { openDatabase } from '../../adapters/db/client';
import { findDeadLetter, listDeadLetters, markDeadLetterReplayed } from '../../adapters/db/events-repo';
import { beforeKeyset } from '../../adapters/db/keyset';
import { auditLog, users } from '../../adapters/db/schema';
import { findUserById, toPublicUser } from '../../adapters/db/users-repo';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { accountStandingCache } from '../../app/accounts/account-standing-cache';
import { updateAccountAccess } from '../../app/accounts/update-account-access';
import { parseEvent } from '../../domain/events';
import { toPage } from '../../domain/pagination';
import { keysetFromCursor } from '../cursor';
import { conflict, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonBody, jsonResponse, PaginationQuery, pageOf } from '../openapi';
import { RoleSchema, UserSchema } from '../schemas';

export const adminRoutes = createRouter();
const adminOnly = requireAuth({ role: 'admin', scope: 'admin' });

const AdminUserSchema = UserSchema.extend({ disabled: z.boolean() }).openapi('AdminUser');
const toAdminUser = (row: typeof users.$inferSelect) => ({ ...toPublicUser(row), disabled: row.disabledAt !== null });

adminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/users',
    tags: ['Admin'],
    summary: 'List users, newest first',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: { query: z.strictObject({ role: RoleSchema.optional(), ...PaginationQuery }) },
    responses: { 200: jsonResponse(pageOf(AdminUserSchema, 'AdminUserPage'), 'A page of users'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { role, cursor, limit } = c.req.valid('query');
    const after = keysetFromCursor(cursor);
    const conditions: SQL[] = [];
    if (role) conditions.push(eq(users.role, role));
    if (after) conditions.push(beforeKeyset(users.createdAt, users.id, after));
    const rows = await openDatabase(c.env.DB)
      .select()
      .from(users)
      .where(and(...conditions))
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, (row) => [row.createdAt, row.id], toAdminUser),
      200,
    );
  },
);

adminRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/admin/users/{id}',
    tags: ['Admin'],
    summary: "Change a user's role or disable/enable the account",
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .regex(/^usr_[a-z0-9]{6,40}$/, 'Not a user id')
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
      body: jsonBody(
        z
          .strictObject({ role: RoleSchema.optional(), disabled: z.boolean().optional() })
          .refine((b) => b.role !== undefined || b.disabled !== undefined, 'Send role and/or disabled')
          .openapi('AdminUserUpdate'),
      ),
    },
    responses: { 200: jsonResponse(AdminUserSchema, 'Updated user'), ...errorResponses(400, 401, 403, 404, 409, 413) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const principal = principalOf(c);
    if (id === principal.userId) throw conflict('self_change', 'Admins cannot change their own role or disable themselves');
    const db = openDatabase(c.env.DB);
    const user = await findUserById(db, id);
    if (!user) throw notFound('User');
    const { updated, events } = await updateAccountAccess(
      { db, cache: accountStandingCache, nowMs: Date.now() },
      principal.userId,
      user,
      body,
    );
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), events).catch(() => {}));
    if (!updated) throw notFound('User');
    return c.json(toAdminUser(updated), 200);
  },
);

const AuditEntrySchema = z
  .object({
    id: z.string(),
    action: z.string(),
    actorId: z.string().nullable(),
    subjectType: z.string(),
    subjectId: z.string(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: z.string(),
  })
  .openapi('AuditEntry');

adminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/audit-log',
    tags: ['Admin'],
    summary: 'The audit trail, newest first',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: {
      query: z.strictObject({
        subjectType: z.enum(['user', 'api_key', 'video']).optional(),
        subjectId: z.string().max(64).optional(),
        ...PaginationQuery,
      }),
    },
    responses: { 200: jsonResponse(pageOf(AuditEntrySchema, 'AuditPage'), 'A page of audit entries'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { subjectType, subjectId, cursor, limit } = c.req.valid('query');
    const after = keysetFromCursor(cursor);
    const conditions: SQL[] = [];
    if (subjectType) conditions.push(eq(auditLog.subjectType, subjectType));
    if (subjectId) conditions.push(eq(auditLog.subjectId, subjectId));
    if (after) conditions.push(beforeKeyset(auditLog.occurredAt, auditLog.id, after));
    const rows = await openDatabase(c.env.DB)
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.occurredAt), desc(auditLog.id))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(
        rows,
        limit,
        (row) => [row.occurredAt, row.id],
        (row) => ({ ...row, occurredAt: new Date(row.occurredAt).toISOString() }),
      ),
      200,
    );
  },
);

const DeadLetterSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    eventId: z.string().nullable(),
    eventType: z.string().nullable(),
    body: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    receivedAt: z.string(),
    replayedAt: z.string().nullable(),
  })
  .openapi('DeadLetter');

adminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/dead-letters',
    tags: ['Admin'],
    summary: 'Events that exhausted their retries (or could not be parsed), newest first',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: { query: z.strictObject(PaginationQuery) },
    responses: {
      200: jsonResponse(pageOf(DeadLetterSchema, 'DeadLetterPage'), 'A page of dead letters'),
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid('query');
    const after = keysetFromCursor(cursor);
    const rows = await listDeadLetters(openDatabase(c.env.DB), after ? { receivedAt: after[0], id: after[1] } : null, limit);
    return c.json(
      toPage(
        rows,
        limit,
        (row) => [row.receivedAt, row.id],
        (row) => ({
          ...row,
          receivedAt: new Date(row.receivedAt).toISOString(),
          replayedAt: row.replayedAt === null ? null : new Date(row.replayedAt).toISOString(),
        }),
      ),
      200,
    );
  },
);

adminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/dead-letters/{id}/replay',
    tags: ['Admin'],
    summary: 'Send a dead-lettered event through its queue again (handlers that already ran are skipped)',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .min(1)
          .max(128)
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
    },
    responses: { 202: jsonResponse(z.object({ eventId: z.string() }), 'Requeued'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const db = openDatabase(c.env.DB);
    const letter = await findDeadLetter(db, c.req.valid('param').id);
    if (!letter) throw notFound('Dead letter');
    let body: unknown;
    try {
      body = JSON.parse(letter.body);
    } catch {
      body = undefined;
    }
    const parsed = parseEvent(body);
    if (!parsed.ok) throw conflict('not_replayable', 'This message is not a valid event and cannot be replayed');
    await db.batch([...outboxStatements(db, [parsed.event])] as [ReturnType<typeof outboxStatements>[number]]);
    await relay(db, queuesOf(c.env), [parsed.event]);
    await markDeadLetterReplayed(db, letter.id, Date.now());
    return c.json({ eventId: parsed.event.id }, 202);
  },
);
