// Wire types of the JSON API as the web app uses them. The source of truth is the OpenAPI document the Worker
// serves at /api/v1/openapi.json (built from the zod schemas in src/workers); keep these in step with it.
import type { Role } from '../../src/domain/roles';

export type { Role };

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: string;
}

/** Body of signup, login and refresh responses. */
export interface AuthResult {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
}

export type Visibility = 'public' | 'unlisted' | 'private';

export interface Video {
  id: string;
  creatorId: string;
  creatorName: string;
  title: string;
  description: string;
  tags: string[];
  language: string;
  priceCents: number;
  currency: string;
  visibility: Visibility;
  status: string;
  durationSeconds: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. null on the last page. */
  nextCursor: string | null;
}

/** One entry of `error.details` for validation failures (src/workers/errors.ts `validationDetails`). */
export interface ValidationIssue {
  location: string;
  /** Dot-joined path inside the location, e.g. "email" or "tags.0". */
  path: string;
  message: string;
  code?: string;
}

/** Every non-2xx response of the API carries this body. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
    requestId?: string;
  };
}
