import { defineConfig } from 'vitest/config';

// The other browser flows (pages, catalog, upload and packaging, studio, watch-page states, payments): two files
// at a time, sharing one `wrangler dev` and one Chromium from their own global setup. They share no port or
// browser profile (each test opens its own browser context), and what they assert does not depend on timing.
export default defineConfig({
  test: {
    name: 'e2e-flows',
    include: ['test/e2e/**/*.test.ts'],
    // The timing-sensitive flows, run alone by vitest.e2e.config.ts.
    exclude: ['test/e2e/watch.test.ts', 'test/e2e/room.test.ts'],
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
