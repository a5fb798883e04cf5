// Abuse limits of the auth routes, kept in RateLimiter Durable Objects (one per key). A refused request is a 429
// `rate_limited` with Retry-After (RFC 9110 §10.2.3) in the API error shape.
import type { Context } from 'hono';
import {
  isSharedLocalAddress,
  LOGIN_FAILURES,
  type RateDecision,
  REFRESHES_PER_ADDRESS,
  SIGNUPS_PER_ADDRESS,
  type SignInBucket,
  signInBuckets,
  type WindowRule,
} from '../../domain/rate-limits';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { servedByEdge } from '../request-cf';

type AppContext = Context<AppEnv>;

/**
 * The caller's address, when Cloudflare vouches for it. On the edge `request.cf` is set and CF-Connecting-IP is the
 * address the edge's socket saw (a value the client sent is replaced). Without `request.cf` nothing of Cloudflare's
 * handled the request (a service binding, a test harness calling the handler), and the header is whatever the
 * caller wrote: it is ignored, so a client cannot pick its bucket.
 *
 * Locally (`wrangler dev`, miniflare) `request.cf` is always present — a canned object, which a client can even
 * replace through miniflare's MF-CF-Blob header — and CF-Connecting-IP is set from the socket only when the client
 * sent none, so a client on the local machine can still choose. That stack listens on loopback for one developer;
 * the per-account ceiling and trusted-device tokens (signInBuckets) hold there too.
 */
export function clientAddress(c: AppContext): string | undefined {
  if (!servedByEdge(c.req.raw)) return undefined;
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

/** Failures counted in every bucket, refused with `message` once any bucket is full. */
function failureThrottle(c: AppContext, buckets: SignInBucket[], message: string) {
  const stubs = buckets.map((bucket) => ({ bucket, stub: limiter(c, bucket.key) }));
  return {
    /** Refuses the attempt outright once there were too many failures. */
    async ensureAllowed(): Promise<RateDecision[]> {
      const decisions = await Promise.all(stubs.map(({ bucket, stub }) => stub.check(bucket.rule)));
      const refused = decisions.filter((decision) => !decision.allowed).sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
      if (refused) throw tooMany(refused, message);
      return decisions;
    },
    async failed(): Promise<void> {
      await Promise.all(stubs.map(({ bucket, stub }) => stub.take(bucket.rule)));
    },
    async succeeded(previous: RateDecision[]): Promise<void> {
      await Promise.all(
        stubs.map(({ bucket, stub }, i) => (bucket.clearedBySuccess && (previous[i]?.hits ?? 0) > 0 ? stub.clear() : undefined)),
      );
    },
  };
}

/**
 * Sign-in failures of one account (see signInBuckets): per trusted device, or per vouched address plus the
 * account's ceiling. `trustedDeviceId` comes from a verified trusted-device token issued to this very account.
 */
export function loginThrottle(c: AppContext, email: string, trustedDeviceId: string | null) {
  return failureThrottle(
    c,
    signInBuckets({ email, address: clientAddress(c), trustedDeviceId }),
    trustedDeviceId
      ? 'Too many failed sign-in attempts from this browser; try again later'
      : 'Too many failed sign-in attempts; try again later, or from a browser that signed in to this account before',
  );
}

/**
 * Wrong current passwords on a password change, per account: whoever holds a stolen access token must not be able
 * to guess the password behind it (and so take over the account for good) at request speed.
 */
export function passwordChangeThrottle(c: AppContext, userId: string) {
  return failureThrottle(
    c,
    [{ key: `password-change:${userId}`, rule: LOGIN_FAILURES, clearedBySuccess: true }],
    'Too many wrong current passwords; try again later',
  );
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
