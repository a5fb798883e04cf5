// The trusted-device token (OWASP Authentication Cheat Sheet, "device cookies"): after a successful sign-in the
// browser gets an HttpOnly cookie naming a random device id, signed for that account. A later sign-in to the same
// account that presents it is throttled per device only (domain/rate-limits signInBuckets), so however hard
// strangers hammer the account, its owner's own browser can still sign in. It grants nothing else: it is not a
// credential, and a token for one account means nothing for another.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { issueToken, verifyToken } from '../../domain/auth-tokens';
import type { AppEnv } from '../env';

const COOKIE_NAME = 'vs_trusted_device';
// Long enough that a returning owner still has it; each sign-in renews it.
const TTL_SECONDS = 180 * 24 * 3600;
// Sent only to the sign-in routes, never to the rest of the API or to pages.
const COOKIE_PATH = '/api/v1/auth';

/** The device id of a valid trusted-device token issued to `userId`, else null. */
export async function trustedDeviceOf(c: Context<AppEnv>, userId: string): Promise<string | null> {
  const presented = getCookie(c, COOKIE_NAME);
  if (!presented) return null;
  const verified = await verifyToken('device', presented, c.get('config').jwtSecret);
  return verified.ok && verified.claims.userId === userId ? verified.claims.deviceId : null;
}

/** Sets (or renews, keeping its id) this browser's trusted-device token for `userId`. */
export async function rememberDevice(c: Context<AppEnv>, userId: string, deviceId: string | null): Promise<void> {
  const issued = await issueToken('device', { userId, deviceId: deviceId ?? crypto.randomUUID() }, c.get('config').jwtSecret, TTL_SECONDS);
  setCookie(c, COOKIE_NAME, issued.token, {
    path: COOKIE_PATH,
    httpOnly: true,
    // Plain http only on a local stack, where a Secure cookie would not come back.
    secure: new URL(c.req.url).protocol === 'https:',
    sameSite: 'Strict',
    maxAge: TTL_SECONDS,
  });
}
