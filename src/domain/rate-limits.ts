// Fixed-size sliding windows for abuse limits on sign-in, sign-up and token refresh. The state is the list of
// recent hit times (never longer than the limit), so it fits in one storage value of a Durable Object.
// Password guessing is limited per account and client address (OWASP Authentication Cheat Sheet, "Login
// Throttling"): an attacker spraying one address across many accounts, or one account from many addresses, is
// slowed without locking the account's owner out everywhere.

export interface WindowRule {
  /** Hits allowed inside the window. */
  limit: number;
  windowMs: number;
}

/** Failed sign-ins per account and client address: the sixth attempt within 15 minutes is refused. */
export const LOGIN_FAILURES: WindowRule = { limit: 5, windowMs: 15 * 60_000 };
/**
 * Failed sign-ins per account from all addresses together that carry no trusted-device token: the ceiling for an
 * attacker who rotates addresses. Slower than the per-address rule, and with sign-up refusing passwords a strength
 * estimator rates below "safely unguessable" (≥ 10^8 guesses, domain/password-strength.ts) 720 guesses a day are
 * nothing. Reaching it would lock the owner out too, except from a browser holding a trusted-device token.
 */
export const LOGIN_FAILURES_PER_ACCOUNT: WindowRule = { limit: 30, windowMs: 60 * 60_000 };
/** Failed sign-ins through one trusted-device token (OWASP's per-device-cookie lockout). */
export const LOGIN_FAILURES_PER_DEVICE: WindowRule = { limit: 5, windowMs: 15 * 60_000 };

export interface SignInBucket {
  /** Durable Object name of the counter. */
  key: string;
  rule: WindowRule;
  /** A success forgets this bucket's failures (never the account ceiling: the owner signing in now and then must not
   * reopen it for a guesser elsewhere). */
  clearedBySuccess: boolean;
}

/**
 * The counters a sign-in attempt is checked against and charged to (OWASP Authentication Cheat Sheet, "Login
 * Throttling", and its "device cookies" proposal):
 * - a browser that signed in to this account before presents a trusted-device token: only that device's own
 *   failures count, so strangers hammering the account from anywhere cannot lock its owner out of it;
 * - anyone else: failures per (account, address) — an address Cloudflare vouches for, never one the client chose —
 *   plus the slower per-account ceiling across all addresses. Without a vouched address (no edge in front), only
 *   the ceiling applies: no bucket is ever shared between unrelated clients under a placeholder like "unknown".
 */
export function signInBuckets(input: { email: string; address: string | undefined; trustedDeviceId: string | null }): SignInBucket[] {
  const account = input.email.trim().toLowerCase();
  if (input.trustedDeviceId)
    return [{ key: `login-device:${input.trustedDeviceId}`, rule: LOGIN_FAILURES_PER_DEVICE, clearedBySuccess: true }];
  const buckets: SignInBucket[] = [{ key: `login-account:${account}`, rule: LOGIN_FAILURES_PER_ACCOUNT, clearedBySuccess: false }];
  if (input.address) buckets.unshift({ key: `login:${account}:${input.address}`, rule: LOGIN_FAILURES, clearedBySuccess: true });
  return buckets;
}
/** Accounts created per client address. */
export const SIGNUPS_PER_ADDRESS: WindowRule = { limit: 20, windowMs: 60 * 60_000 };
/** Token refreshes per client address (a browser refreshes once per 15-minute access token). */
export const REFRESHES_PER_ADDRESS: WindowRule = { limit: 60, windowMs: 60_000 };

export interface RateDecision {
  allowed: boolean;
  /** Hits inside the window (after recording, for `record`). */
  hits: number;
  /** Seconds until the oldest hit leaves the window; 0 when allowed. */
  retryAfterSeconds: number;
}

/** Hits still inside the window, oldest first. A clock stepping backwards keeps them rather than dropping them. */
export function recentHits(hits: readonly number[], rule: WindowRule, nowMs: number): number[] {
  return hits.filter((at) => nowMs - at < rule.windowMs);
}

export function decide(hits: readonly number[], rule: WindowRule, nowMs: number): RateDecision {
  const recent = recentHits(hits, rule, nowMs);
  if (recent.length < rule.limit) return { allowed: true, hits: recent.length, retryAfterSeconds: 0 };
  // The window reopens when the oldest hit that still counts against the limit ages out.
  const oldest = recent[recent.length - rule.limit] as number;
  return { allowed: false, hits: recent.length, retryAfterSeconds: Math.max(1, Math.ceil((oldest + rule.windowMs - nowMs) / 1000)) };
}

/** Adds one hit; keeps at most `limit` entries, all a decision needs. */
export function record(hits: readonly number[], rule: WindowRule, nowMs: number): number[] {
  return [...recentHits(hits, rule, nowMs), nowMs].slice(-rule.limit);
}

/**
 * Loopback and unknown addresses exempt from the per-address limits: every local client (development stack,
 * end-to-end tests, benchmarks) shares one, while behind Cloudflare CF-Connecting-IP is always a real address.
 */
export function isSharedLocalAddress(address: string | undefined): boolean {
  return !address || address === '127.0.0.1' || address === '::1' || address.startsWith('::ffff:127.');
}
