// Shared by the tooling tests: throwaway copies of the migrated state, running the dev/ scripts as an
// operator would, and reading the local D1 database straight from Miniflare's SQLite file.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../dev/lib/project';
import type { CompletedRun } from '../../dev/lib/run';
import { runToCompletion } from '../../dev/lib/run';

/** A private copy of the migrated (empty) database; removed by the returned cleanup. */
export async function freshState(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vibestream-state-'));
  await cp(inject('migratedStateDir'), dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export type ScriptRun = CompletedRun;

/** Runs `dev/<script>.ts` the way `npm run <script> -- args` does (tsx), optionally feeding stdin. */
export function runScript(script: 'seed' | 'admin', args: string[], stdin?: string): Promise<ScriptRun> {
  return runToCompletion(process.execPath, ['--import', 'tsx', join('dev', `${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    input: stdin ?? '',
  });
}

/**
 * Opens the local D1 database of a state directory with better-sqlite3. Miniflare keeps it at
 * `v3/d1/miniflare-D1DatabaseObject/<hash>.sqlite` beside its own `metadata.sqlite`; this project has one D1
 * binding, so there is exactly one such file. Read-only: the CLI under test stays the only writer.
 */
export async function openD1(stateDir: string, options: { readonly?: boolean } = {}): Promise<Database.Database> {
  const dir = join(stateDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 sqlite file in ${dir}, found: ${files.join(', ') || 'none'}`);
  return new Database(join(dir, files[0] as string), { readonly: options.readonly ?? true, fileMustExist: true });
}

export async function queryD1<T>(stateDir: string, sql: string, ...params: unknown[]): Promise<T[]> {
  const db = await openD1(stateDir);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
