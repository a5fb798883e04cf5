// One structured log line per request (Workers Logs indexes JSON fields). Never logs headers, bodies or
// query strings: they can carry tokens, keys and personal data.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  const line = {
    level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    route: c.req.routePath,
    status,
    durationMs: Date.now() - started,
    colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo,
  };
  console.log(JSON.stringify(line));
};
