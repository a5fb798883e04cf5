import { defineConfig } from 'vitest/config';

// Browser flows whose assertions depend on timing — the P2P player (stalls, peers leaving mid-transfer) and call
// rooms (WebRTC round trips) — against the real stack: the built web app and the Worker in one `wrangler dev`
// (started once by the global setup), driven by headless Chromium. Files run one after another, on a machine the
// other projects have finished with (vitest.config.ts), so CPU contention from other tests never causes a stall.
export default defineConfig({
  test: {
    name: 'e2e',
    // Excluded from vitest.e2e-flows.config.ts.
    include: ['test/e2e/watch.test.ts', 'test/e2e/room.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 2 },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Stopping wrangler dev waits up to 5 s for a clean exit before killing its process group.
    teardownTimeout: 20_000,
  },
});
