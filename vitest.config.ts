import { defineConfig } from 'vitest/config';

// `npm test` runs every project: pure domain code in Node, Worker/DO/D1/Queue code inside workerd,
// operator tooling (seed, admin CLI, dev stack) in Node, and browser flows in headless Chromium.
//
// Scheduling on two cores: Vitest's default is one worker fewer than the cores, i.e. a single lane here, which
// runs every file one after another. Two lanes let the unit, workers and tooling files overlap; the browser
// flows (WebRTC timing, playback) run afterwards on their own (vitest.e2e.config.ts sets a later groupOrder),
// so they never compete with workerd-heavy files for the cores.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: ['./vitest.unit.config.ts', './vitest.workers.config.ts', './vitest.tooling.config.ts', './vitest.e2e.config.ts'],
  },
});
