// Shared plumbing of the dev/ command-line scripts: exit codes, error printing, the --remote/--persist-to pair.
import type { D1Target } from './d1';
import { D1CommandError } from './d1';

/** Exit code 2: the command line itself is wrong (unknown command, bad email, short password). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit code 1: the command was valid but could not be carried out (duplicate email, no such user). */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Options every database-touching script accepts, in util.parseArgs form. */
export const targetOptions = {
  remote: { type: 'boolean', default: false },
  'persist-to': { type: 'string' },
} as const;

export function targetFrom(values: { remote?: boolean | undefined; 'persist-to'?: string | undefined }): D1Target {
  if (values.remote && values['persist-to']) throw new UsageError('--persist-to is for the local database; drop it with --remote');
  return { remote: values.remote ?? false, persistTo: values['persist-to'] };
}

function hintFor(error: D1CommandError): string | undefined {
  if (error.isMissingTable) return 'The database has no schema yet: run `npm run db:migrate:local` (or `npm run dev`) first.';
  return undefined;
}

/**
 * Runs a script's main function and turns its failure into a message on stderr and an exit code.
 * `helpHint` is printed after usage errors, e.g. "npm run admin -- --help lists the commands".
 */
export function runCli(main: () => Promise<void>, helpHint: string): void {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`error: ${error.message}\n${helpHint}`);
        process.exitCode = EXIT_USAGE;
      } else if (error instanceof CommandFailed) {
        console.error(`error: ${error.message}`);
        process.exitCode = EXIT_FAILED;
      } else if (error instanceof D1CommandError) {
        const hint = hintFor(error);
        console.error(`error: wrangler d1: ${error.message}${hint ? `\n${hint}` : ''}`);
        process.exitCode = EXIT_FAILED;
      } else {
        console.error(error instanceof Error ? `error: ${error.message}` : error);
        process.exitCode = EXIT_FAILED;
      }
    },
  );
}

/** Turns util.parseArgs's own errors (unknown flag, missing value) into usage errors. */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}
