// Sign-up, login, token refresh (rotating), logout (one device or everywhere), password change, and "who am I".
import { createRoute, z } from '@hono/zod-openapi';
import { openDatabase } from '../../adapters/db/client';
import { findRefreshTokenByHash, revokeFamilyStatement, rotateRefreshTokenStatement } from '../../adapters/db/refresh-tokens-repo';
import { findUserByEmail, findUserById, insertUserStatement, setUserPasswordStatement, toPublicUser } from '../../adapters/db/users-repo';
import { outboxStatements, queuesOf, relay } from '../../adapters/queues/event-bus';
import { accountStandingCache } from '../../app/accounts/account-standing-cache';
import { changePassword } from '../../app/accounts/change-password';
import { prepareSession } from '../../app/accounts/prepare-session';
import { signOutEverywhere } from '../../app/accounts/sign-out-everywhere';
import { createEvent } from '../../domain/events';
import { sha256Hex } from '../../domain/hash';
import { newId } from '../../domain/ids';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../../domain/password';
import { passwordStrength, weakPasswordMessage } from '../../domain/password-strength';
import { limitRefreshes, limitSignups, loginThrottle, passwordChangeThrottle } from '../auth/rate-limits';
import { rememberDevice, trustedDeviceOf } from '../auth/trusted-device';
import { ApiError, conflict, notFound, unauthorized } from '../errors';
import { principalOf, requireAuth } from '../middleware/auth';
import { bearerOrKeySecurity, bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi';
import { ChangePasswordBody, LoginBody, RefreshBody, SessionSchema, SignupBody, UserSchema } from '../schemas';

export const authRoutes = createRouter();

const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'Email or password is incorrect');

/** Refuses a new password the strength estimator rates guessable, saying why (400 weak_password). */
async function ensureStrongPassword(password: string, userInputs: string[]): Promise<void> {
  const strength = await passwordStrength(password, userInputs);
  const refusal = weakPasswordMessage(strength);
  if (refusal) {
    throw new ApiError(400, 'weak_password', refusal, {
      score: strength.score,
      warning: strength.warning,
      suggestions: strength.suggestions,
    });
  }
}

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/signup',
    tags: ['Auth'],
    summary: 'Create an account (viewer or creator) and sign in',
    description:
      'A password the strength estimator (zxcvbn) scores below 3 of 4 — common passwords, keyboard patterns, ' +
      'sequences, the email or display name — is refused with 400 `weak_password`, the reason in the message.',
    request: { body: jsonBody(SignupBody) },
    responses: { 201: jsonResponse(SessionSchema, 'Account created, signed in'), ...errorResponses(400, 409, 413, 429) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await ensureStrongPassword(body.password, [body.email, body.displayName]);
    await limitSignups(c);
    const db = openDatabase(c.env.DB);
    if (await findUserByEmail(db, body.email)) throw conflict('email_taken', 'An account with this email already exists');
    const now = Date.now();
    const user = {
      id: newId('usr'),
      email: body.email.trim().toLowerCase(),
      passwordHash: await hashPassword(body.password),
      displayName: body.displayName,
      role: body.role,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
      tokenVersion: 0,
    };
    const session = await prepareSession(db, c.get('config'), user, undefined, now);
    const event = createEvent('user.signed_up', { userId: user.id, role: user.role }, user.id, now);
    try {
      await db.batch([insertUserStatement(db, user), ...session.statements, ...outboxStatements(db, [event])]);
    } catch (error) {
      // Two sign-ups with one email at the same moment: the unique index decides, the loser gets 409.
      if (error instanceof Error && /UNIQUE constraint failed: users\.email/.test(`${error.message} ${String(error.cause)}`)) {
        throw conflict('email_taken', 'An account with this email already exists');
      }
      throw error;
    }
    c.executionCtx.waitUntil(relay(db, queuesOf(c.env), [event]).catch(() => {}));
    await rememberDevice(c, user.id, null);
    return c.json(session.response, 201);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/login',
    tags: ['Auth'],
    summary: 'Exchange email and password for an access token and a refresh token',
    description:
      'Also sets an HttpOnly `vs_trusted_device` cookie (path /api/v1/auth): later sign-ins to this account that send ' +
      "it are rate-limited per device only, so other people's failed attempts cannot lock this browser out.",
    request: { body: jsonBody(LoginBody) },
    responses: { 200: jsonResponse(SessionSchema, 'Signed in'), ...errorResponses(400, 401, 413, 429) },
  }),
  async (c) => {
    const { email, password } = c.req.valid('json');
    const db = openDatabase(c.env.DB);
    const user = await findUserByEmail(db, email);
    // Throttled before the password is checked, so a locked-out guesser learns nothing; a browser that signed in
    // to this account before is throttled on its own, so strangers' failures cannot lock the owner out of it.
    const trustedDeviceId = user ? await trustedDeviceOf(c, user.id) : null;
    const throttle = loginThrottle(c, email, trustedDeviceId);
    const previous = await throttle.ensureAllowed();
    if (!user) {
      await burnPasswordCheck(password);
      await throttle.failed();
      throw invalidCredentials();
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      await throttle.failed();
      throw invalidCredentials();
    }
    await throttle.succeeded(previous);
    if (user.disabledAt !== null) throw new ApiError(403, 'account_disabled', 'This account is disabled');
    const now = Date.now();
    const session = await prepareSession(db, c.get('config'), user, undefined, now);
    const rehash = needsRehash(user.passwordHash) ? [setUserPasswordStatement(db, user.id, await hashPassword(password), now)] : [];
    await db.batch([...session.statements, ...rehash] as [(typeof session.statements)[number], ...typeof session.statements]);
    await rememberDevice(c, user.id, trustedDeviceId);
    return c.json(session.response, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/refresh',
    tags: ['Auth'],
    summary: 'Trade a refresh token for a new session (the old refresh token stops working)',
    request: { body: jsonBody(RefreshBody) },
    responses: { 200: jsonResponse(SessionSchema, 'New tokens'), ...errorResponses(400, 401, 413, 429) },
  }),
  async (c) => {
    const { refreshToken } = c.req.valid('json');
    await limitRefreshes(c);
    const db = openDatabase(c.env.DB);
    const stored = await findRefreshTokenByHash(db, await sha256Hex(refreshToken));
    const now = Date.now();
    if (!stored) throw unauthorized('Unknown refresh token', 'invalid');
    if (stored.revokedAt !== null) {
      // A rotated token came back: someone holds a copy. Revoke every token of this login.
      if (stored.replacedBy !== null) await revokeFamilyStatement(db, stored.familyId, now).run();
      throw unauthorized('Refresh token has been revoked', 'invalid');
    }
    if (stored.expiresAt <= now) throw unauthorized('Refresh token expired; sign in again', 'expired');
    const user = await findUserById(db, stored.userId);
    if (!user || user.disabledAt !== null) throw unauthorized('Account is not active', 'invalid');
    const session = await prepareSession(db, c.get('config'), user, stored.familyId, now);
    const [rotated] = await db.batch([rotateRefreshTokenStatement(db, stored.id, session.refreshTokenId, now), ...session.statements]);
    if (rotated.length === 0) {
      // Lost a race with a concurrent refresh of the same token: treat as reuse.
      await revokeFamilyStatement(db, stored.familyId, now).run();
      throw unauthorized('Refresh token has been revoked', 'invalid');
    }
    return c.json(session.response, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/logout',
    tags: ['Auth'],
    summary: 'Revoke a refresh token (sign out this device)',
    request: { body: jsonBody(RefreshBody) },
    responses: { 204: { description: 'Signed out (also when the token was already invalid)' }, ...errorResponses(400, 413) },
  }),
  async (c) => {
    const { refreshToken } = c.req.valid('json');
    const db = openDatabase(c.env.DB);
    const stored = await findRefreshTokenByHash(db, await sha256Hex(refreshToken));
    if (stored) await revokeFamilyStatement(db, stored.familyId, Date.now()).run();
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/password',
    tags: ['Auth'],
    summary: 'Change password; ends every session, and answers with a fresh one for this device',
    description:
      'Every refresh token of the account is revoked and every access token issued before stops working within ' +
      'ACCOUNT_CHECK_CACHE_MS (401 `token_revoked`), including the one that made this call: use the session in the answer.',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    request: { body: jsonBody(ChangePasswordBody) },
    responses: { 200: jsonResponse(SessionSchema, 'Password changed; the new session'), ...errorResponses(400, 401, 403, 413, 429) },
  }),
  async (c) => {
    const { currentPassword, newPassword } = c.req.valid('json');
    const db = openDatabase(c.env.DB);
    const user = await findUserById(db, principalOf(c).userId);
    if (!user) throw unauthorized('Account no longer exists', 'invalid');
    const throttle = passwordChangeThrottle(c, user.id);
    const previous = await throttle.ensureAllowed();
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      await throttle.failed();
      throw invalidCredentials();
    }
    await throttle.succeeded(previous);
    await ensureStrongPassword(newPassword, [user.email, user.displayName]);
    const session = await changePassword(
      { db, config: c.get('config'), cache: accountStandingCache, nowMs: Date.now() },
      user,
      newPassword,
    );
    return c.json(session, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/logout-all',
    tags: ['Auth'],
    summary: 'Sign out everywhere: revoke every refresh token and stop every access token of this account',
    description: 'Access tokens already handed out are refused (401 `token_revoked`) within ACCOUNT_CHECK_CACHE_MS.',
    security: bearerSecurity,
    middleware: [requireAuth({ scope: null })] as const,
    responses: { 204: { description: 'Every session ended, this one included' }, ...errorResponses(401, 403) },
  }),
  async (c) => {
    await signOutEverywhere({ db: openDatabase(c.env.DB), cache: accountStandingCache, nowMs: Date.now() }, principalOf(c).userId);
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/me',
    tags: ['Auth'],
    summary: 'The signed-in user',
    security: bearerOrKeySecurity,
    middleware: [requireAuth({ scope: 'catalog:read' })] as const,
    responses: { 200: jsonResponse(z.object({ user: UserSchema }), 'The current user'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const user = await findUserById(openDatabase(c.env.DB), principalOf(c).userId);
    if (!user) throw notFound('User');
    return c.json({ user: toPublicUser(user) }, 200);
  },
);
