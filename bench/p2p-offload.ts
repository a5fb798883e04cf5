// P2P offload ratio: N Chromium viewers join one video a few seconds apart and play it to the end; the ratio is
// bytes from peers / all media bytes, summed over viewers. Side by side in one run on the same packaged video:
//   ours  — the /watch/{id} player (tuned p2p-media-loader, integrity checks) with the SwarmTracker Durable Object;
//   stock — hls.js + p2p-media-loader with its default settings and a stock `bittorrent-tracker` server (npm),
//           built from bench/p2p-stock/ and served with the same HLS files (proxied from the same wrangler dev).
// The ideal is (N−1)/N: the first viewer has no one to fetch from. Target: ours ≥ 0.9·(N−1)/N and ≥ stock.
//
// `npm run bench:p2p [-- --viewers 6 --seconds 60 --stagger-ms 3000]` runs it alone and writes its section of
// bench/RESULTS.md; `npm run bench` includes it.

import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext } from 'playwright-core';
import { build } from 'vite';
import type {} from '../src/shared/player-probe';
import { createVideo, signUp } from '../test/support/api';
import { launchBrowser } from '../test/support/browser';
import { packageTestClip } from '../test/support/packaged-video';
import { startWranglerDev } from '../test/support/wrangler-dev';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';

const root = join(import.meta.dirname, '..');

export interface OffloadOptions {
  viewers: number;
  clipSeconds: number;
  staggerMs: number;
}

interface ViewerResult {
  httpBytes: number;
  p2pBytes: number;
  stalls: number;
  ended: boolean;
}

export interface OffloadResult {
  options: OffloadOptions;
  ours: ViewerResult[];
  stock: ViewerResult[];
  markdown: string;
}

const sum = (results: ViewerResult[], pick: (result: ViewerResult) => number) => results.reduce((total, result) => total + pick(result), 0);
const ratio = (results: ViewerResult[]) => {
  const p2p = sum(results, (result) => result.p2pBytes);
  return p2p / (p2p + sum(results, (result) => result.httpBytes));
};

/** Builds the stock viewer page with Vite (the same export condition our web build uses for p2p-media-loader). */
async function buildStockPage(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'vibestream-stock-viewer-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: join(root, 'bench', 'p2p-stock'),
    resolve: { conditions: ['p2pml:core-as-bundle', 'module', 'browser', 'development|production'] },
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  });
  return outDir;
}

/** Serves the built stock page and proxies /api/ to wrangler dev, so HLS is same-origin as in production. */
async function serveStockPage(dir: string, apiOrigin: string): Promise<{ origin: string; server: Server }> {
  const api = new URL(apiOrigin);
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      const upstream = httpRequest(
        {
          host: api.hostname,
          port: api.port,
          path: url.pathname + url.search,
          method: req.method,
          headers: { ...req.headers, host: api.host },
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function startStockTracker(): Promise<{ url: string; close: () => Promise<void> }> {
  // @ts-expect-error bittorrent-tracker ships no type declarations.
  const { Server } = (await import('bittorrent-tracker')) as unknown as {
    Server: new (options: {
      http: boolean;
      udp: boolean;
      ws: boolean;
      stats: boolean;
    }) => {
      listen(port: number, hostname: string, callback: () => void): void;
      ws: { address(): AddressInfo };
      close(callback: () => void): void;
    };
  };
  const tracker = new Server({ http: false, udp: false, ws: true, stats: false });
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  const port = tracker.ws.address().port;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((resolve) => tracker.close(() => resolve())) };
}

async function runSwarm(
  browser: Browser,
  viewers: number,
  staggerMs: number,
  open: (context: BrowserContext, index: number) => Promise<void>,
  read: string,
  timeoutMs: number,
): Promise<ViewerResult[]> {
  const contexts: BrowserContext[] = [];
  try {
    for (let index = 0; index < viewers; index += 1) {
      const context = await browser.newContext();
      contexts.push(context);
      await context.grantPermissions(['camera', 'microphone']);
      await open(context, index);
      if (index < viewers - 1) await new Promise((resolve) => setTimeout(resolve, staggerMs));
    }
    return await Promise.all(
      contexts.map(async (context) => {
        const page = context.pages()[0];
        if (!page) throw new Error('viewer page missing');
        await page.waitForFunction((name) => (window as unknown as Record<string, { ended: boolean }>)[name]?.ended === true, read, {
          timeout: timeoutMs,
        });
        return (await page.evaluate(
          (name) => (window as unknown as Record<string, { counters?: ViewerResult } & ViewerResult>)[name],
          read,
        )) as ViewerResult & { counters?: ViewerResult; ended: boolean };
      }),
    ).then((results) => results.map((result) => ({ ...(result.counters ?? result), ended: result.ended })));
  } finally {
    await Promise.allSettled(contexts.map((context) => context.close()));
  }
}

async function startPlaying(page: import('playwright-core').Page): Promise<void> {
  await page.evaluate(async () => {
    const video = document.querySelector('video') as HTMLVideoElement;
    video.muted = true;
    await video.play();
  });
}

export async function benchP2POffload(options: OffloadOptions): Promise<OffloadResult> {
  const { viewers, clipSeconds, staggerMs } = options;
  const [clip, stockDir, tracker] = await Promise.all([
    packageTestClip({ seconds: clipSeconds, segmentSeconds: 2, renditions: '360p' }),
    buildStockPage(),
    startStockTracker(),
  ]);
  const server = await startWranglerDev({ cwd: root, vars: { LOG_LEVEL: 'error' }, startTimeoutMs: 180_000 });
  const stock = await serveStockPage(stockDir, server.url);
  const browser = await launchBrowser();
  const timeoutMs = clipSeconds * 1000 * 3 + viewers * staggerMs;
  try {
    const creator = await signUp(server.url, { displayName: 'Bench creator', role: 'creator' });
    const ourVideo = await createVideo(server.url, creator.accessToken, { title: 'Offload (ours)', visibility: 'public' }, clip);
    const stockVideo = await createVideo(server.url, creator.accessToken, { title: 'Offload (stock)', visibility: 'public' }, clip);
    const accounts = await Promise.all(Array.from({ length: viewers }, () => signUp(server.url, { displayName: 'Bench viewer' })));

    const ours = await runSwarm(
      browser,
      viewers,
      staggerMs,
      async (context, index) => {
        const auth = accounts[index];
        await context.addInitScript(
          (session) => {
            sessionStorage.setItem('vibestream.accessToken', session.accessToken);
            sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 600_000));
            sessionStorage.setItem('vibestream.user', JSON.stringify(session.user));
            localStorage.setItem('vibestream.refreshToken', session.refreshToken);
          },
          auth as NonNullable<typeof auth>,
        );
        const page = await context.newPage();
        await page.goto(`${server.url}/watch/${ourVideo.id}`);
        await page.waitForFunction(() => window.__vibestreamPlayer !== undefined);
        await startPlaying(page);
      },
      '__vibestreamPlayer',
      timeoutMs,
    );

    const src = `${stock.origin}/api/v1/videos/${stockVideo.id}/hls/master.m3u8`;
    const stockResults = await runSwarm(
      browser,
      viewers,
      staggerMs,
      async (context) => {
        const page = await context.newPage();
        await page.goto(
          `${stock.origin}/?src=${encodeURIComponent(src)}&tracker=${encodeURIComponent(tracker.url)}&swarm=${stockVideo.id}`,
        );
        await startPlaying(page);
      },
      '__stockPlayer',
      timeoutMs,
    );

    const ideal = (viewers - 1) / viewers;
    const ourRatio = ratio(ours);
    const stockRatio = ratio(stockResults);
    const met = ourRatio >= 0.9 * ideal && ourRatio >= stockRatio;
    const fmt = (value: number) => value.toFixed(3);
    const markdown = [
      `Machine: ${machineDescription()}, load average ${loadDescription()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      `Command: \`npm run bench:p2p -- --viewers ${viewers} --seconds ${clipSeconds} --stagger-ms ${staggerMs}\`. ${viewers} headless`,
      `Chromium viewers (one browser, separate contexts) join ${staggerMs / 1000} s apart and play a ${clipSeconds} s 360p clip`,
      '(2 s fMP4 segments) at normal speed to the end; same clip, same wrangler dev, same run.',
      '',
      '| setup | offload ratio | ideal (N−1)/N | vs ideal | stalls | viewers that finished |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ours: /watch player + SwarmTracker DO | ${fmt(ourRatio)} | ${fmt(ideal)} | ${fmt(ourRatio / ideal)} | ${sum(ours, (r) => r.stalls)} | ${ours.filter((r) => r.ended).length}/${viewers} |`,
      `| stock: p2p-media-loader defaults + bittorrent-tracker | ${fmt(stockRatio)} | ${fmt(ideal)} | ${fmt(stockRatio / ideal)} | ${sum(stockResults, (r) => r.stalls)} | ${stockResults.filter((r) => r.ended).length}/${viewers} |`,
      '',
      `Ours / stock: **${fmt(ourRatio / stockRatio)}×**. Target ≥ 0.9·(N−1)/N = ${fmt(0.9 * ideal)} and ≥ stock: ${met ? 'met' : '**missed**'}.`,
      '',
      `Per viewer, bytes from peers / all (ours): ${ours.map((r) => fmt(r.p2pBytes / (r.p2pBytes + r.httpBytes))).join(', ')};`,
      `(stock): ${stockResults.map((r) => fmt(r.p2pBytes / (r.p2pBytes + r.httpBytes))).join(', ')}.`,
    ].join('\n');
    return { options, ours, stock: stockResults, markdown };
  } finally {
    await browser.close();
    stock.server.close();
    await tracker.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      viewers: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '60' },
      'stagger-ms': { type: 'string', default: '3000' },
    },
  });
  const result = await benchP2POffload({
    viewers: Number(values.viewers),
    clipSeconds: Number(values.seconds),
    staggerMs: Number(values['stagger-ms']),
  });
  console.log(result.markdown);
  await writeResultsSection('P2P offload ratio', result.markdown);
}
