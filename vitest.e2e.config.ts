import { defineConfig } from 'vitest/config';

// Browser flows against the real stack: the built web app and the Worker in one `wrangler dev` (started once
// by the global setup), driven by headless Chromium. Files run one after another: they share that server and
// each launches its own browser, which two cores cannot run many of at once.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    // After every other project has finished (vitest.config.ts): browser flows get the machine to themselves.
    sequence: { groupOrder: 1 },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Stopping wrangler dev waits up to 5 s for a clean exit before killing its process group.
    teardownTimeout: 20_000,
  },
});
