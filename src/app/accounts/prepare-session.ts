// A "session" is an access token (short JWT) plus a rotating refresh token stored hashed in D1.
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../adapters/db/client';
import { insertRefreshTokenStatement } from '../../adapters/db/refresh-tokens-repo';
import { type PublicUser, toPublicUser, type UserRow } from '../../adapters/db/users-repo';
import { issueToken } from '../../domain/auth-tokens';
import { randomSecret, sha256Hex } from '../../domain/hash';
import { newId } from '../../domain/ids';

export interface SessionResponse {
  user: PublicUser;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** The settings a session needs (a subset of the Worker's Config). */
export interface SessionConfig {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface PreparedSession {
  /** Statements to commit (with whatever else the request writes) before answering. */
  statements: BatchItem<'sqlite'>[];
  refreshTokenId: string;
  response: SessionResponse;
}

export async function prepareSession(
  db: Database,
  config: SessionConfig,
  user: UserRow,
  familyId: string = newId('fam'),
  now = Date.now(),
): Promise<PreparedSession> {
  const access = await issueToken(
    'access',
    { userId: user.id, role: user.role, tokenVersion: user.tokenVersion },
    config.jwtSecret,
    config.accessTokenTtlSeconds,
    now,
  );
  const refreshToken = `rt_${randomSecret(32)}`;
  const refreshTokenId = newId('rtk');
  const expiresAt = now + config.refreshTokenTtlSeconds * 1000;
  return {
    refreshTokenId,
    statements: [
      insertRefreshTokenStatement(db, {
        id: refreshTokenId,
        userId: user.id,
        familyId,
        tokenHash: await sha256Hex(refreshToken),
        createdAt: now,
        expiresAt,
      }),
    ],
    response: {
      user: toPublicUser(user),
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: config.accessTokenTtlSeconds,
      refreshToken,
      refreshTokenExpiresAt: new Date(expiresAt).toISOString(),
    },
  };
}
