// Call room signaling under load, in two parts, same run:
//
// 1. Offer → answer relay: our CallRoom Durable Object (under `wrangler dev`, through
//    /api/v1/rooms/{roomId}/ws with room tokens) beside `peer` 1.0.2 (peerjs-server, `PeerServer`, in its own Node
//    process), driven by the same Node client load (undici WebSocket). P caller/callee pairs — for us one room
//    per pair — each caller sends OFFERS_PER_SECOND offers (a 3 KB SDP) to its callee, the callee answers each at
//    once; latency = offer sent → answer back at the caller (two relays). The rate stays under our per-connection
//    limit (50 messages/s), so load grows with pairs.
// 2. Connect success and time over N staggered pairs of Chromium pages on the real room page (/room/{roomId}):
//    two signed-in members per room, pairs started STAGGER_MS apart, a few in flight at once; success = both
//    pages report their RTCPeerConnection `connected` (window.__vibestreamRoom); time = page open → connected
//    and the link's own setup time (RTCPeerConnection created → connected).
//
// `npm run bench:rooms [-- --pairs 10,50,150 --seconds 6 --browser-pairs 50]` runs it alone and writes its
// section of bench/RESULTS.md.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'undici';
import { type SignedUpUser, signUp } from '../test/support/api';
import { launchBrowser } from '../test/support/browser';
import { freePort, startWranglerDev } from '../test/support/wrangler-dev';
import { percentile } from './lib/load';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';

const root = join(import.meta.dirname, '..');

const OFFERS_PER_SECOND = 10;
const DRAIN_MS = 2_000;
/** Browser pairs start this far apart (starting dozens at once stretches ICE to seconds on two cores). */
const STAGGER_MS = 300;
/** Pairs whose pages are open at the same time. */
const BROWSER_PAIRS_IN_FLIGHT = 3;
const BROWSER_CONNECT_TIMEOUT_MS = 30_000;

export interface RoomsBenchOptions {
  relayPairs: number[];
  phaseSeconds: number;
  browserPairs: number;
}

export const DEFAULT_ROOMS_BENCH: RoomsBenchOptions = { relayPairs: [10, 50, 150], phaseSeconds: 6, browserPairs: 50 };

interface RelayResult {
  pairs: number;
  offeredPerSecond: number;
  answeredPerSecond: number;
  sent: number;
  answered: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Chrome-like offer of about 3 KB; `o=` carries the sequence number the callee echoes in its answer. */
function sdp(kind: 'offer' | 'answer', seq: number): string {
  const media = Array.from({ length: 24 }, (_, i) => `a=rtpmap:${96 + i} VP8/90000\r\na=rtcp-fb:${96 + i} nack\r\n`).join('');
  return `v=0\r\no=- ${seq} 2 IN IP4 127.0.0.1\r\ns=${kind}\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n${media}`;
}
const seqOf = (text: string) => Number(/^o=- (\d+) /m.exec(text)?.[1] ?? -1);

/** One side of a pair on either server: how to open it, what to send, what to read. */
interface Dialect {
  name: string;
  open(pair: number, role: 'caller' | 'callee'): Promise<{ socket: WebSocket; id: string }>;
  offer(to: string, seq: number): string;
  answer(to: string, seq: number): string;
  /** The sequence number of an offer (for the callee) or answer (for the caller) in `frame`, else null. */
  read(frame: Record<string, unknown>, kind: 'offer' | 'answer'): { from: string; seq: number } | null;
  isError(frame: Record<string, unknown>): boolean;
}

function waitOpen(socket: WebSocket, ready: (frame: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: { data: unknown }) => {
      const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (ready(frame)) {
        socket.removeEventListener('message', onMessage);
        resolve();
      } else if (frame.type === 'error' || frame.type === 'ERROR') reject(new Error(JSON.stringify(frame)));
    };
    socket.addEventListener('message', onMessage);
    socket.addEventListener('error', () => reject(new Error('socket failed')), { once: true });
  });
}

/** POST to the API as `user`; throws unless the answer has `expectedStatus`. */
async function apiAs<T>(baseUrl: string, user: SignedUpUser, path: string, body: unknown, expectedStatus: number): Promise<T> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.accessToken}` },
    body: JSON.stringify(body),
  });
  if (response.status !== expectedStatus) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A room hosted by `host` that `guest` has joined with the invite link (rooms are invite-only and owned). */
async function pairRoom(baseUrl: string, [host, guest]: [SignedUpUser, SignedUpUser], title: string): Promise<string> {
  const created = await apiAs<{ room: { id: string }; inviteToken: string }>(baseUrl, host, '/rooms', { title }, 201);
  await apiAs(baseUrl, guest, `/rooms/${created.room.id}/join`, { inviteToken: created.inviteToken }, 200);
  return created.room.id;
}

/** The caller hosts each pair's room and the callee joins it: one seat per account, so a pair is two people. */
function ourDialect(baseUrl: string, people: [SignedUpUser, SignedUpUser], runTag: string): Dialect {
  const rooms = new Map<number, Promise<string>>();
  return {
    name: 'CallRoom DO',
    async open(pair, role) {
      // Caller and callee of a pair open concurrently: both wait on the one room the first of them created.
      const room = rooms.get(pair) ?? pairRoom(baseUrl, people, `bench ${runTag} ${pair}`);
      rooms.set(pair, room);
      const roomId = await room;
      const user = role === 'caller' ? people[0] : people[1];
      const response = await fetch(`${baseUrl}/api/v1/tokens/room`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.accessToken}` },
        body: JSON.stringify({ roomId }),
      });
      if (response.status !== 201) throw new Error(`room token: ${response.status} ${await response.text()}`);
      const { token, peerId } = (await response.json()) as { token: string; peerId: string };
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/rooms/${roomId}/ws?token=${encodeURIComponent(token)}`);
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve(), { once: true });
        socket.addEventListener('error', () => reject(new Error('room socket failed')), { once: true });
      });
      const welcomed = waitOpen(socket, (frame) => frame.type === 'welcome');
      socket.send(JSON.stringify({ type: 'join', displayName: role }));
      await welcomed;
      return { socket, id: peerId };
    },
    offer: (to, seq) => JSON.stringify({ type: 'signal', to, data: { sdp: { type: 'offer', sdp: sdp('offer', seq) } } }),
    answer: (to, seq) => JSON.stringify({ type: 'signal', to, data: { sdp: { type: 'answer', sdp: sdp('answer', seq) } } }),
    read(frame, kind) {
      const data = frame.data as { sdp?: { type: string; sdp: string } } | undefined;
      if (frame.type !== 'signal' || data?.sdp?.type !== kind) return null;
      return { from: String(frame.from), seq: seqOf(data.sdp.sdp) };
    },
    isError: (frame) => frame.type === 'error',
  };
}

function peerjsDialect(url: string, runTag: string): Dialect {
  return {
    name: 'peerjs-server',
    async open(pair, role) {
      const id = `bench-${runTag}-${pair}-${role}`;
      const socket = new WebSocket(`${url}/peerjs?key=peerjs&id=${id}&token=${runTag}`);
      await waitOpen(socket, (frame) => frame.type === 'OPEN');
      return { socket, id };
    },
    offer: (to, seq) =>
      JSON.stringify({
        type: 'OFFER',
        dst: to,
        payload: { sdp: { type: 'offer', sdp: sdp('offer', seq) }, type: 'media', connectionId: `mc_${seq}` },
      }),
    answer: (to, seq) =>
      JSON.stringify({
        type: 'ANSWER',
        dst: to,
        payload: { sdp: { type: 'answer', sdp: sdp('answer', seq) }, type: 'media', connectionId: `mc_${seq}` },
      }),
    read(frame, kind) {
      const payload = frame.payload as { sdp?: { sdp: string } } | undefined;
      if (frame.type !== kind.toUpperCase() || !payload?.sdp) return null;
      return { from: String(frame.src), seq: seqOf(payload.sdp.sdp) };
    },
    isError: (frame) => frame.type === 'ERROR',
  };
}

async function relayPhase(dialect: Dialect, pairs: number, seconds: number): Promise<RelayResult> {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const sentAt = new Map<number, number>();
  let nextSeq = 1;
  const links: { caller: { socket: WebSocket; id: string }; callee: { socket: WebSocket; id: string } }[] = [];
  for (let start = 0; start < pairs; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, pairs - start) }, async (_, offset) => {
        const caller = await dialect.open(start + offset, 'caller');
        const callee = await dialect.open(start + offset, 'callee');
        return { caller, callee };
      }),
    );
    links.push(...batch);
  }
  for (const { caller, callee } of links) {
    sockets.push(caller.socket, callee.socket);
    callee.socket.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (dialect.isError(frame)) errors += 1;
      const offer = dialect.read(frame, 'offer');
      if (offer) callee.socket.send(dialect.answer(offer.from, offer.seq));
    });
    caller.socket.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (dialect.isError(frame)) errors += 1;
      const answer = dialect.read(frame, 'answer');
      const at = answer ? sentAt.get(answer.seq) : undefined;
      if (answer && at !== undefined) {
        sentAt.delete(answer.seq);
        latencies.push(performance.now() - at);
      }
    });
  }
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const periodMs = 1000 / OFFERS_PER_SECOND;
  await Promise.all(
    links.map(async ({ caller, callee }, index) => {
      await sleep((index / links.length) * periodMs);
      while (performance.now() < deadline) {
        const seq = nextSeq++;
        sentAt.set(seq, performance.now());
        sent += 1;
        caller.socket.send(dialect.offer(callee.id, seq));
        await sleep(periodMs);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  await sleep(DRAIN_MS);
  for (const socket of sockets) socket.close(1000);
  latencies.sort((a, b) => a - b);
  return {
    pairs,
    offeredPerSecond: pairs * OFFERS_PER_SECOND,
    answeredPerSecond: latencies.length / elapsedS,
    sent,
    answered: latencies.length,
    errors,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** peerjs-server in a Node process of its own, as it would be deployed (and off the load generator's loop). */
async function startPeerServer(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const script = `
    import { PeerServer } from 'peer';
    PeerServer({ port: ${port}, host: '127.0.0.1', path: '/' }, () => console.log('listening'));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`peerjs-server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

// ─── Part 2: Chromium pairs on the room page ──────────────────────────────────────────────────────────────────

interface PairOutcome {
  connected: boolean;
  /** Page open → both pages report `connected`. */
  connectMs: number | null;
  /** RTCPeerConnection created → connected, the slower side. */
  setupMs: number | null;
}

async function signedInContext(browser: Browser, baseUrl: string, user: SignedUpUser): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl });
  await context.grantPermissions(['camera', 'microphone'], { origin: baseUrl });
  await context.addInitScript((session) => {
    sessionStorage.setItem('vibestream.accessToken', session.accessToken);
    sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 900_000));
    sessionStorage.setItem('vibestream.user', JSON.stringify(session.user));
    if (!localStorage.getItem('vibestream.refreshToken')) localStorage.setItem('vibestream.refreshToken', session.refreshToken);
  }, user);
  return context;
}

async function browserPair(contexts: [BrowserContext, BrowserContext], roomId: string): Promise<PairOutcome> {
  const started = performance.now();
  const pages: Page[] = [];
  try {
    for (const context of contexts) {
      const page = await context.newPage();
      pages.push(page);
      await page.goto(`/room/${roomId}`, { waitUntil: 'domcontentloaded', timeout: BROWSER_CONNECT_TIMEOUT_MS });
    }
    await Promise.all(
      pages.map((page) =>
        page.waitForFunction(
          () => {
            const room = (window as unknown as { __vibestreamRoom?: { peers: { connectionState: string }[] } }).__vibestreamRoom;
            return room?.peers.length === 1 && room.peers[0]?.connectionState === 'connected';
          },
          undefined,
          { timeout: BROWSER_CONNECT_TIMEOUT_MS, polling: 50 },
        ),
      ),
    );
    const connectMs = performance.now() - started;
    const setups = await Promise.all(
      pages.map((page) =>
        page.evaluate(
          () =>
            (window as unknown as { __vibestreamRoom: { peers: { setupMs: number | null }[] } }).__vibestreamRoom.peers[0]?.setupMs ?? null,
        ),
      ),
    );
    const known = setups.filter((value): value is number => value !== null);
    return { connected: true, connectMs, setupMs: known.length ? Math.max(...known) : null };
  } catch {
    return { connected: false, connectMs: null, setupMs: null };
  } finally {
    await Promise.all(pages.map((page) => page.close().catch(() => undefined)));
  }
}

async function browserPairs(baseUrl: string, count: number, runTag: string): Promise<PairOutcome[]> {
  const browser = await launchBrowser();
  try {
    const users = (await Promise.all(['Caller', 'Callee'].map((name) => signUp(baseUrl, { displayName: `Bench ${name}` })))) as [
      SignedUpUser,
      SignedUpUser,
    ];
    // One pair of contexts per in-flight slot: each member has one signed-in browser profile, as a person would.
    const slots = await Promise.all(
      Array.from(
        { length: BROWSER_PAIRS_IN_FLIGHT },
        async () => Promise.all(users.map((user) => signedInContext(browser, baseUrl, user))) as Promise<[BrowserContext, BrowserContext]>,
      ),
    );
    const outcomes: PairOutcome[] = new Array(count);
    let next = 0;
    await Promise.all(
      slots.map(async (contexts, slot) => {
        await sleep(slot * STAGGER_MS);
        for (let pair = next++; pair < count; pair = next++) {
          outcomes[pair] = await browserPair(contexts, await pairRoom(baseUrl, users, `bench pair ${runTag} ${pair}`));
          await sleep(STAGGER_MS);
        }
      }),
    );
    return outcomes;
  } finally {
    await browser.close();
  }
}

// ─── Report ───────────────────────────────────────────────────────────────────────────────────────────────────

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

export interface RoomsBenchResult {
  markdown: string;
  throughputMet: boolean;
  latencyMet: boolean;
  minThroughputRatio: number;
  maxP99Ratio: number;
  browserPairs: number;
  connectedPairs: number;
  connectP50Ms: number;
}

export async function benchRooms(options: RoomsBenchOptions = DEFAULT_ROOMS_BENCH): Promise<RoomsBenchResult> {
  // The browser part opens the built room page, which wrangler dev serves from web/dist.
  if (options.browserPairs > 0) execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'ignore' });
  const peerServer = await startPeerServer();
  const server = await startWranglerDev({ cwd: root, vars: { LOG_LEVEL: 'error' }, startTimeoutMs: 180_000 }).catch((error) => {
    peerServer.stop();
    throw error;
  });
  const runTag = Math.random().toString(36).slice(2, 8);
  try {
    const people = (await Promise.all(['Caller', 'Callee'].map((name) => signUp(server.url, { displayName: `Bench Rooms ${name}` })))) as [
      SignedUpUser,
      SignedUpUser,
    ];
    const rows: { ours: RelayResult; stock: RelayResult }[] = [];
    // Interleaved level by level, so both servers see the same moments of a machine that is never quiet.
    for (const pairs of options.relayPairs) {
      console.log(`offer → answer relay, ${pairs} pairs…`);
      const ourResult = await relayPhase(ourDialect(server.url, people, `${runTag}${pairs}`), pairs, options.phaseSeconds);
      const stockResult = await relayPhase(peerjsDialect(peerServer.url, `${runTag}${pairs}`), pairs, options.phaseSeconds);
      rows.push({ ours: ourResult, stock: stockResult });
    }
    console.log(`${options.browserPairs} Chromium pairs on the room page…`);
    const outcomes = options.browserPairs > 0 ? await browserPairs(server.url, options.browserPairs, runTag) : [];
    const connected = outcomes.filter((outcome) => outcome.connected);
    const connectTimes = connected.map((outcome) => outcome.connectMs as number).sort((a, b) => a - b);
    const setupTimes = connected
      .map((outcome) => outcome.setupMs)
      .filter((value): value is number => value !== null)
      .sort((a, b) => a - b);

    const throughputMet = rows.every(({ ours: our, stock: theirs }) => our.answeredPerSecond >= 0.95 * theirs.answeredPerSecond);
    const latencyMet = rows.every(({ ours: our, stock: theirs }) => our.p99Ms <= theirs.p99Ms);
    const markdown = [
      `Machine: ${machineDescription()}, load average ${loadDescription()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      `Command: \`npm run bench:rooms -- --pairs ${options.relayPairs.join(',')} --seconds ${options.phaseSeconds} --browser-pairs ${options.browserPairs}\`.`,
      '',
      '**Offer → answer relay.** Ours: CallRoom Durable Object (one room per pair) behind `/api/v1/rooms/{roomId}/ws` under `wrangler dev`;',
      'stock: `peer` 1.0.2 (`PeerServer`) in its own Node process. Same Node client (undici WebSocket), same 3 KB SDPs, same run, levels',
      `interleaved. Each caller sends ${OFFERS_PER_SECOND} offers/s to its callee, which answers each at once; latency = offer sent → answer`,
      `back at the caller (two relays). ${options.phaseSeconds} s per level. Cells are ours / stock.`,
      '',
      '| pairs | offered /s | answered /s (ours / stock) | throughput ratio | p50 ms | p99 ms | p50 ratio | p99 ratio | unanswered | errors |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        ({ ours: our, stock: theirs }) =>
          `| ${our.pairs} | ${fmt(our.offeredPerSecond, 0)} | ${fmt(our.answeredPerSecond)} / ${fmt(theirs.answeredPerSecond)} | ` +
          `${fmt(our.answeredPerSecond / theirs.answeredPerSecond, 2)} | ${fmt(our.p50Ms)} / ${fmt(theirs.p50Ms)} | ${fmt(our.p99Ms)} / ${fmt(theirs.p99Ms)} | ` +
          `${fmt(our.p50Ms / theirs.p50Ms, 2)} | ${fmt(our.p99Ms / theirs.p99Ms, 2)} | ${our.sent - our.answered} / ${theirs.sent - theirs.answered} | ${our.errors} / ${theirs.errors} |`,
      ),
      '',
      `Target "no worse than peerjs-server": throughput (≥ 0.95× at every level) ${throughputMet ? 'met' : '**missed**'}; p99 (≤ stock at every`,
      `level) ${latencyMet ? 'met' : '**missed**'}. Each of our frames crosses the Worker's socket and the room's Durable Object (two isolates`,
      'under `wrangler dev`); peerjs-server relays inside one Node event loop.',
      '',
      `**Connect success and time, ${options.browserPairs} Chromium pairs.** Two signed-in members per room open \`/room/{roomId}\` in one`,
      `headless Chromium (fake camera and microphone), pairs started ${STAGGER_MS} ms apart, ${BROWSER_PAIRS_IN_FLIGHT} pairs in flight; a pair counts`,
      'when both pages report their RTCPeerConnection `connected` (`window.__vibestreamRoom`) within 30 s.',
      '',
      '| pairs | connected | success | page open → connected p50 / p95 / max ms | RTCPeerConnection setup p50 / p95 / max ms |',
      '| ---: | ---: | ---: | --- | --- |',
      `| ${outcomes.length} | ${connected.length} | ${fmt((100 * connected.length) / Math.max(1, outcomes.length))} % | ` +
        `${fmt(percentile(connectTimes, 0.5), 0)} / ${fmt(percentile(connectTimes, 0.95), 0)} / ${fmt(connectTimes.at(-1) ?? Number.NaN, 0)} | ` +
        `${fmt(percentile(setupTimes, 0.5), 0)} / ${fmt(percentile(setupTimes, 0.95), 0)} / ${fmt(setupTimes.at(-1) ?? Number.NaN, 0)} |`,
    ].join('\n');
    return {
      markdown,
      throughputMet,
      latencyMet,
      minThroughputRatio: Math.min(...rows.map(({ ours: our, stock: theirs }) => our.answeredPerSecond / theirs.answeredPerSecond)),
      maxP99Ratio: Math.max(...rows.map(({ ours: our, stock: theirs }) => our.p99Ms / theirs.p99Ms)),
      browserPairs: outcomes.length,
      connectedPairs: connected.length,
      connectP50Ms: percentile(connectTimes, 0.5),
    };
  } finally {
    peerServer.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: DEFAULT_ROOMS_BENCH.relayPairs.join(',') },
      seconds: { type: 'string', default: String(DEFAULT_ROOMS_BENCH.phaseSeconds) },
      'browser-pairs': { type: 'string', default: String(DEFAULT_ROOMS_BENCH.browserPairs) },
    },
  });
  const result = await benchRooms({
    relayPairs: (values.pairs ?? '')
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    phaseSeconds: Number(values.seconds),
    browserPairs: Number(values['browser-pairs']),
  });
  console.log(result.markdown);
  await writeResultsSection('Call room signaling vs peerjs-server', result.markdown);
}
