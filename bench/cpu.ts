// CPU time per ingest request, measured from the outside: workerd is one process that runs the Worker, the
// aggregator Durable Objects and local D1, and a Worker cannot time its own CPU (its clocks stand still while
// it computes, a Spectre mitigation). So the process's user+system CPU time (/proc/<pid>/stat) is read before
// and after a closed-loop run of N requests: CPU ms per request = ΔCPU / N. The same run of the hello route
// (`GET /api/v1/ping`) gives the floor every request pays (HTTP parsing, routing, middleware, the loopback), so
// the difference is what the ingest handler itself costs, Durable Object and storage work included.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createIngestSessions, ingestRequest } from './ingest';
import { runLoad } from './lib/load';

export interface CpuCase {
  name: string;
  requests: number;
  cpuMsPerRequest: number;
  errors: number;
}

export interface CpuBenchResult {
  pids: number[];
  hello: CpuCase;
  ingest: (CpuCase & { batch: number; aboveHelloMs: number })[];
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * The workerd processes of the wrangler dev that listens on `port`, not those of any other on the machine:
 * wrangler runs two — the entry proxy on the port, and the Worker itself (with its Durable Objects and local
 * D1) behind it — both children of the same wrangler process.
 */
export function workerdPidsOf(port: number): number[] {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`]).toString();
  const entry = Number(/pid=(\d+)/.exec(out)?.[1]);
  if (!entry) return [];
  const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
  const parent = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  const siblings = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(parent)])
    .toString()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command]) => command === 'workerd')
    .map(([pid]) => Number(pid));
  return [...new Set([entry, ...siblings])];
}

function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may contain spaces): utime is field 14, stime 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

export async function benchIngestCpu(
  baseUrl: string,
  options: { seconds: number; concurrency: number; batches: number[] },
): Promise<CpuBenchResult> {
  const port = Number(new URL(baseUrl).port);
  const pids = workerdPidsOf(port);
  if (pids.length === 0) throw new Error(`no process listens on port ${port}`);
  const durationMs = options.seconds * 1000;
  const measure = async (name: string, request: (worker: number) => { url: string; init?: RequestInit }) => {
    const before = cpuMs(pids);
    const result = await runLoad({ concurrency: options.concurrency, durationMs, request });
    const spent = cpuMs(pids) - before;
    return { name, requests: result.requests, cpuMsPerRequest: spent / result.requests, errors: result.errors };
  };
  const hello = await measure('hello', () => ({ url: `${baseUrl}/api/v1/ping` }));
  const ingest: CpuBenchResult['ingest'] = [];
  for (const batch of options.batches) {
    const sessions = await createIngestSessions(baseUrl, options.concurrency);
    const counters = sessions.map(() => 0);
    const start = Date.now() - 20 * 3600_000;
    const result = await measure(`ingest, batch ${batch}`, (worker) => {
      const first = counters[worker] as number;
      counters[worker] = first + batch;
      return ingestRequest(baseUrl, sessions[worker] as (typeof sessions)[number], start, first, batch);
    });
    ingest.push({ ...result, batch, aboveHelloMs: result.cpuMsPerRequest - hello.cpuMsPerRequest });
  }
  return { pids, hello, ingest };
}
