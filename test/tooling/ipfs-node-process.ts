// The development IPFS node as its own process (as `npm run dev` runs it), so a test can SIGKILL it in the
// middle of a job and start it again on the same port and state directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../dev/lib/project';

export interface IpfsNodeProcess {
  url: string;
  /** Commands the node has received since it started (`add`, `pin/add`, …), from --log-requests. */
  requests: string[];
  /** Resolves when the node has received `count` requests of `command`. */
  waitForRequests(command: string, count: number): Promise<void>;
  kill(): Promise<void>;
}

export async function startIpfsNodeProcess(options: { port: number; dir: string; storageMaxBytes?: number }): Promise<IpfsNodeProcess> {
  const args = [
    ...['--import', 'tsx', join('dev', 'ipfs-node', 'server.ts')],
    ...['--port', String(options.port), '--dir', options.dir, '--log-requests'],
    ...(options.storageMaxBytes ? ['--storage-max-bytes', String(options.storageMaxBytes)] : []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const requests: string[] = [];
  const waiters: { command: string; count: number; resolve: () => void }[] = [];
  let ready: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    ready = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const started = /^ipfs dev node listening on (\S+)/.exec(line);
    if (started) ready(started[1] as string);
    const request = /^ipfs request (\S+)/.exec(line);
    if (request) {
      requests.push(request[1] as string);
      for (const waiter of [...waiters]) {
        if (requests.filter((command) => command === waiter.command).length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`ipfs node exited (${code}): ${stderr}`))),
  );
  const url = await Promise.race([listening, exited]);
  exited.catch(() => {});
  return {
    url,
    requests,
    waitForRequests(command, count) {
      if (requests.filter((entry) => entry === command).length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ command, count, resolve }));
    },
    async kill() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await gone;
    },
  };
}
