// Vars and secrets parsed once per isolate. A missing or weak secret is a deployment mistake: the API
// answers 503 "misconfigured" rather than running with an empty signing key.
import { z } from 'zod';
import type { Env } from '../env';
import { ApiError } from './errors';

const configSchema = z.object({
  APP_ENV: z.string().default('production'),
  CORS_ORIGINS: z.string().default(''),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(3600).max(31_536_000).default(2_592_000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1_048_576),
  // How long an isolate may trust its cached copy of an account's token version and disabled flag. 5 s meets "a
  // revoked token stops within seconds" while a busy account costs one D1 read per isolate per 5 s, not per request.
  ACCOUNT_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
  ALERT_WEBHOOK_SECRET: z.string().optional(),
  CONTENT_KEY_SECRET: z.string().min(32, 'CONTENT_KEY_SECRET must be at least 32 characters').optional(),
});

export interface Config {
  appEnv: string;
  corsOrigins: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  maxBodyBytes: number;
  accountCheckCacheMs: number;
  jwtSecret: string;
  /** null: encrypted videos can be neither packaged nor played (the key routes answer 503). */
  contentKeySecret: string | null;
  logLevel: LogLevel;
  /** Signs alert webhooks; without it no rule may have a webhook and none is sent (routes/alerts.ts). */
  alertWebhookSecret: string | null;
  /** Plain-http webhooks to localhost/127.0.0.1 for local receivers: development and tests only. */
  allowsLocalhostWebhooks: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const cache = new WeakMap<object, Config>();

export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    // Never echo values: only which settings are wrong.
    const fields = parsed.error.issues.map((issue) => issue.path.join('.'));
    throw new ApiError(503, 'misconfigured', 'The service is not configured correctly', { fields });
  }
  const c = parsed.data;
  const config: Config = {
    appEnv: c.APP_ENV,
    corsOrigins: c.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    accessTokenTtlSeconds: c.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: c.REFRESH_TOKEN_TTL_SECONDS,
    maxBodyBytes: c.MAX_BODY_BYTES,
    accountCheckCacheMs: c.ACCOUNT_CHECK_CACHE_MS,
    jwtSecret: c.JWT_SECRET,
    contentKeySecret: c.CONTENT_KEY_SECRET ?? null,
    logLevel: c.LOG_LEVEL,
    alertWebhookSecret: c.ALERT_WEBHOOK_SECRET?.trim() || null,
    allowsLocalhostWebhooks: c.APP_ENV === 'development' || c.APP_ENV === 'test',
  };
  cache.set(env, config);
  return config;
}
