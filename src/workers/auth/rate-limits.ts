// Abuse limits of the auth routes, kept in RateLimiter Durable Objects (one per key). A refused request is a 429
// `rate_limited` with Retry-After (RFC 9110 §10.2.3) in the API error shape.
import type { Context } from 'hono';
import {
  isSharedLocalAddress,
  LOGIN_FAILURES,
  type RateDecision,
  REFRESHES_PER_ADDRESS,
  SIGNUPS_PER_ADDRESS,
  type WindowRule,
} from '../../domain/rate-limits';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

type AppContext = Context<AppEnv>;

/** The caller's address as Cloudflare reports it (the edge sets it; clients cannot). */
export function clientAddress(c: AppContext): string | undefined {
  return c.req.header('CF-Connecting-IP')?.trim() || undefined;
}

function limiter(c: AppContext, key: string) {
  return c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key));
}

function tooMany(decision: RateDecision, message: string): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    message,
    { retryAfterSeconds: decision.retryAfterSeconds },
    {
      'Retry-After': String(decision.retryAfterSeconds),
    },
  );
}

/** Sign-in failures of one account from one address. */
export function loginThrottle(c: AppContext, email: string) {
  const stub = limiter(c, `login:${email.trim().toLowerCase()}:${clientAddress(c) ?? 'unknown'}`);
  return {
    /** Refuses the attempt outright once the account has failed too often from this address. */
    async ensureAllowed(): Promise<RateDecision> {
      const decision = await stub.check(LOGIN_FAILURES);
      if (!decision.allowed) throw tooMany(decision, 'Too many failed sign-in attempts; try again later');
      return decision;
    },
    async failed(): Promise<void> {
      await stub.take(LOGIN_FAILURES);
    },
    async succeeded(previous: RateDecision): Promise<void> {
      if (previous.hits > 0) await stub.clear();
    },
  };
}

async function perAddress(c: AppContext, action: string, rule: WindowRule, message: string): Promise<void> {
  const address = clientAddress(c);
  if (isSharedLocalAddress(address)) return;
  const decision = await limiter(c, `${action}:${address}`).take(rule);
  if (!decision.allowed) throw tooMany(decision, message);
}

export const limitSignups = (c: AppContext) => perAddress(c, 'signup', SIGNUPS_PER_ADDRESS, 'Too many sign-ups from this address');
export const limitRefreshes = (c: AppContext) =>
  perAddress(c, 'refresh', REFRESHES_PER_ADDRESS, 'Too many token refreshes from this address');
