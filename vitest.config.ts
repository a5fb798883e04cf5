import { defineConfig } from 'vitest/config';

// `npm test` runs every project: pure domain code in Node, Worker/DO/D1/Queue code inside workerd,
// operator tooling (seed, admin CLI, dev stack) in Node, and browser flows in headless Chromium.
export default defineConfig({
  test: {
    projects: ['./vitest.unit.config.ts', './vitest.workers.config.ts', './vitest.tooling.config.ts', './vitest.e2e.config.ts'],
  },
});
