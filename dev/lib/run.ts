// Running a short-lived command to completion and keeping what it printed.
import { spawn } from 'node:child_process';

export interface CompletedRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's standard input, which is then closed. Without it stdin is not connected at
   * all, so a command that would prompt (wrangler does, on a terminal) cannot wait for an answer. */
  input?: string;
}

export function runToCompletion(command: string, args: string[], options: RunOptions): Promise<CompletedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
