// Storage operations (admin role, or an API key with the `admin` scope): IPFS node health, the garbage report,
// store/unpin jobs and per-creator quotas. Node endpoints answer 503 not_configured when IPFS_API_URLS is unset.
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { jobCountsByState, listJobs, pinsOf, quotaOf, setQuotaStatement, usedBytesOf } from '../../adapters/db/ipfs-repo';
import { findUserById } from '../../adapters/db/users-repo';
import { type IpfsConfig, ipfsConfigOf } from '../../adapters/ipfs/config';
import { PROMETHEUS_CONTENT_TYPE } from '../../domain/monitoring/exposition';
import { STORAGE_JOB_STATES } from '../../domain/storage/jobs';
import { renderStorageMetrics } from '../../domain/storage/metrics';
import type { Env } from '../../env';
import { ApiError, notFound } from '../errors';
import { nodeReports, runStorageMaintenance, storageGarbageReport } from '../ipfs/maintenance';
import { defaultQuotaBytes } from '../ipfs/publish';
import { requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';

export const storageAdminRoutes = createRouter();
const adminOnly = requireAuth({ role: 'admin', scope: 'admin' });

function requireIpfs(env: Env): IpfsConfig {
  const config = ipfsConfigOf(env);
  if (!config) throw new ApiError(503, 'not_configured', 'IPFS storage is off: set IPFS_API_URLS');
  return config;
}

const NodeReportSchema = z
  .object({
    node: z.string(),
    reachable: z.boolean(),
    peerId: z.string().nullable(),
    agentVersion: z.string().nullable(),
    swarmPeers: z.number().int().nullable(),
    repoBytes: z.number().nullable(),
    storageMaxBytes: z.number().nullable(),
    objects: z.number().nullable(),
    freeBytes: z.number().nullable(),
    freeRatio: z.number().nullable(),
    lowSpace: z.boolean(),
    error: z.string().nullable(),
  })
  .openapi('IpfsNodeReport');

storageAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/storage/nodes',
    tags: ['Storage'],
    summary: 'Health of every configured IPFS node: id, swarm peers, repo stat, free space',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    responses: {
      200: jsonResponse(z.object({ replicationFactor: z.number().int(), nodes: z.array(NodeReportSchema) }), 'One report per node'),
      ...errorResponses(401, 403, 503),
    },
  }),
  async (c) => {
    const config = requireIpfs(c.env);
    const reports = await nodeReports(c.env, config);
    return c.json(
      {
        replicationFactor: config.replicationFactor,
        nodes: reports.map((report) => ({
          node: report.node,
          reachable: report.reachable,
          peerId: report.identity?.peerId ?? null,
          agentVersion: report.identity?.agentVersion ?? null,
          swarmPeers: report.peers?.length ?? null,
          repoBytes: report.repo?.repoBytes ?? null,
          storageMaxBytes: report.repo?.storageMaxBytes ?? null,
          objects: report.repo?.objects ?? null,
          freeBytes: report.freeBytes,
          freeRatio: report.freeRatio,
          lowSpace: report.lowSpace,
          error: report.error,
        })),
      },
      200,
    );
  },
);

storageAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/storage/metrics',
    tags: ['Storage'],
    summary: 'Storage gauges for Prometheus: node up, repo bytes, StorageMax, free ratio, swarm peers, pinned roots, jobs by state',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    responses: {
      200: {
        description: 'Prometheus text exposition format 0.0.4',
        content: { 'text/plain': { schema: z.string().openapi({ description: 'Prometheus text exposition format 0.0.4' }) } },
      },
      ...errorResponses(401, 403, 503),
    },
  }),
  async (c) => {
    const config = requireIpfs(c.env);
    const db = openDatabase(c.env.DB);
    const [reports, pins, jobs] = await Promise.all([nodeReports(c.env, config), pinsOf(db), jobCountsByState(db)]);
    const body = renderStorageMetrics(
      reports.map((report) => ({
        node: report.node,
        reachable: report.reachable,
        repoBytes: report.repo?.repoBytes ?? null,
        storageMaxBytes: report.repo?.storageMaxBytes ?? null,
        freeRatio: report.freeRatio,
        swarmPeers: report.peers?.length ?? null,
        pinnedRoots: pins.filter((pin) => pin.node === report.node).length,
      })),
      Object.fromEntries(jobs.map((row) => [row.state, Number(row.count)])),
    );
    return c.text(body, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
  },
);

const PinRef = z.object({ node: z.string(), cid: z.string() });
storageAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/storage/garbage',
    tags: ['Storage'],
    summary: 'Garbage report: orphaned pins (no live video), missing replicas, stale pin records',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    responses: {
      200: jsonResponse(
        z
          .object({
            orphaned: z.array(PinRef),
            missing: z.array(PinRef.extend({ videoId: z.string() })),
            stale: z.array(PinRef.extend({ videoId: z.string() })),
          })
          .openapi('StorageGarbageReport'),
        'Unreachable nodes are left out of the comparison',
      ),
      ...errorResponses(401, 403, 503),
    },
  }),
  async (c) => {
    const report = await storageGarbageReport(c.env, requireIpfs(c.env));
    return c.json(
      {
        orphaned: report.orphaned,
        missing: report.missing.map(({ node, cid, videoId }) => ({ node, cid, videoId })),
        stale: report.stale.map(({ node, cid, videoId }) => ({ node, cid, videoId })),
      },
      200,
    );
  },
);

const JobSchema = z
  .object({
    id: z.string(),
    videoId: z.string(),
    kind: z.string(),
    state: z.enum(STORAGE_JOB_STATES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('StorageJob');

storageAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/storage/jobs',
    tags: ['Storage'],
    summary: 'Storage jobs, most recently updated first (at most 100)',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: { query: z.strictObject({ state: z.enum(STORAGE_JOB_STATES).optional(), videoId: z.string().max(64).optional() }) },
    responses: { 200: jsonResponse(z.object({ items: z.array(JobSchema) }), 'Jobs'), ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { state, videoId } = c.req.valid('query');
    const rows = await listJobs(openDatabase(c.env.DB), { state, videoId }, 100);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return c.json(
      {
        items: rows.map((row) => ({
          ...row,
          createdAt: new Date(row.createdAt).toISOString(),
          updatedAt: new Date(row.updatedAt).toISOString(),
          completedAt: iso(row.completedAt),
        })),
      },
      200,
    );
  },
);

storageAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/storage/maintenance',
    tags: ['Storage'],
    summary: 'Run the storage maintenance of the */5 cron now: node health alerts, pin checks and repair, failed jobs',
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    responses: {
      200: jsonResponse(
        z
          .object({
            nodes: z.number().int(),
            unreachable: z.number().int(),
            repinned: z.number().int(),
            replicated: z.number().int(),
            failedJobs: z.number().int(),
            errors: z.array(z.string()),
          })
          .openapi('StorageMaintenanceResult'),
        'What was checked and repaired',
      ),
      ...errorResponses(401, 403, 503),
    },
  }),
  async (c) => {
    requireIpfs(c.env);
    const result = await runStorageMaintenance(c.env, Date.now());
    if (!result) throw new ApiError(503, 'not_configured', 'IPFS storage is off: set IPFS_API_URLS');
    return c.json(result, 200);
  },
);

const QuotaSchema = z.object({ creatorId: z.string(), quotaBytes: z.number().int(), usedBytes: z.number().int() }).openapi('StorageQuota');
const CreatorParam = z.object({
  creatorId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'creatorId', in: 'path' } }),
});

storageAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/storage/quotas/{creatorId}',
    tags: ['Storage'],
    summary: "A creator's storage quota and usage (bytes)",
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: { params: CreatorParam },
    responses: { 200: jsonResponse(QuotaSchema, 'Quota and usage'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { creatorId } = c.req.valid('param');
    const db = openDatabase(c.env.DB);
    if (!(await findUserById(db, creatorId))) throw notFound('User');
    const [quotaBytes, usedBytes] = await Promise.all([quotaOf(db, creatorId, defaultQuotaBytes(c.env)), usedBytesOf(db, creatorId)]);
    return c.json({ creatorId, quotaBytes, usedBytes }, 200);
  },
);

storageAdminRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/admin/storage/quotas/{creatorId}',
    tags: ['Storage'],
    summary: "Set a creator's storage quota (bytes); checked against every manifest uploaded afterwards",
    security: bearerOrKeySecurity,
    middleware: [adminOnly] as const,
    request: {
      params: CreatorParam,
      body: jsonBody(z.strictObject({ quotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }), 'The new quota'),
    },
    responses: { 200: jsonResponse(QuotaSchema, 'The quota now in force'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { creatorId } = c.req.valid('param');
    const { quotaBytes } = c.req.valid('json');
    const db = openDatabase(c.env.DB);
    if (!(await findUserById(db, creatorId))) throw notFound('User');
    await setQuotaStatement(db, creatorId, quotaBytes, Date.now()).run();
    return c.json({ creatorId, quotaBytes, usedBytes: await usedBytesOf(db, creatorId) }, 200);
  },
);
