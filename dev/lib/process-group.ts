// Long-running child processes (wrangler dev, later a local IPFS node) that must die with `npm run dev`.
//
// Each one is spawned `detached`, i.e. with setsid: it leads a new process group, and everything it starts
// (wrangler starts workerd) stays in that group. Stopping signals the whole group. Signalling only the
// wrangler pid would leave workerd running, still holding the port and the state directory's locks.
// The flip side of a separate group: Ctrl-C in the terminal no longer reaches the children directly, so the
// parent must forward it, which dev.ts does by stopping every group it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';

export interface ProcessGroup {
  readonly name: string;
  /** The leader's pid, which is also the process group id. */
  readonly pgid: number;
  /** Resolves with the exit code (or signal name) once the leader has exited, for whatever reason. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the group; SIGKILL to whatever is left after `graceMs`. Safe to call more than once. */
  stop(graceMs?: number): Promise<void>;
  /** Immediate SIGKILL to the group, synchronous (usable from a process 'exit' handler). */
  kill(): void;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Prefix of every forwarded output line, e.g. "[wrangler] ". */
  prefix?: string;
  /** Sees every output line (stdout and stderr), e.g. to detect readiness. */
  onLine?: (line: string) => void;
}

/**
 * Pids of the live (not zombie) members of a process group, from /proc. Zombies matter here: when wrangler
 * exits first, workerd is re-parented to pid 1, and an init that does not reap (as in some containers)
 * leaves it a zombie forever. A zombie holds no port or file, but `kill(-pgid, 0)` still counts it.
 */
export function livePidsInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we were looking.
    }
  }
  return pids;
}

function groupAlive(pgid: number): boolean {
  if (existsSync('/proc/self/stat')) return livePidsInGroup(pgid).length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function forward(child: ChildProcess, options: StartOptions): void {
  const prefix = options.prefix ?? '';
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    // Wrangler colours its warnings whether or not it writes to a terminal; a log file gets plain text.
    const plain = !out.isTTY;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      out.write(`${prefix}${plain ? stripVTControlCharacters(line) : line}\n`);
      options.onLine?.(line);
    });
  }
}

export function startProcessGroup(options: StartOptions): ProcessGroup {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  const pgid = child.pid;
  forward(child, options);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(error.message));
  });

  let gone = false;
  void exited.then(() => {
    // Once the group is empty its id may be reused by an unrelated process: never signal it again.
    if (!groupAlive(pgid)) gone = true;
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      signalGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      // The leader exiting is not enough: its children (workerd) may still be shutting down.
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      await exited;
      gone = true;
    })();
    return stopping;
  };
  const kill = (): void => {
    if (!gone) signalGroup(pgid, 'SIGKILL');
  };
  return { name: options.name, pgid, exited, stop, kill };
}
