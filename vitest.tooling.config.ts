import { defineConfig } from 'vitest/config';

// Operator tooling (dev/: seed, admin CLI, the `npm run dev` stack) tested in Node against real wrangler and
// workerd, each test on its own throwaway `--persist-to` directory. Every wrangler call costs seconds, hence
// the long timeouts; files run one after another because two cores gain nothing from racing wranglers.
export default defineConfig({
  test: {
    name: 'tooling',
    include: ['test/tooling/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/tooling/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
