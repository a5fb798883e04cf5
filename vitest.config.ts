import { defineConfig } from 'vitest/config';

// `npm test` runs every project: pure domain code in Node, Worker/DO/D1/Queue code inside workerd,
// operator tooling (seed, admin CLI, dev stack) in Node, and browser flows in headless Chromium.
//
// Scheduling on two cores: Vitest's default is one worker fewer than the cores, i.e. a single lane here, which
// runs every file one after another. Two lanes let the unit, workers and tooling files overlap; then the browser
// flows run two files at a time (vitest.e2e-flows.config.ts, groupOrder 1); last, the timing-sensitive P2P and
// call-room flows run one file at a time with the machine to themselves (vitest.e2e.config.ts, groupOrder 2).
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      './vitest.unit.config.ts',
      './vitest.workers.config.ts',
      './vitest.tooling.config.ts',
      './vitest.e2e-flows.config.ts',
      './vitest.e2e.config.ts',
    ],
  },
});
