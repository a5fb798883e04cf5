// Talking to the D1 database from Node through the wrangler CLI (`wrangler d1 execute` / `migrations apply`).
//
// Why the CLI and not a driver: it is the one path that reaches both the local database `wrangler dev` uses
// (a SQLite file inside Miniflare's state directory, whose layout is Miniflare's business) and the deployed
// database (`--remote`, through the account wrangler is logged in to). The price is that `--command` takes
// no bound parameters, so every value is inlined through dev/lib/sql.ts.
import { PROJECT_ROOT, WRANGLER_BIN, wranglerEnv } from './project';
import type { CompletedRun } from './run';
import { runToCompletion } from './run';

/** Which copy of the `DB` binding a command runs against. */
export interface D1Target {
  /** The deployed database of the account wrangler is logged in to. */
  remote: boolean;
  /** Local state directory (wrangler's `--persist-to`); defaults to `.wrangler/state`. Local only. */
  persistTo?: string | undefined;
}

export const LOCAL_D1: D1Target = { remote: false };

export type Row = Record<string, unknown>;

/** One entry per SQL statement, in order, as printed by `wrangler d1 execute --json`. */
export interface StatementResult {
  results: Row[];
  success: boolean;
  meta?: Record<string, unknown>;
}

/** Wrangler ran and the database refused (constraint, syntax, missing table) or wrangler itself failed. */
export class D1CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'D1CommandError';
  }

  get isUniqueViolation(): boolean {
    return /UNIQUE constraint failed/i.test(this.message);
  }

  get isMissingTable(): boolean {
    return /no such table/i.test(this.message);
  }
}

/** Runs the project's wrangler with the offline environment; stdin is not connected, so it never prompts. */
export function runWrangler(args: string[], options: { remote?: boolean } = {}): Promise<CompletedRun> {
  return runToCompletion(process.execPath, [WRANGLER_BIN, ...args], { cwd: PROJECT_ROOT, env: wranglerEnv(options) });
}

function targetFlags(target: D1Target): string[] {
  if (target.remote) {
    if (target.persistTo) throw new Error('--persist-to applies to the local database only, not with --remote');
    return ['--remote'];
  }
  return ['--local', ...(target.persistTo ? ['--persist-to', target.persistTo] : [])];
}

// With --json wrangler prints the JSON document on stdout, sometimes after a blank line; on failure the
// document is `{"error":{"text":"..."}}` and the exit code is 1.
function parseJsonOutput(stdout: string): unknown {
  const start = stdout.search(/[[{]/);
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start));
  } catch {
    return undefined;
  }
}

function errorText(parsed: unknown): string | undefined {
  if (parsed && typeof parsed === 'object' && 'error' in parsed) {
    const error = (parsed as { error: unknown }).error;
    if (error && typeof error === 'object' && 'text' in error) return String((error as { text: unknown }).text);
    return String(error);
  }
  return undefined;
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/**
 * Runs SQL (`command`, several statements separated by `;`) or a `.sql` file. Either way wrangler runs all
 * statements as one batch: if one fails, none of them is applied.
 */
export async function d1Execute(target: D1Target, sql: { command: string } | { file: string }): Promise<StatementResult[]> {
  const source = 'command' in sql ? ['--command', sql.command] : ['--file', sql.file];
  const run = await runWrangler(['d1', 'execute', 'DB', ...targetFlags(target), '--json', '--yes', ...source], {
    remote: target.remote,
  });
  const parsed = parseJsonOutput(run.stdout);
  if (run.exitCode === 0 && Array.isArray(parsed)) return parsed as StatementResult[];
  const message = errorText(parsed) ?? (lastLines(run.stderr, 5) || lastLines(run.stdout, 5) || `wrangler exited with ${run.exitCode}`);
  throw new D1CommandError(message, run.exitCode, `${run.stdout}\n${run.stderr}`);
}

/** Rows of the statement at `index` (default: the last one). */
export async function d1Query(target: D1Target, command: string, index = -1): Promise<Row[]> {
  const results = await d1Execute(target, { command });
  return results.at(index)?.results ?? [];
}

/** `wrangler d1 migrations apply DB`: applies the SQL files in migrations/ that the database has not seen. */
export async function d1ApplyMigrations(target: D1Target): Promise<string> {
  const run = await runWrangler(['d1', 'migrations', 'apply', 'DB', ...targetFlags(target)], { remote: target.remote });
  if (run.exitCode !== 0) {
    throw new D1CommandError(
      lastLines(run.stderr, 10) || lastLines(run.stdout, 10) || 'migrations failed',
      run.exitCode,
      `${run.stdout}\n${run.stderr}`,
    );
  }
  return run.stdout;
}
