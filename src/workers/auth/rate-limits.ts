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

/** Failures counted under `key` (LOGIN_FAILURES: five per 15 minutes), refused with `message` past the limit. */
function failureThrottle(c: AppContext, key: string, message: string) {
  const stub = limiter(c, key);
  return {
    /** Refuses the attempt outright once there were too many failures. */
    async ensureAllowed(): Promise<RateDecision> {
      const decision = await stub.check(LOGIN_FAILURES);
      if (!decision.allowed) throw tooMany(decision, message);
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

/** Sign-in failures of one account from one address. */
export function loginThrottle(c: AppContext, email: string) {
  return failureThrottle(
    c,
    `login:${email.trim().toLowerCase()}:${clientAddress(c) ?? 'unknown'}`,
    'Too many failed sign-in attempts; try again later',
  );
}

/**
 * Wrong current passwords on a password change, per account: whoever holds a stolen access token must not be able
 * to guess the password behind it (and so take over the account for good) at request speed.
 */
export function passwordChangeThrottle(c: AppContext, userId: string) {
  return failureThrottle(c, `password-change:${userId}`, 'Too many wrong current passwords; try again later');
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
