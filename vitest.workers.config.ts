import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Integration tests run inside workerd with the real bindings of wrangler.toml (local D1, Durable Objects,
// Queues, R2), each test file with its own isolated storage. Migrations are applied by test/integration/setup.ts.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        main: './src/workers/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
            APP_ENV: 'test',
            LOG_LEVEL: 'error',
          },
        },
      }),
    ],
    test: {
      name: 'workers',
      include: ['test/integration/**/*.test.ts'],
      setupFiles: ['./test/integration/setup.ts'],
      testTimeout: 30_000,
      // Request logs of passing tests are noise; a failing test still shows its logs.
      silent: 'passed-only' as const,
    },
  };
});
