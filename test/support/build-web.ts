// Builds the web app (web/dist, served by wrangler dev as static assets) once per test run, however many e2e
// projects ask: their global setups run in the same Node process, so a promise kept on globalThis is shared, and
// two builds never write web/dist at the same time.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const shared = globalThis as typeof globalThis & { __vibestreamWebBuild?: Promise<void> };

export function buildWebOnce(cwd: string): Promise<void> {
  shared.__vibestreamWebBuild ??= execFileAsync('npm', ['run', 'build:web'], { cwd, timeout: 120_000 }).then(
    () => undefined,
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`npm run build:web failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );
  return shared.__vibestreamWebBuild;
}
