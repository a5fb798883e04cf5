// The API's one error path. Handlers throw ApiError (or let validation, body-limit and JSON parsing fail);
// `errorResponse` turns anything thrown into `{ error: { code, message, details?, requestId } }`.
// Unknown failures become a 500 without internals; D1 overload/unavailability becomes a 503 with
// Retry-After, since the request can succeed if repeated.
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

function isD1Unavailable(error: Error): boolean {
  // D1 reports overload, resets and storage timeouts with these prefixes; all are transient.
  return /D1_ERROR.*(overloaded|reset|timeout|unavailable)|Network connection lost|storage caused object to be reset/i.test(error.message);
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
  if (error instanceof Error && isD1Unavailable(error)) {
    console.error(JSON.stringify({ level: 'error', requestId, msg: 'database unavailable', error: error.message }));
    return c.json(errorBody('unavailable', 'The database is temporarily unavailable', undefined, requestId), 503, {
      'Retry-After': '2',
    });
  }
  console.error(
    JSON.stringify({ level: 'error', requestId, msg: 'unhandled error', error: error instanceof Error ? error.stack : String(error) }),
  );
  return c.json(errorBody('internal_error', 'Something went wrong on our side', undefined, requestId), 500);
}
