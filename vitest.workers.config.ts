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
            CONTENT_KEY_SECRET: 'test-content-key-secret-long-enough-0123456789',
            APP_ENV: 'test',
            LOG_LEVEL: 'error',
            // Alert webhooks are only saved and sent signed; test/integration/alerts.test.ts also runs without it.
            ALERT_WEBHOOK_SECRET: 'whsec_alerts_integration_test',
            // Knobs of the fuzz test (test/integration/bad-input.test.ts): repeat a run's seed, change its size.
            FUZZ_SEED: process.env.FUZZ_SEED ?? '',
            FUZZ_COUNT: process.env.FUZZ_COUNT ?? '',
            // Payment providers point at hosts no network has: test/integration/payments-fixtures.ts routes
            // them to the contract servers in test/contract (other test files simply see them unreachable).
            STRIPE_SECRET_KEY: 'sk_test_workers_contract',
            STRIPE_WEBHOOK_SECRET: 'whsec_workers_contract',
            STRIPE_API_URL: 'https://stripe.contract.test',
            PAYPAL_CLIENT_ID: 'paypal-client-workers',
            PAYPAL_CLIENT_SECRET: 'paypal-secret-workers',
            PAYPAL_WEBHOOK_ID: 'WH-WORKERS-CONTRACT',
            PAYPAL_API_URL: 'https://paypal.contract.test',
            PAYPAL_CERT_HOSTS: 'paypal.contract.test',
            COINBASE_API_KEY: 'coinbase-key-workers',
            COINBASE_WEBHOOK_SECRET: 'coinbase-webhook-secret-workers',
            COINBASE_API_URL: 'https://coinbase.contract.test',
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
