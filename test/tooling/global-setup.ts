// Applies the D1 migrations once, to a template state directory that every tooling test copies: applying
// them costs several seconds of wrangler each time, copying a few files costs nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { d1ApplyMigrations } from '../../dev/lib/d1';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A local state directory whose D1 database has every migration applied and no rows. */
    migratedStateDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'vibestream-tooling-'));
  const stateDir = join(root, 'migrated');
  await d1ApplyMigrations({ remote: false, persistTo: stateDir });
  project.provide('migratedStateDir', stateDir);
  return () => rm(root, { recursive: true, force: true });
}
