// Shared pieces of every router: one validation-failure hook (→ 400 in the API error shape), the error
// and pagination schemas, and the security schemes the OpenAPI document advertises.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env';
import { ApiError, validationDetails } from './errors';

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const location = result.target === 'json' ? 'body' : result.target;
        throw new ApiError(400, 'validation_failed', `Invalid request ${location}`, validationDetails(result.error, location));
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

const errorContent = { 'application/json': { schema: ErrorSchema } };

/** Standard error responses for the OpenAPI document, by status. */
export const errors = {
  400: { description: 'Invalid input', content: errorContent },
  401: { description: 'Missing, invalid or expired credentials', content: errorContent },
  403: { description: 'Authenticated but not allowed', content: errorContent },
  404: { description: 'Not found', content: errorContent },
  409: { description: 'Conflict with the current state', content: errorContent },
  413: { description: 'Request body too large', content: errorContent },
  429: { description: 'Too many requests; Retry-After says when to try again', content: errorContent },
  503: { description: 'A dependency is unavailable; retry later', content: errorContent },
} as const;

export function errorResponses<S extends keyof typeof errors>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, errors[s]])) as Pick<typeof errors, S>;
}

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const PaginationQuery = {
  cursor: z.string().max(512).optional().openapi({ description: 'Opaque cursor from the previous page (nextCursor)' }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'Page size, 1–100 (default 20)' }),
};

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({ items: z.array(item), nextCursor: z.string().nullable().openapi({ description: 'null on the last page' }) })
    .openapi(name);
}

export const bearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }];
export const bearerOrKeySecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKey: [] }];
