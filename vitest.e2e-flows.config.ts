import { defineConfig } from 'vitest/config';
import { TIMING_SENSITIVE_E2E } from './vitest.e2e.config';

// The other browser flows (pages, catalog, upload and packaging, studio, watch-page states, payments): two files
// at a time, sharing one `wrangler dev` and one Chromium from their own global setup. They share no port or
// browser profile (each test opens its own browser context), and what they assert does not depend on timing.
export default defineConfig({
  test: {
    name: 'e2e-flows',
    include: ['test/e2e/**/*.test.ts'],
    exclude: TIMING_SENSITIVE_E2E,
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { groupOrder: 1 },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
