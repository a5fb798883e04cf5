// A "session" is an access token (short JWT) plus a rotating refresh token stored hashed in D1.
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../adapters/db/client';
import { insertRefreshTokenStatement } from '../../adapters/db/refresh-tokens-repo';
import { type PublicUser, toPublicUser, type UserRow } from '../../adapters/db/users-repo';
import { issueToken } from '../../domain/auth-tokens';
import { randomSecret, sha256Hex } from '../../domain/hash';
import { newId } from '../../domain/ids';
import type { Config } from '../config';

export interface SessionResponse {
  user: PublicUser;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export interface PreparedSession {
  /** Statements to commit (with whatever else the request writes) before answering. */
  statements: BatchItem<'sqlite'>[];
  refreshTokenId: string;
  response: SessionResponse;
}

export async function prepareSession(
  db: Database,
  config: Config,
  user: UserRow,
  familyId: string = newId('fam'),
  now = Date.now(),
): Promise<PreparedSession> {
  const access = await issueToken('access', { userId: user.id, role: user.role }, config.jwtSecret, config.accessTokenTtlSeconds, now);
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
