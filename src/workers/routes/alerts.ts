// Alert rules and alerts. Reading needs the admin role (or an API key with analytics:read); changing rules and
// resolving alerts needs the admin role (or an API key with the admin scope). Evaluation itself runs elsewhere:
// fleet rules in the */5 cron (workers/alerts/fleet.ts), session rules in each session's aggregator object.

import { createRoute, z } from '@hono/zod-openapi';
import {
  type AlertRuleRow,
  deleteRule,
  findAlert,
  findRule,
  insertRule,
  listAlerts,
  listRules,
  openAlertsOfRules,
  toAlertRecord,
  toAlertRule,
  updateRule,
} from '../../adapters/db/alerts-repo';
import { openDatabase } from '../../adapters/db/client';
import { queuesOf } from '../../adapters/queues/event-bus';
import { recordTransitions } from '../../app/alerts/record-transitions';
import { resolveManually } from '../../domain/alerts/lifecycle';
import { ALERT_SCOPES, COMPARATORS, FLEET_METRICS, isMetricOfScope, metricsOf, SESSION_METRICS } from '../../domain/alerts/rules';
import { toPage } from '../../domain/pagination';
import type { Env } from '../../env';
import { newRuleId, toAlertItem } from '../alerts/record';
import { checkNotifyUrl, notifyUrlRefusal } from '../alerts/webhook-target';
import type { Config } from '../config';
import { keysetFromCursor } from '../cursor';
import { ApiError, conflict, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonBody, jsonResponse, PaginationQuery, pageOf } from '../openapi';

export const alertRoutes = createRouter();
const alertReader = requireAuth({ role: 'admin', scope: 'analytics:read' });
const alertAdmin = requireAuth({ role: 'admin', scope: 'admin' });

const ALL_METRICS = [...new Set([...FLEET_METRICS, ...SESSION_METRICS])] as [string, ...string[]];

const FilterSchema = z
  .strictObject({
    videoId: z.string().min(1).max(64).optional(),
    roomId: z.string().min(1).max(64).optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'ISO 3166 alpha-2 country code')
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .openapi('AlertFilter', { description: 'Narrows the rule to one video, room and/or country' });

// Where the URL may point depends on the deployment (localhost in development, the IPFS node's address), so
// that part is checked in the handlers (requireWebhookTarget), after the shape is validated here.
const NotifyUrl = z
  .url()
  .max(2048)
  .nullable()
  .openapi({
    description:
      'Webhook POSTed (signed, X-VibeStream-Signature) when an alert opens or resolves. A public https URL: private, ' +
      'loopback, link-local, metadata and IPFS node addresses are refused. Needs ALERT_WEBHOOK_SECRET to be set (409 otherwise).',
  });

/**
 * A rule may name a webhook only if it can be delivered signed and to a public address: 400 for an address
 * webhooks must not reach, 409 `webhook_secret_missing` while ALERT_WEBHOOK_SECRET is unset (receivers could not
 * tell our alerts from forged ones).
 */
function requireWebhookTarget(notifyUrl: string | null | undefined, config: Config, env: Env): void {
  if (!notifyUrl) return;
  const refusal = notifyUrlRefusal(checkNotifyUrl(notifyUrl, config, env), config.allowsLocalhostWebhooks);
  if (refusal) {
    throw new ApiError(400, 'validation_failed', 'Invalid request body', [
      { location: 'body', path: 'notifyUrl', message: refusal, code: 'custom' },
    ]);
  }
  if (!config.alertWebhookSecret) {
    throw conflict(
      'webhook_secret_missing',
      'Alert webhooks are sent signed only: set the ALERT_WEBHOOK_SECRET secret (wrangler secret put ALERT_WEBHOOK_SECRET) before saving a rule with a notifyUrl',
    );
  }
}

const ruleFields = {
  name: z.string().trim().min(1).max(120),
  metric: z.enum(ALL_METRICS).openapi({
    description: `Fleet: ${FLEET_METRICS.join(', ')}. Session: ${SESSION_METRICS.join(', ')}.`,
  }),
  comparator: z.enum(COMPARATORS).openapi({ description: 'The alert fires while `metric <comparator> threshold`' }),
  threshold: z.number().finite(),
  windowSeconds: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .openapi({ description: 'Fleet rules: aggregate over the last N seconds. Session rules use the latest minute.' }),
  scope: z.enum(ALERT_SCOPES),
  filter: FilterSchema.nullable(),
  minSamples: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .openapi({ description: 'Below this many samples (finished connections for connectionSuccessRate) nothing is decided' }),
  hysteresis: z
    .number()
    .finite()
    .min(0)
    .openapi({ description: 'How far past the threshold the value must recover before a firing alert resolves' }),
  enabled: z.boolean(),
  notifyUrl: NotifyUrl,
};

type RuleShape = { metric: string; scope: (typeof ALERT_SCOPES)[number] };
function checkMetricScope(rule: RuleShape, ctx: { addIssue: (issue: z.core.$ZodRawIssue) => void }) {
  if (!isMetricOfScope(rule.metric, rule.scope)) {
    ctx.addIssue({
      code: 'custom',
      path: ['metric'],
      message: `"${rule.metric}" is not a ${rule.scope} metric; use one of ${metricsOf(rule.scope).join(', ')}`,
      input: rule.metric,
    });
  }
}

const RuleCreateSchema = z
  .strictObject({
    ...ruleFields,
    windowSeconds: ruleFields.windowSeconds.default(300),
    filter: ruleFields.filter.optional(),
    minSamples: ruleFields.minSamples.default(1),
    hysteresis: ruleFields.hysteresis.default(0),
    enabled: ruleFields.enabled.default(true),
    notifyUrl: NotifyUrl.optional(),
  })
  .superRefine(checkMetricScope)
  .openapi('AlertRuleCreate');

const RuleUpdateSchema = z
  .strictObject(ruleFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change')
  .openapi('AlertRuleUpdate');

const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    metric: z.string(),
    comparator: z.enum(COMPARATORS),
    threshold: z.number(),
    windowSeconds: z.number().int(),
    scope: z.enum(ALERT_SCOPES),
    filter: FilterSchema.nullable(),
    minSamples: z.number().int(),
    hysteresis: z.number(),
    enabled: z.boolean(),
    notifyUrl: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AlertRule');

const AlertSchema = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    ruleName: z.string(),
    metric: z.string(),
    scope: z.enum(ALERT_SCOPES),
    scopeKey: z.string().openapi({ description: '"fleet" (or "fleet:videoId=…") for fleet rules, the session id for session rules' }),
    state: z.enum(['firing', 'resolved']),
    value: z.number().nullable().openapi({ description: 'The metric at the last evaluation' }),
    threshold: z.number(),
    startedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Alert');

const toRule = (row: AlertRuleRow) => ({
  ...toAlertRule(row),
  filter: row.filter ?? null,
  notifyUrl: row.notifyUrl ?? null,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

const idParam = (prefix: string, what: string) =>
  z.object({
    id: z
      .string()
      .regex(new RegExp(`^${prefix}_[a-z0-9_]{3,60}$`), `Not ${what} id`)
      .openapi({ param: { name: 'id', in: 'path' } }),
  });

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/alerts/rules',
    tags: ['Alerts'],
    summary: 'List alert rules, oldest first',
    security: bearerOrKeySecurity,
    middleware: [alertReader] as const,
    responses: {
      200: jsonResponse(z.object({ items: z.array(RuleSchema) }).openapi('AlertRuleList'), 'Every alert rule'),
      ...errorResponses(401, 403),
    },
  }),
  async (c) => c.json({ items: (await listRules(openDatabase(c.env.DB))).map(toRule) }, 200),
);

alertRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/alerts/rules',
    tags: ['Alerts'],
    summary: 'Create an alert rule',
    security: bearerOrKeySecurity,
    middleware: [alertAdmin] as const,
    request: { body: jsonBody(RuleCreateSchema) },
    responses: { 201: jsonResponse(RuleSchema, 'The new rule'), ...errorResponses(400, 401, 403, 409, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    requireWebhookTarget(body.notifyUrl, c.get('config'), c.env);
    const db = openDatabase(c.env.DB);
    const now = Date.now();
    const id = newRuleId();
    await insertRule(db, {
      ...body,
      metric: body.metric as AlertRuleRow['metric'],
      id,
      filter: body.filter ?? null,
      notifyUrl: body.notifyUrl ?? null,
      createdAt: now,
      updatedAt: now,
    });
    const row = await findRule(db, id);
    if (!row) throw notFound('Alert rule');
    return c.json(toRule(row), 201);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/alerts/rules/{id}',
    tags: ['Alerts'],
    summary: 'Change an alert rule (disabling it resolves its open alerts)',
    security: bearerOrKeySecurity,
    middleware: [alertAdmin] as const,
    request: { params: idParam('rul', 'a rule'), body: jsonBody(RuleUpdateSchema) },
    responses: { 200: jsonResponse(RuleSchema, 'The updated rule'), ...errorResponses(400, 401, 403, 404, 409, 413) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    requireWebhookTarget(body.notifyUrl, c.get('config'), c.env);
    const db = openDatabase(c.env.DB);
    const existing = await findRule(db, id);
    if (!existing) throw notFound('Alert rule');
    const merged = { metric: body.metric ?? existing.metric, scope: body.scope ?? existing.scope };
    if (!isMetricOfScope(merged.metric, merged.scope)) {
      throw new ApiError(400, 'validation_failed', 'Invalid request body', [
        {
          location: 'body',
          path: 'metric',
          message: `"${merged.metric}" is not a ${merged.scope} metric; use one of ${metricsOf(merged.scope).join(', ')}`,
          code: 'custom',
        },
      ]);
    }
    const now = Date.now();
    await updateRule(db, id, { ...body, metric: merged.metric, updatedAt: now });
    const updated = await findRule(db, id);
    if (!updated) throw notFound('Alert rule');
    // A disabled rule is no longer evaluated, so nothing would ever resolve its open alerts: resolve them now.
    if (existing.enabled && !updated.enabled) {
      const rule = toAlertRule(updated);
      const open = await openAlertsOfRules(db, [id]);
      await recordTransitions(
        db,
        queuesOf(c.env),
        open.map((row) => ({ rule, transition: resolveManually(toAlertRecord(row), now) })),
        { resolvedBy: principalOf(c).userId, actorId: principalOf(c).userId },
      );
    }
    return c.json(toRule(updated), 200);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/alerts/rules/{id}',
    tags: ['Alerts'],
    summary: 'Delete an alert rule together with its alerts',
    security: bearerOrKeySecurity,
    middleware: [alertAdmin] as const,
    request: { params: idParam('rul', 'a rule') },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    if (!(await deleteRule(openDatabase(c.env.DB), c.req.valid('param').id))) throw notFound('Alert rule');
    return c.body(null, 204);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/alerts',
    tags: ['Alerts'],
    summary: 'List alerts, newest first',
    security: bearerOrKeySecurity,
    middleware: [alertReader] as const,
    request: { query: z.strictObject({ state: z.enum(['firing', 'resolved']).optional(), ...PaginationQuery }) },
    responses: { 200: jsonResponse(pageOf(AlertSchema, 'AlertPage'), 'A page of alerts'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { state, cursor, limit } = c.req.valid('query');
    const key = keysetFromCursor(cursor);
    const after = key ? { startedAt: key[0], id: key[1] } : null;
    const rows = await listAlerts(openDatabase(c.env.DB), state, after, limit);
    return c.json(
      toPage(rows, limit, (row) => [row.startedAt, row.id], toAlertItem),
      200,
    );
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/alerts/{id}/resolve',
    tags: ['Alerts'],
    summary: 'Resolve (acknowledge) a firing alert; if the condition persists, the next evaluation opens a new one',
    security: bearerOrKeySecurity,
    middleware: [alertAdmin] as const,
    request: { params: idParam('alt', 'an alert') },
    responses: { 200: jsonResponse(AlertSchema, 'The resolved alert'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const db = openDatabase(c.env.DB);
    const alert = await findAlert(db, id);
    if (!alert) throw notFound('Alert');
    if (alert.state !== 'firing') throw conflict('already_resolved', 'This alert is already resolved');
    const rule = await findRule(db, alert.ruleId);
    if (!rule) throw notFound('Alert rule');
    const userId = principalOf(c).userId;
    await recordTransitions(
      db,
      queuesOf(c.env),
      [{ rule: toAlertRule(rule), transition: resolveManually(toAlertRecord(alert), Date.now()) }],
      {
        resolvedBy: userId,
        actorId: userId,
      },
    );
    const resolved = await findAlert(db, id);
    if (!resolved) throw notFound('Alert');
    return c.json(toAlertItem(resolved), 200);
  },
);
