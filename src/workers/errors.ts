// The API's one error path. Handlers throw ApiError (or let validation, body-limit and JSON parsing fail);
// `errorResponse` turns anything thrown into `{ error: { code, message, details?, requestId } }`.
// Unknown failures become a 500 without internals; a transient D1 or Durable Object failure becomes a 503
// `unavailable` with Retry-After, since the request can succeed if repeated.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'bad_request', message, details);
export const notFound = (what = 'Resource') => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new ApiError(403, 'forbidden', message);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);
export function unauthorized(message = 'Authentication required', reason: 'missing' | 'invalid' | 'expired' = 'missing') {
  const code = reason === 'missing' ? 'unauthenticated' : reason === 'expired' ? 'token_expired' : 'invalid_token';
  // RFC 6750 §3: tell the client how to authenticate and why it failed.
  const challenge = reason === 'missing' ? 'Bearer realm="vibestream"' : `Bearer realm="vibestream", error="invalid_token"`;
  return new ApiError(401, code, message, undefined, { 'WWW-Authenticate': challenge });
}

/** zod issues as a compact, stable list for `details`. */
export function validationDetails(error: z.ZodError, location: string) {
  return error.issues.map((issue) => ({
    location,
    path: issue.path.map(String).join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

const statusCodes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

// Failures of D1 or a Durable Object that a later retry can get past: D1's documented retryable errors
// (developers.cloudflare.com/d1/best-practices/retry-queries), its overload and lock errors, and the `.retryable` /
// `.overloaded` / `.durableObjectReset` flags the runtime sets on Durable Object infrastructure errors
// (developers.cloudflare.com/durable-objects/best-practices/error-handling). drizzle wraps a D1 error in its own
// ("Failed query: …") with the original as `cause`, so the whole cause chain is searched.
const TRANSIENT_STORAGE =
  /Network connection lost|storage caused object to be reset|reset because its code was updated|database is locked|SQLITE_BUSY|storage operation exceeded timeout/i;
// Any other D1_* error (D1_ERROR, D1_EXEC_ERROR, …) is treated as the database being unavailable, except the ones
// that are bugs rather than weather: retrying the same statement cannot succeed, so they stay a 500.
const PERMANENT_SQL =
  /SQLITE_(CONSTRAINT|ERROR|MISMATCH|RANGE|TOOBIG)|constraint failed|no such (table|column)|syntax error|has no column/i;

interface StorageFailure {
  message: string;
  overloaded: boolean;
}

export function transientStorageFailure(error: unknown): StorageFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const flags = current as Error & { retryable?: boolean; overloaded?: boolean; durableObjectReset?: boolean };
    const message = current.message ?? '';
    if (!PERMANENT_SQL.test(message)) {
      if (flags.overloaded === true || /overloaded|Too many requests queued/i.test(message)) return { message, overloaded: true };
      // durableObjectReset: the object restarted (deploy, eviction, abort) while this call was in flight.
      if (flags.retryable === true || flags.durableObjectReset === true || TRANSIENT_STORAGE.test(message) || /^D1_/.test(message))
        return { message, overloaded: false };
    }
    current = current.cause;
  }
  return undefined;
}

export function errorBody(code: string, message: string, details: unknown, requestId: string | undefined) {
  return { error: { code, message, ...(details === undefined ? {} : { details }), ...(requestId ? { requestId } : {}) } };
}

export function errorResponse(error: unknown, c: Context): Response {
  const requestId = c.get('requestId') as string | undefined;
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message, error.details, requestId), error.status, error.headers);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const code = statusCodes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    return c.json(errorBody(code, error.message || code, undefined, requestId), status);
  }
  if (error instanceof z.ZodError) {
    return c.json(errorBody('validation_failed', 'Invalid request', validationDetails(error, 'body'), requestId), 400);
  }
  const storage = transientStorageFailure(error);
  if (storage) {
    console.error(JSON.stringify({ level: 'error', requestId, msg: 'storage unavailable', error: storage.message.slice(0, 500) }));
    // An overloaded store needs a longer pause than a dropped connection.
    return c.json(errorBody('unavailable', 'Storage is temporarily unavailable; retry shortly', undefined, requestId), 503, {
      'Retry-After': storage.overloaded ? '10' : '2',
    });
  }
  console.error(
    JSON.stringify({ level: 'error', requestId, msg: 'unhandled error', error: error instanceof Error ? error.stack : String(error) }),
  );
  return c.json(errorBody('internal_error', 'Something went wrong on our side', undefined, requestId), 500);
}
