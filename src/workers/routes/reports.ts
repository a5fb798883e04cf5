// Revenue reports from the ledger (JSON or CSV), and the reconciliation reports of the daily cron.
// Creators see their own sales and earnings only; admins (or keys with payments:read held by an admin) see all.
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { findReconciliationReport, listReconciliationReports, revenueAggregates } from '../../adapters/db/payments-repo';
import { toCsv } from '../../domain/csv';
import { creatorView, foldRevenue, GROUP_BY } from '../../domain/payments/reports';
import { roleAtLeast } from '../../domain/roles';
import { ApiError, notFound } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonResponse } from '../openapi';
import { runReconciliation } from '../payments/reconciliation';

export const reportRoutes = createRouter();

const DAY_MS = 86_400_000;
const MAX_RANGE_MS = 366 * DAY_MS;

const Instant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'Use ISO 8601 or epoch milliseconds', input: value });
      return z.NEVER;
    }
    return ms;
  });

const RevenueQuery = z.object({
  from: Instant.optional().openapi({ description: 'Start (inclusive), ISO 8601 or epoch ms; default 30 days before `to`' }),
  to: Instant.optional().openapi({ description: 'End (exclusive); default now' }),
  groupBy: z.enum(GROUP_BY).default('day'),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/)
    .transform((c) => c.toUpperCase())
    .optional(),
  format: z.enum(['json', 'csv']).optional().openapi({ description: 'csv also via Accept: text/csv' }),
  creatorId: z
    .string()
    .regex(/^usr_[a-z0-9]{6,40}$/)
    .optional()
    .openapi({ description: 'Admins: one creator only. Creators always get their own.' }),
});

const RevenueRowSchema = z
  .object({
    key: z.string().openapi({ description: 'The day (YYYY-MM-DD, UTC), provider, creator id or video id' }),
    currency: z.string(),
    gross: z.number().int(),
    refunds: z.number().int(),
    chargebacks: z.number().int(),
    creatorEarnings: z.number().int(),
    payments: z.number().int(),
    fees: z.number().int().optional(),
    platformRevenue: z.number().int().optional(),
    platformNet: z.number().int().optional(),
  })
  .openapi('RevenueRow');

const RevenueReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(GROUP_BY),
    scope: z.enum(['all', 'creator']),
    rows: z.array(RevenueRowSchema),
    totals: z.array(RevenueRowSchema),
  })
  .openapi('RevenueReport');

const ADMIN_COLUMNS = [
  'key',
  'currency',
  'gross',
  'refunds',
  'chargebacks',
  'fees',
  'creatorEarnings',
  'platformRevenue',
  'platformNet',
  'payments',
];
const CREATOR_COLUMNS = ['key', 'currency', 'gross', 'refunds', 'chargebacks', 'creatorEarnings', 'payments'];

reportRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/reports/revenue',
    tags: ['Payments'],
    summary: 'Revenue from the ledger, grouped by day, provider, creator or video (JSON or CSV)',
    description:
      'Amounts are minor units. Per row: gross − refunds − chargebacks = creatorEarnings + platformRevenue; platformNet = ' +
      'platformRevenue − fees. Creators see their own rows and earnings only; admins see all.',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ role: 'creator', scope: 'payments:read' })] as const,
    request: { query: RevenueQuery },
    responses: {
      200: {
        description: 'The report',
        content: { 'application/json': { schema: RevenueReportSchema }, 'text/csv': { schema: z.string() } },
      },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const principal = principalOf(c);
    const isAdmin = roleAtLeast(principal.role, 'admin');
    const to = query.to ?? Date.now();
    const from = query.from ?? to - 30 * DAY_MS;
    if (from >= to) throw new ApiError(400, 'validation_failed', '`from` must be before `to`');
    if (to - from > MAX_RANGE_MS) throw new ApiError(400, 'validation_failed', 'The range is at most 366 days');
    const creatorId = isAdmin ? query.creatorId : principal.userId;
    const rows = foldRevenue(
      await revenueAggregates(openDatabase(c.env.DB), { from, to, groupBy: query.groupBy, currency: query.currency, creatorId }),
    );
    const totals = foldRevenue(
      rows.flatMap((row) => [
        {
          key: 'total',
          currency: row.currency,
          memo: 'gross' as const,
          accountKind: 'clearing' as const,
          amount: row.gross,
          transactions: row.payments,
        },
        {
          key: 'total',
          currency: row.currency,
          memo: 'refund' as const,
          accountKind: 'clearing' as const,
          amount: -row.refunds,
          transactions: 0,
        },
        {
          key: 'total',
          currency: row.currency,
          memo: 'chargeback' as const,
          accountKind: 'clearing' as const,
          amount: -row.chargebacks,
          transactions: 0,
        },
        { key: 'total', currency: row.currency, memo: 'fee' as const, accountKind: 'expense' as const, amount: row.fees, transactions: 0 },
        {
          key: 'total',
          currency: row.currency,
          memo: 'creator' as const,
          accountKind: 'creator' as const,
          amount: -row.creatorEarnings,
          transactions: 0,
        },
        {
          key: 'total',
          currency: row.currency,
          memo: 'platform' as const,
          accountKind: 'platform' as const,
          amount: -row.platformRevenue,
          transactions: 0,
        },
      ]),
    );
    const shaped = (list: typeof rows) => (isAdmin ? list : list.map(creatorView));
    const wantsCsv = query.format === 'csv' || (query.format === undefined && (c.req.header('Accept') ?? '').includes('text/csv'));
    if (wantsCsv) {
      const csv = toCsv(isAdmin ? ADMIN_COLUMNS : CREATOR_COLUMNS, shaped(rows) as Record<string, unknown>[]);
      return c.body(csv, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="revenue-${query.groupBy}.csv"`,
      });
    }
    return c.json(
      {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        groupBy: query.groupBy,
        scope: isAdmin && !query.creatorId ? ('all' as const) : ('creator' as const),
        rows: shaped(rows),
        totals: shaped(totals),
      },
      200,
    );
  },
);

const ReconciliationSchema = z
  .object({
    id: z.string(),
    windowFrom: z.string(),
    windowTo: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    matched: z.number().int(),
    mismatchCount: z.number().int(),
    requeried: z.number().int(),
    providers: z.unknown().openapi({ description: 'Per provider: ok, error, requeried, matched, totals and each mismatch' }),
  })
  .openapi('ReconciliationReport');

type ReportRow = NonNullable<Awaited<ReturnType<typeof findReconciliationReport>>>;
const reportView = (row: ReportRow) => ({
  id: row.id,
  windowFrom: new Date(row.windowFrom).toISOString(),
  windowTo: new Date(row.windowTo).toISOString(),
  startedAt: new Date(row.startedAt).toISOString(),
  finishedAt: new Date(row.finishedAt).toISOString(),
  matched: row.matched,
  mismatchCount: row.mismatchCount,
  requeried: row.requeried,
  providers: row.details,
});

const admin = requireAuth({ role: 'admin', scope: 'admin' });

reportRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/reconciliation',
    tags: ['Payments'],
    summary: 'Reconciliation reports, newest first (admins)',
    security: bearerOrKeySecurity,
    middleware: [admin] as const,
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
    responses: { 200: jsonResponse(z.object({ items: z.array(ReconciliationSchema) }), 'Reports'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const rows = await listReconciliationReports(openDatabase(c.env.DB), c.req.valid('query').limit);
    return c.json({ items: rows.map(reportView) }, 200);
  },
);

reportRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/reconciliation/{id}',
    tags: ['Payments'],
    summary: 'One reconciliation report with every mismatch (admins)',
    security: bearerOrKeySecurity,
    middleware: [admin] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .regex(/^rec_[a-z0-9]{6,40}$/)
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
    },
    responses: { 200: jsonResponse(ReconciliationSchema, 'Report'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const row = await findReconciliationReport(openDatabase(c.env.DB), c.req.valid('param').id);
    if (!row) throw notFound('Reconciliation report');
    return c.json(reportView(row), 200);
  },
);

reportRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/reconciliation',
    tags: ['Payments'],
    summary: 'Run reconciliation now over the last 48 hours, as the daily cron does (admins)',
    security: bearerOrKeySecurity,
    middleware: [admin] as const,
    responses: { 201: jsonResponse(ReconciliationSchema, 'The new report'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const { id } = await runReconciliation(c.env);
    const row = (await findReconciliationReport(openDatabase(c.env.DB), id)) as ReportRow;
    return c.json(reportView(row), 201);
  },
);
