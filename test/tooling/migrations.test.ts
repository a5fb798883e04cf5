import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../dev/lib/project';
import { freshState, queryD1 } from './helpers';

// The global setup ran `wrangler d1 migrations apply DB --local` on an empty state directory.
describe('wrangler d1 migrations apply (local)', () => {
  let state: Awaited<ReturnType<typeof freshState>>;
  beforeAll(async () => {
    state = await freshState();
  });
  afterAll(() => state.cleanup());

  it('records every migration file in d1_migrations', async () => {
    const files = (await readdir(join(PROJECT_ROOT, 'migrations'))).filter((name) => name.endsWith('.sql')).sort();
    const applied = await queryD1<{ name: string }>(state.dir, 'SELECT name FROM d1_migrations ORDER BY id');
    expect(applied.map((row) => row.name)).toEqual(files);
  });

  it('creates the tables of the schema, the catalog search index included', async () => {
    const tables = await queryD1<{ name: string }>(state.dir, "SELECT name FROM sqlite_master WHERE type = 'table'");
    const names = tables.map((row) => row.name);
    for (const table of ['users', 'refresh_tokens', 'api_keys', 'videos', 'video_tags', 'interactions', 'videos_fts']) {
      expect(names).toContain(table);
    }
  });
});
