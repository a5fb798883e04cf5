// A local stand-in for Cloudflare's Analytics Engine SQL API, holding to its documented contract
// (developers.cloudflare.com/analytics/analytics-engine/sql-api/):
//   POST {base}/accounts/{account_id}/analytics_engine/sql, `Authorization: Bearer <token>`, the SQL text as the
//   body; with FORMAT JSON the answer is ClickHouse's JSON output { meta, data, rows, rows_before_limit_at_least }.
// It checks each of those and records every request for assertions. It is not a SQL engine: it evaluates just
// the SELECT shape our adapter builds (aliased columns, index1 equality, timestamp range, ORDER BY timestamp,
// LIMIT, FORMAT JSON) over fixture rows, and answers anything else 400, as a failed query would be.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../src/domain/errors';

export interface FixturePoint {
  /** "YYYY-MM-DD hh:mm:ss", UTC, as Analytics Engine reports `timestamp`. */
  timestamp: string;
  index1: string;
  blobs: string[];
  doubles: number[];
  sampleInterval?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface ContractServer {
  /** API root to configure as AE_SQL_API_URL (the part before /accounts). */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ContractServerOptions {
  accountId: string;
  apiToken: string;
  /** Fixture points per dataset name. */
  datasets: Record<string, FixturePoint[]>;
}

const API_ROOT = '/client/v4';

function cloudflareError(res: ServerResponse, status: number, message: string) {
  // The v4 API's error envelope.
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ success: false, errors: [{ code: status, message }], messages: [], result: null }));
}

function sqlError(res: ServerResponse, message: string) {
  res.writeHead(400, { 'Content-Type': 'text/plain' });
  res.end(`Error: ${message}`);
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

type Column = { expr: string; name: string };

function columnValue(point: FixturePoint, expr: string): { value: unknown; type: string } {
  if (expr === 'timestamp') return { value: point.timestamp, type: 'DateTime' };
  if (expr === 'index1') return { value: point.index1, type: 'String' };
  if (expr === '_sample_interval') return { value: point.sampleInterval ?? 1, type: 'UInt32' };
  const blob = /^blob(\d+)$/.exec(expr);
  if (blob) return { value: point.blobs[Number(blob[1]) - 1] ?? '', type: 'String' };
  const double = /^double(\d+)$/.exec(expr);
  if (double) return { value: point.doubles[Number(double[1]) - 1] ?? 0, type: 'Float64' };
  throw new Error(`unknown column ${expr}`);
}

/** Evaluates the one query shape the adapter sends; throws with a SQL-ish message otherwise. */
export function evaluate(sql: string, datasets: Record<string, FixturePoint[]>) {
  const normalized = sql.replace(/\s+/g, ' ').trim();
  const match =
    /^SELECT (.+) FROM ([a-z_][a-z0-9_]*) WHERE index1 = ('(?:[^'\\]|\\.)*') AND timestamp >= toDateTime\('([0-9: -]{19})'\) AND timestamp < toDateTime\('([0-9: -]{19})'\) ORDER BY timestamp (ASC|DESC) LIMIT (\d+) FORMAT JSON$/.exec(
      normalized,
    );
  if (!match) throw new Error('syntax error or unsupported query shape');
  const [, columnList, dataset, indexLiteral, from, to, order, limitText] = match as unknown as string[];
  const points = datasets[dataset as string];
  if (!points) throw new Error(`unknown table ${dataset}`);
  const columns: Column[] = (columnList as string).split(',').map((part) => {
    const aliased = /^\s*([a-z_0-9]+)(?: AS ([A-Za-z_][A-Za-z0-9_]*))?\s*$/.exec(part);
    if (!aliased) throw new Error(`cannot parse column ${part.trim()}`);
    return { expr: aliased[1] as string, name: aliased[2] ?? (aliased[1] as string) };
  });
  const sessionId = unquote(indexLiteral as string);
  const selected = points
    .filter((p) => p.index1 === sessionId && p.timestamp >= (from as string) && p.timestamp < (to as string))
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  if (order === 'DESC') selected.reverse();
  const limited = selected.slice(0, Number(limitText));
  const meta = columns.map((c) => ({ name: c.name, type: points[0] ? columnValue(points[0], c.expr).type : 'String' }));
  const data = limited.map((p) => Object.fromEntries(columns.map((c) => [c.name, columnValue(p, c.expr).value])));
  return { meta, data, rows: data.length, rows_before_limit_at_least: selected.length };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAnalyticsEngineSqlServer(options: ContractServerOptions): Promise<ContractServer> {
  const requests: RecordedRequest[] = [];
  const expectedPath = `${API_ROOT}/accounts/${options.accountId}/analytics_engine/sql`;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    if (!/^\/client\/v4\/accounts\/[^/]+\/analytics_engine\/sql$/.test(path)) return cloudflareError(res, 404, 'No route for that URI');
    if (path !== expectedPath) return cloudflareError(res, 403, 'Authentication error: not this account');
    if (req.method !== 'POST') return cloudflareError(res, 405, 'Method not allowed');
    if (req.headers.authorization !== `Bearer ${options.apiToken}`) return cloudflareError(res, 401, 'Authentication error');
    if (body.trim() === '') return sqlError(res, 'empty query');
    try {
      const result = evaluate(body, options.datasets);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(result));
    } catch (error) {
      sqlError(res, errorMessage(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${API_ROOT}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
