// `npm run bench:packaging`: packaging a video in the creator's browser (web/src/packaging: Mediabunny + WebCodecs
// in a Web Worker, each finished segment uploaded at once) beside `npm run package-video` (ffmpeg/libx264) on the
// same source and the same ladder, in one run on this machine.
//   1. a 60 s 1280×720 H.264 + AAC source: wall time (→ × real time) and peak memory, browser vs CLI;
//   2. the same recipe at 10 minutes in the browser: peak renderer memory beside the 60 s run. The packager streams
//      segments out as it makes them, so its memory should not grow with the source's length.
// Memory is read from /proc every 200 ms: VmHWM (the kernel's own high-water mark) of the upload tab's renderer (the
// Web Worker runs inside its page's renderer process) and of the browser process, and VmRSS summed per group.
// Options: --short-seconds N (default 60)  --long-seconds N (default 600; 0 skips the long run)  --no-build.
// Sources are made once with ffmpeg and kept in <tmpdir>/vibestream-bench-packaging/ for later runs.
// Writes its own section of bench/RESULTS.md and its rows of the summary table (bench/summary.json).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { packageVideo } from '../dev/package-video';
import type { UploadProbe } from '../src/shared/upload-probe';
import { signUp } from '../test/support/api';
import { launchBrowser } from '../test/support/browser';
import { seedSession } from '../test/support/session';
import { startWranglerDev, type WranglerDev } from '../test/support/wrangler-dev';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';
import { type SummaryRow, updateSummary } from './lib/summary';

export const PACKAGING_SECTION = 'In-browser packaging';
export const DEFAULT_PACKAGING = { shortSeconds: 60, longSeconds: 600 };
/** The CLI's ladder for a 720p source, as the browser picks it (SOURCE_LADDER minus the rungs above the source). */
const CLI_RENDITIONS = ['360p', '720p'];
/** The browser packager's segment length (packager.worker.ts SEGMENT_SECONDS); the CLI is given the same. */
const SEGMENT_SECONDS = 2;
const SAMPLE_INTERVAL_MS = 200;
const PROBE_INTERVAL_MS = 500;
const ENCODED_FRACTIONS = [0.25, 0.5, 0.75, 1];
const SOURCE_DIR = join(tmpdir(), 'vibestream-bench-packaging');
const root = join(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);

export interface PackagingBenchOptions {
  shortSeconds: number;
  /** 0 skips the long run. */
  longSeconds: number;
  /** Runs `npm run build:web` first (wrangler dev serves web/dist as it is). */
  buildWeb: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory from /proc. Only descendants of this process are counted, so other Chromium or ffmpeg processes on the
// shared machine never enter the sums.

interface ProcessEntry {
  pid: number;
  ppid: number;
  comm: string;
}

function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid …"; comm may hold spaces and parentheses, so split after the last ')'.
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = text.lastIndexOf(')');
      const ppid = Number(text.slice(close + 2).split(' ')[1]);
      entries.push({ pid: Number(name), ppid, comm: text.slice(text.indexOf('(') + 1, close) });
    } catch {
      // exited while listing
    }
  }
  return entries;
}

function descendantsOf(rootPid: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of listProcesses()) children.set(entry.ppid, [...(children.get(entry.ppid) ?? []), entry]);
  const found: ProcessEntry[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** VmRSS and VmHWM of a process in bytes, or undefined once it has exited. */
function residentBytes(pid: number): { rss: number; hwm: number; cmdline: string } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024, cmdline };
  } catch {
    return undefined;
  }
}

export interface GroupMemory {
  /** Highest sampled sum of VmRSS over the group's processes alive at the same instant. */
  peakSumBytes: number;
  /** Highest VmHWM of any one process of the group (exact, not sampled; last read while it was alive). */
  peakProcessBytes: number;
  /** Distinct processes of the group seen. */
  processes: number;
}

type Classifier = (entry: ProcessEntry, cmdline: string) => boolean;

/** Samples the named groups of this process's descendants every SAMPLE_INTERVAL_MS until stopped. */
function startMemorySampler<G extends string>(groups: Record<G, Classifier>) {
  const names = Object.keys(groups) as G[];
  const peaks = new Map<G, { peakSumBytes: number; hwm: Map<number, number> }>(
    names.map((name) => [name, { peakSumBytes: 0, hwm: new Map() }]),
  );
  let current = new Map<G, number>();
  let largest = new Map<G, number>();
  const tick = () => {
    const sums = new Map<G, number>(names.map((name) => [name, 0]));
    const largestNow = new Map<G, number>(names.map((name) => [name, 0]));
    for (const entry of descendantsOf(process.pid)) {
      const memory = residentBytes(entry.pid);
      if (!memory) continue;
      for (const name of names) {
        if (!groups[name](entry, memory.cmdline)) continue;
        sums.set(name, (sums.get(name) ?? 0) + memory.rss);
        largestNow.set(name, Math.max(largestNow.get(name) ?? 0, memory.rss));
        const group = peaks.get(name);
        group?.hwm.set(entry.pid, Math.max(group.hwm.get(entry.pid) ?? 0, memory.hwm));
      }
    }
    for (const name of names) {
      const group = peaks.get(name);
      if (group) group.peakSumBytes = Math.max(group.peakSumBytes, sums.get(name) ?? 0);
    }
    current = sums;
    largest = largestNow;
  };
  tick();
  const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
  return {
    /** The latest sample's sum for a group. */
    now: (name: G) => current.get(name) ?? 0,
    /** The latest sample's largest single process of a group. */
    largestNow: (name: G) => largest.get(name) ?? 0,
    stop(): Record<G, GroupMemory> {
      tick();
      clearInterval(timer);
      const result = {} as Record<G, GroupMemory>;
      for (const name of names) {
        const group = peaks.get(name);
        result[name] = {
          peakSumBytes: group?.peakSumBytes ?? 0,
          peakProcessBytes: Math.max(0, ...(group?.hwm.values() ?? [])),
          processes: group?.hwm.size ?? 0,
        };
      }
      return result;
    },
  };
}

const isChromium: Classifier = (_entry, cmdline) => cmdline.includes('/chromium');
const isRenderer: Classifier = (entry, cmdline) => isChromium(entry, cmdline) && cmdline.includes('--type=renderer');
/** Renderers of web pages: the upload tab's among them; Chromium's own UI renderers (`--top-chrome-webui`) left out. */
const isPageRenderer: Classifier = (entry, cmdline) => isRenderer(entry, cmdline) && !cmdline.includes('--top-chrome-webui');
const isFfmpeg: Classifier = (entry) => entry.comm === 'ffmpeg' || entry.comm === 'ffprobe';

// ---------------------------------------------------------------------------------------------------------------
// Sources

/** What a phone or camera app writes: H.264 + AAC in MP4, 720p30, a keyframe every 2 s (as test/e2e's clip). */
function sourceRecipe(seconds: number): string[] {
  return [
    ...['-f', 'lavfi', '-i', `testsrc2=duration=${seconds}:size=1280x720:rate=30`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`],
    ...['-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-c:a', 'aac', '-shortest'],
  ];
}
const SOURCE_RECIPE_TEXT =
  'ffmpeg `testsrc2` 1280×720 at 30 fps + `sine` 440 Hz, `-pix_fmt yuv420p -c:v libx264 -preset veryfast -g 60 -c:a aac`';

/** Makes (or reuses) the source of `seconds`; written under a temporary name and renamed, so a kept file is whole. */
async function ensureSource(seconds: number): Promise<{ path: string; bytes: number; madeSeconds: number | null }> {
  await mkdir(SOURCE_DIR, { recursive: true });
  const path = join(SOURCE_DIR, `testsrc2-720p30-veryfast-${seconds}s.mp4`);
  if (existsSync(path)) return { path, bytes: (await stat(path)).size, madeSeconds: null };
  console.log(`making the ${seconds} s source with ffmpeg…`);
  const started = performance.now();
  const partial = `${path}.part`;
  await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...sourceRecipe(seconds), '-f', 'mp4', partial], {
    timeout: 3_600_000,
  });
  await rename(partial, path);
  return { path, bytes: (await stat(path)).size, madeSeconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// The browser run

export interface BrowserRun {
  sourceSeconds: number;
  sourceBytes: number;
  /** Click on Upload → the page says ready (probe, stills, encoding, uploads, manifest, publish). */
  wallSeconds: number;
  /** sourceSeconds / wallSeconds. */
  xRealtime: number;
  /** The page's own encode speed at the end (`packaging.speed`: encoded seconds per wall second while encoding). */
  reportedSpeed: number | null;
  producedBytes: number;
  uploadedBytes: number;
  longestFrameGapMs: number;
  /** VmRSS of the upload tab's renderer with the file picked, just before the click. */
  tabRendererIdleBytes: number;
  /** VmHWM of the upload tab's renderer (the largest page renderer; it also runs the packaging worker). */
  tabRendererPeakBytes: number;
  /** VmRSS of the upload tab's renderer when the encoder first reported 25 / 50 / 75 / 100 % of the source. */
  tabRendererAtEncoded: { fraction: number; bytes: number }[];
  /** VmRSS of Chromium's browser process at the same moments. */
  browserProcessAtEncoded: { fraction: number; bytes: number }[];
  /** Every renderer, Chromium's own UI renderers included. */
  renderers: GroupMemory;
  chromium: GroupMemory;
  /** The other Chromium processes, by kind: where memory outside the renderer goes. */
  browserProcess: GroupMemory;
  gpuProcess: GroupMemory;
  utilityProcesses: GroupMemory;
}

const readProbe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__vibestreamUpload ?? null)) as UploadProbe | null);

/** One upload in a Chromium of its own, so its processes' high-water marks belong to this upload alone. */
async function browserRun(server: WranglerDev, source: { path: string; bytes: number }, seconds: number): Promise<BrowserRun> {
  const creator = await signUp(server.url, { displayName: `Packaging bench ${seconds} s`, role: 'creator' });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await seedSession(context, creator);
    const page = await context.newPage();
    await page.goto(`${server.url}/upload/`);
    await page.locator('#upload-body').waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('#upload-file').setInputFiles(source.path);
    await page.waitForFunction(
      () => {
        const probe = window.__vibestreamUpload;
        return (
          probe !== undefined &&
          (probe.phase === 'refused' || (probe.phase === 'idle' && !document.getElementById('upload-source')?.hidden))
        );
      },
      null,
      { timeout: 60_000 },
    );
    const probed = await readProbe(page);
    if (probed?.phase !== 'idle') throw new Error(`the page refused the source: ${probed?.error}`);
    await page.getByLabel('Title').fill(`Packaging bench, ${seconds} s`);

    // Sampling starts before the click so the baseline of an idle upload page is in the same series.
    const sampler = startMemorySampler({
      pageRenderers: isPageRenderer,
      renderers: isRenderer,
      chromium: isChromium,
      browserProcess: (entry, cmdline) => isChromium(entry, cmdline) && !cmdline.includes('--type='),
      gpuProcess: (entry, cmdline) => isChromium(entry, cmdline) && cmdline.includes('--type=gpu-process'),
      utilityProcesses: (entry, cmdline) => isChromium(entry, cmdline) && cmdline.includes('--type=utility'),
    });
    const tabRendererIdleBytes = sampler.largestNow('pageRenderers');
    const timeline: { encodedSeconds: number; rendererBytes: number; browserBytes: number }[] = [];
    const deadline = performance.now() + 120_000 + 4_000 * seconds;
    let last: UploadProbe | null = null;
    const started = performance.now();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    for (;;) {
      last = await readProbe(page);
      timeline.push({
        encodedSeconds: last?.packaging?.encodedSeconds ?? 0,
        rendererBytes: sampler.largestNow('pageRenderers'),
        browserBytes: sampler.largestNow('browserProcess'),
      });
      if (last && ['ready', 'failed', 'cancelled', 'refused'].includes(last.phase)) break;
      if (performance.now() > deadline)
        throw new Error(`not ready within ${((deadline - started) / 1000).toFixed(0)} s (phase ${last?.phase})`);
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const memory = sampler.stop();
    if (last?.phase !== 'ready') throw new Error(`upload ended in phase ${last?.phase}: ${last?.error} (wrangler log: ${server.logFile})`);
    // Fractions of what the encoder reported last (a source's last frame ends a little before its duration).
    const encodedSeconds = Math.max(...timeline.map((point) => point.encodedSeconds));
    const at = (fraction: number) => timeline.find((point) => point.encodedSeconds >= fraction * encodedSeconds);
    const tabRendererAtEncoded = ENCODED_FRACTIONS.map((fraction) => ({ fraction, bytes: at(fraction)?.rendererBytes ?? Number.NaN }));
    const browserProcessAtEncoded = ENCODED_FRACTIONS.map((fraction) => ({ fraction, bytes: at(fraction)?.browserBytes ?? Number.NaN }));
    return {
      sourceSeconds: seconds,
      sourceBytes: source.bytes,
      wallSeconds,
      xRealtime: seconds / wallSeconds,
      reportedSpeed: last.packaging?.speed ?? null,
      producedBytes: last.packaging?.producedBytes ?? 0,
      uploadedBytes: last.packaging?.uploadedBytes ?? 0,
      longestFrameGapMs: last.longestFrameGapMs,
      tabRendererIdleBytes,
      tabRendererPeakBytes: memory.pageRenderers.peakProcessBytes,
      tabRendererAtEncoded,
      browserProcessAtEncoded,
      renderers: memory.renderers,
      chromium: memory.chromium,
      browserProcess: memory.browserProcess,
      gpuProcess: memory.gpuProcess,
      utilityProcesses: memory.utilityProcesses,
    };
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The CLI run

export interface CliRun {
  sourceSeconds: number;
  /** packageVideo() called in this process: probe, the one-pass ladder encode, poster, storyboard, hashes, manifest. */
  wallSeconds: number;
  xRealtime: number;
  ffmpeg: GroupMemory;
  outputBytes: number;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function cliRun(source: { path: string }, seconds: number): Promise<CliRun> {
  const scratch = await mkdtemp(join(tmpdir(), 'vibestream-bench-package-video-'));
  try {
    const out = join(scratch, 'out');
    const sampler = startMemorySampler({ ffmpeg: isFfmpeg });
    const started = performance.now();
    await packageVideo({ input: source.path, out, renditions: CLI_RENDITIONS, segmentSeconds: SEGMENT_SECONDS, format: 'fmp4' });
    const wallSeconds = (performance.now() - started) / 1000;
    const memory = sampler.stop();
    return {
      sourceSeconds: seconds,
      wallSeconds,
      xRealtime: seconds / wallSeconds,
      ffmpeg: memory.ffmpeg,
      outputBytes: await directoryBytes(out),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface PackagingBenchResult {
  markdown: string;
  options: PackagingBenchOptions;
  short: BrowserRun;
  long: BrowserRun | null;
  cli: CliRun;
  /** Browser × real time / CLI × real time (the same as CLI wall time / browser wall time). */
  speedRatio: number;
  /** Peak memory of the upload tab's renderer, long run / short run. */
  memoryRatio: number | null;
}

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MiB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
/** "60 s", "10 min": how a source's length is named in the tables. */
const length = (seconds: number) => (seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${fmt(seconds, 0)} s`);
export const SPEED_TARGET = 0.5;
export const MEMORY_TARGET = 1.5;

/** The paragraph under the tables: what this run's numbers say, worded from the numbers themselves. */
function meaning(run: Pick<PackagingBenchResult, 'short' | 'long' | 'cli' | 'speedRatio' | 'memoryRatio'>): string[] {
  const { short, long, cli, speedRatio, memoryRatio } = run;
  const lines = [
    `What it means: the creator's browser turned the ${fmt(short.sourceSeconds, 0)} s source into a stored, published package at ${fmt(short.xRealtime, 2)}× real time, ` +
      `${speedRatio >= 1 ? `${fmt(speedRatio, 2)}× as fast as` : `${fmt(speedRatio, 2)} of the speed of`} package-video on the same cores (${fmt(cli.xRealtime, 2)}× real time, ` +
      `which uploads nothing); the encoder alone ran at ${short.reportedSpeed === null ? 'n/a' : `${fmt(short.reportedSpeed, 2)}×`} real time, the rest of the wall time is the stills, ` +
      'the source hash, the uploads still in flight when encoding ends, and publishing.',
  ];
  if (long && memoryRatio !== null) {
    const growth = long.tabRendererAtEncoded.at(-1)?.bytes ?? Number.NaN;
    const quarter = long.tabRendererAtEncoded[0]?.bytes ?? Number.NaN;
    lines.push(
      `Memory: the ${length(long.sourceSeconds)} source took the upload tab's renderer to ${mib(long.tabRendererPeakBytes)} against ${mib(short.tabRendererPeakBytes)} for ${fmt(short.sourceSeconds, 0)} s ` +
        `(${fmt(memoryRatio, 2)}×; from a quarter to all of the long source encoded, ${mib(quarter)} → ${mib(growth)}). ` +
        (memoryRatio <= MEMORY_TARGET
          ? `Ten times the length costs ${fmt(memoryRatio, 2)}× the memory, within the target: segments leave the worker as they are made. ` +
            'Whatever rises between the quarter marks was not traced further; it is far below what the package itself would take.'
          : 'Memory grows with the length of the source: something keeps data per segment or per frame instead of letting it go once uploaded.') +
        ` package-video's ffmpeg peaked at ${mib(cli.ffmpeg.peakSumBytes)} on the ${fmt(short.sourceSeconds, 0)} s source.`,
    );
    const browserGrowth = long.browserProcess.peakProcessBytes - short.browserProcess.peakProcessBytes;
    const producedGrowth = long.producedBytes - short.producedBytes;
    const browserRatio = long.browserProcess.peakProcessBytes / short.browserProcess.peakProcessBytes;
    lines.push(
      `Outside the renderer, Chromium's browser process peaked at ${mib(long.browserProcess.peakProcessBytes)} against ${mib(short.browserProcess.peakProcessBytes)} ` +
        `(${fmt(browserRatio, 2)}×; +${mib(browserGrowth)} while the package grew by ${mib(producedGrowth)}). ` +
        (browserRatio <= MEMORY_TARGET
          ? 'It stays flat: the page sends each file as an ArrayBuffer, released with its request (a Blob body would sit in the browser process until garbage collection).'
          : 'It grows with what was uploaded. The likely cause: the page sends every file as `new Blob([bytes])` through XMLHttpRequest (browser-packager.ts → upload/transfer.ts), and ' +
            "Chromium keeps blob bytes in the browser process's blob storage until the page's garbage collector drops the Blob objects; " +
            'a Blob is tiny on the JavaScript heap, so nothing prompts that collection. Sending the bytes themselves (`xhr.send(data)`, no Blob) would likely keep it flat.'),
    );
  }
  return lines;
}

export async function benchPackaging(options: PackagingBenchOptions): Promise<PackagingBenchResult> {
  const build = options.buildWeb
    ? execFileAsync('npm', ['run', 'build:web'], { cwd: root, timeout: 300_000 }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`npm run build:web failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      })
    : Promise.resolve();
  // Sources first, one at a time: nothing is measured while ffmpeg makes them.
  const shortSource = await ensureSource(options.shortSeconds);
  const longSource = options.longSeconds > 0 ? await ensureSource(options.longSeconds) : null;
  await build;

  console.log(`package-video (ffmpeg), ${options.shortSeconds} s source…`);
  const cli = await cliRun(shortSource, options.shortSeconds);
  const server = await startWranglerDev({ cwd: root, vars: { LOG_LEVEL: 'error' }, startTimeoutMs: 180_000 });
  let short: BrowserRun;
  let long: BrowserRun | null = null;
  try {
    console.log(`in-browser packaging, ${options.shortSeconds} s source…`);
    short = await browserRun(server, shortSource, options.shortSeconds);
    if (longSource) {
      console.log(`in-browser packaging, ${options.longSeconds} s source…`);
      long = await browserRun(server, longSource, options.longSeconds);
    }
  } catch (error) {
    // stop() deletes the server's directory with its log: keep the log of a failed run beside the sources.
    const kept = join(SOURCE_DIR, `wrangler-dev-${Date.now()}.log`);
    await copyFile(server.logFile, kept).catch(() => undefined);
    console.error(`wrangler dev's log kept in ${kept}`);
    throw error;
  } finally {
    await server.stop();
  }

  const speedRatio = short.xRealtime / cli.xRealtime;
  const memoryRatio = long ? long.tabRendererPeakBytes / short.tabRendererPeakBytes : null;
  const runs = [short, ...(long ? [long] : [])];
  const label = (run: BrowserRun) => `browser, ${length(run.sourceSeconds)} source`;
  const sourceLine = (seconds: number, source: { bytes: number; madeSeconds: number | null }) =>
    `${fmt(seconds, 0)} s (${mib(source.bytes)}${source.madeSeconds !== null ? `, made in ${fmt(source.madeSeconds, 0)} s this run` : ', kept from an earlier run'})`;
  const markdown = [
    `Machine: ${machineDescription()}, load average ${loadDescription()} (1 / 5 / 15 min, at the end). Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Command: \`npm run bench:packaging -- --short-seconds ${options.shortSeconds} --long-seconds ${options.longSeconds}\` (\`npm run bench -- --only packaging --packaging-long-seconds ${options.longSeconds}\` in the suite).`,
    '',
    `Sources: ${SOURCE_RECIPE_TEXT}; ${sourceLine(options.shortSeconds, shortSource)}${longSource ? ` and ${sourceLine(options.longSeconds, longSource)}, the same recipe` : ''}.`,
    `**Browser**: \`wrangler dev\` and a headless Chromium of its own per upload; a creator signed up through the API opens \`/upload/\`, picks the file and clicks Upload; wall time runs from the click to \`window.__vibestreamUpload.phase === 'ready'\` (stills, encoding 360p + 720p with WebCodecs in a Web Worker, AAC copied, every segment hashed and uploaded to the local Worker as it is made, manifest, publish). "Encode speed" is the page's own \`packaging.speed\` (encoded seconds per wall second while encoding).`,
    `**CLI**: \`packageVideo()\` of \`npm run package-video -- SOURCE --renditions ${CLI_RENDITIONS.join(',')} --segment-seconds ${SEGMENT_SECONDS}\` called in this process (ffprobe, one ffmpeg/libx264 veryfast pass for both renditions with AAC re-encoded, poster, storyboard, hashes, manifest; nothing uploaded), run before the server starts.`,
    `**Memory**: /proc every ${SAMPLE_INTERVAL_MS} ms over this process's descendants. "Tab renderer" is the upload tab's renderer process — the page renderer (\`--type=renderer\`, not Chromium's own \`--top-chrome-webui\` one) with the highest VmHWM, the kernel's exact high-water mark of its RSS; the packaging Web Worker and WebCodecs' software codecs run inside it. The ratio uses it. "All renderers" is the peak of the sampled VmRSS summed over every renderer; "all Chromium" adds the browser, GPU and utility processes. RSS counts shared pages in every process that maps them, so sums over-count somewhat. For package-video: the largest ffmpeg's VmHWM and the peak sum over ffmpeg/ffprobe processes (its Node side is not counted).`,
    '',
    '| run | wall s | × real time | encode speed (page) | produced | tab renderer before Upload | tab renderer peak | all renderers peak | all Chromium peak | longest frame gap |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (run) =>
        `| ${label(run)} | ${fmt(run.wallSeconds)} | ${fmt(run.xRealtime, 2)}× | ${run.reportedSpeed === null ? 'n/a' : `${fmt(run.reportedSpeed, 2)}×`} | ${mib(run.producedBytes)} | ${mib(run.tabRendererIdleBytes)} | ${mib(run.tabRendererPeakBytes)} | ${mib(run.renderers.peakSumBytes)} (${run.renderers.processes} renderer${run.renderers.processes === 1 ? '' : 's'}) | ${mib(run.chromium.peakSumBytes)} | ${fmt(run.longestFrameGapMs, 0)} ms |`,
    ),
    `| package-video (ffmpeg), ${fmt(cli.sourceSeconds, 0)} s source | ${fmt(cli.wallSeconds)} | ${fmt(cli.xRealtime, 2)}× | – | ${mib(cli.outputBytes)} | – | largest ffmpeg ${mib(cli.ffmpeg.peakProcessBytes)} | ffmpeg/ffprobe peak ${mib(cli.ffmpeg.peakSumBytes)} | – | – |`,
    '',
    '| comparison | value | target |',
    '| --- | ---: | --- |',
    `| × real time, browser / package-video (${fmt(options.shortSeconds, 0)} s source) | ${fmt(speedRatio, 2)} | ≥ ${SPEED_TARGET}: ${verdict(speedRatio >= SPEED_TARGET)} |`,
    ...(long && memoryRatio !== null
      ? [
          `| peak memory of the upload tab's renderer, ${length(options.longSeconds)} / ${length(options.shortSeconds)} source | ${fmt(memoryRatio, 2)} | ≤ ${MEMORY_TARGET}: ${verdict(memoryRatio <= MEMORY_TARGET)} |`,
          `| peak of all renderers summed, ${length(options.longSeconds)} / ${length(options.shortSeconds)} | ${fmt(long.renderers.peakSumBytes / short.renderers.peakSumBytes, 2)} | |`,
        ]
      : []),
    '',
    "VmRSS of the upload tab's renderer and of Chromium's browser process when the encoder first reported a quarter, half, three",
    'quarters and all of the source — flat means nothing accumulates with length:',
    '',
    '| run | process | 25 % | 50 % | 75 % | 100 % |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...runs.flatMap((run) => [
      `| ${label(run)} | tab renderer | ${run.tabRendererAtEncoded.map((point) => mib(point.bytes)).join(' | ')} |`,
      `| ${label(run)} | browser process | ${run.browserProcessAtEncoded.map((point) => mib(point.bytes)).join(' | ')} |`,
    ]),
    '',
    'The rest of Chromium, peak VmHWM of one process / peak of the sampled sum:',
    '',
    '| run | browser process | GPU process | utility processes (network, storage, audio…) |',
    '| --- | ---: | ---: | ---: |',
    ...runs.map(
      (run) =>
        `| ${label(run)} | ${mib(run.browserProcess.peakProcessBytes)} | ${mib(run.gpuProcess.peakProcessBytes)} | ${mib(run.utilityProcesses.peakProcessBytes)} / ${mib(run.utilityProcesses.peakSumBytes)} (${run.utilityProcesses.processes}) |`,
    ),
    '',
    ...meaning({ short, long, cli, speedRatio, memoryRatio }),
  ].join('\n');
  return { markdown, options, short, long, cli, speedRatio, memoryRatio };
}

/** The summary-table rows for a run (bench/lib/summary.ts); the caller stamps date and load. */
export function packagingSummaryRows(result: PackagingBenchResult): Omit<SummaryRow, 'date' | 'load'>[] {
  const { short, long, cli, speedRatio, memoryRatio, options } = result;
  const command = `npm run bench:packaging -- --short-seconds ${options.shortSeconds} --long-seconds ${options.longSeconds}`;
  const rows: Omit<SummaryRow, 'date' | 'load'>[] = [
    {
      key: 'packaging:encode-speed',
      benchmark: `In-browser packaging, ${fmt(options.shortSeconds, 0)} s 720p source: × real time vs package-video (ffmpeg)`,
      target: `≥ ${SPEED_TARGET}× package-video’s × real time`,
      measured: `${fmt(speedRatio, 2)}× (browser ${fmt(short.xRealtime, 2)}× real time, click → ready in ${fmt(short.wallSeconds)} s, page encode speed ${short.reportedSpeed === null ? 'n/a' : `${fmt(short.reportedSpeed, 2)}×`}; ffmpeg ${fmt(cli.xRealtime, 2)}× in ${fmt(cli.wallSeconds)} s)`,
      met: speedRatio >= SPEED_TARGET,
      command,
      note:
        'the browser encodes with WebCodecs’ software H.264 encoder (no GPU here) inside one renderer and also uploads every segment to wrangler dev on the same two cores; ' +
        'package-video runs libx264 veryfast with its own threads and writes to disk only.',
    },
  ];
  if (long && memoryRatio !== null) {
    rows.push({
      key: 'packaging:renderer-memory',
      benchmark: `In-browser packaging: peak memory of the upload tab’s renderer, ${length(options.longSeconds)} vs ${length(options.shortSeconds)} source`,
      target: `≤ ${MEMORY_TARGET}×`,
      measured: `${fmt(memoryRatio, 2)}× (${mib(long.tabRendererPeakBytes)} vs ${mib(short.tabRendererPeakBytes)} VmHWM; package-video’s ffmpeg ${mib(cli.ffmpeg.peakSumBytes)} on the ${fmt(options.shortSeconds, 0)} s source)`,
      met: memoryRatio <= MEMORY_TARGET,
      command,
      ...(memoryRatio > MEMORY_TARGET
        ? {
            note: `the upload tab’s renderer grew with the source’s length (${long.tabRendererAtEncoded.map((point) => mib(point.bytes)).join(' → ')} at 25/50/75/100 % of the long source encoded): something in the page or the packaging worker keeps data per segment or per frame instead of letting it go once uploaded.`,
          }
        : {}),
    });
    const browserRatio = long.browserProcess.peakProcessBytes / short.browserProcess.peakProcessBytes;
    rows.push({
      key: 'packaging:browser-process-memory',
      benchmark: `In-browser packaging: peak memory of Chromium’s browser process, ${length(options.longSeconds)} vs ${length(options.shortSeconds)} source`,
      target: `≤ ${MEMORY_TARGET}×`,
      measured: `${fmt(browserRatio, 2)}× (${mib(long.browserProcess.peakProcessBytes)} vs ${mib(short.browserProcess.peakProcessBytes)} VmHWM; the package: ${mib(long.producedBytes)} vs ${mib(short.producedBytes)})`,
      met: browserRatio <= MEMORY_TARGET,
      command,
      ...(browserRatio > MEMORY_TARGET
        ? {
            note:
              `the browser process grows about as much as what was uploaded (${long.browserProcessAtEncoded.map((point) => mib(point.bytes)).join(' → ')} at 25/50/75/100 % of the long source encoded). ` +
              'Likely cause: every file is sent as `new Blob([bytes])` through XMLHttpRequest (web/src/packaging/browser-packager.ts → web/src/upload/transfer.ts); ' +
              'Chromium keeps blob bytes in the browser process until the page’s garbage collector drops the Blob objects, which are too small on the JavaScript heap to prompt a collection. ' +
              'Sending the bytes themselves (`xhr.send(data)`) would likely keep it flat.',
          }
        : {}),
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      'short-seconds': { type: 'string', default: String(DEFAULT_PACKAGING.shortSeconds) },
      'long-seconds': { type: 'string', default: String(DEFAULT_PACKAGING.longSeconds) },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const options = {
    shortSeconds: Number(values['short-seconds']),
    longSeconds: Number(values['long-seconds']),
    buildWeb: !values['no-build'],
  };
  benchPackaging(options)
    .then(async (result) => {
      await writeResultsSection(PACKAGING_SECTION, result.markdown);
      const stamp = { date: new Date().toISOString().slice(0, 16).replace('T', ' '), load: `load ${loadavg()[0]?.toFixed(1)}` };
      await updateSummary(packagingSummaryRows(result).map((row) => ({ ...row, ...stamp })));
      console.log(result.markdown);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
