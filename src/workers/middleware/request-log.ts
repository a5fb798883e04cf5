// One structured log line per request (Workers Logs indexes JSON fields). Never logs headers, bodies or
// query strings: they can carry tokens, keys and personal data.
import type { MiddlewareHandler } from 'hono';
import type { LogLevel } from '../config';
import type { AppEnv } from '../env';
import { edgeLocationOf } from '../request-cf';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  const level: LogLevel = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  // config is unset when loading it failed; that request is worth logging whatever the level.
  const threshold = c.get('config')?.logLevel ?? 'debug';
  if (LEVELS.indexOf(level) < LEVELS.indexOf(threshold)) return;
  const line = {
    level,
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    route: c.req.routePath,
    status,
    durationMs: Date.now() - started,
    colo: edgeLocationOf(c.req.raw).colo ?? undefined,
  };
  console.log(JSON.stringify(line));
};
