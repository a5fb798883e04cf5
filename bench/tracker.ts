// Swarm tracker under load: our SwarmTracker Durable Object (under `wrangler dev`, through the Worker's
// /api/v1/tracker/{videoId} route) beside the stock `bittorrent-tracker` 11 server (npm, WebSocket only, in its
// own Node process), driven by the same Node client load with the same WebTorrent frames a bittorrent-tracker
// browser client sends (binary 20-character info_hash/peer_id/offer_id, see test/tooling/swarm-tracker-client.test.ts).
//
// Two workloads, each at a few load levels, same run:
// - announce: S sockets re-announce (no offers) every ANNOUNCE_PERIOD_MS; latency = announce sent → its answer.
// - offer relay: P seeder/leecher pairs, one swarm each; every ANNOUNCE_PERIOD_MS the leecher announces with one
//   offer, the tracker forwards it to the seeder, the seeder answers, the tracker relays the answer back.
//   Latency = offer sent → offer delivered (one-way relay) and offer sent → answer back at the leecher.
// The clients pace themselves at one frame per socket per 1.1 s because our tracker limits each socket to a
// burst of 10 frames and 1 per second sustained (README "Swarm tracker"); load grows with sockets, as it does
// in a real swarm. Throughput = answers (or completed relays) per second actually delivered.
//
// `npm run bench:tracker [-- --announce-sockets 100,400,800 --relay-pairs 50,200 --seconds 8]` runs it alone and
// writes its section of bench/RESULTS.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { WebSocket } from 'undici';
import { errorMessage } from '../src/domain/errors';
import { publishPackage, syntheticPackage } from '../test/support/packaged-video';
import { startWranglerDev } from '../test/support/wrangler-dev';
import { percentile } from './lib/load';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';
import { d1File } from './queries';

const root = join(import.meta.dirname, '..');

/** Just over our tracker's sustained per-socket rate (1 frame/s), so no client is ever rate-limited. */
const ANNOUNCE_PERIOD_MS = 1_100;
/** Answers still missing this long after a phase ends count as lost. */
const DRAIN_MS = 2_000;

export interface TrackerBenchOptions {
  announceSockets: number[];
  relayPairs: number[];
  phaseSeconds: number;
}

export const DEFAULT_TRACKER_BENCH: TrackerBenchOptions = { announceSockets: [100, 400, 800], relayPairs: [50, 200], phaseSeconds: 8 };

export interface PhaseResult {
  level: number;
  offeredPerSecond: number;
  deliveredPerSecond: number;
  sent: number;
  completed: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  /** Relay only: one-way offer delivery. */
  relayP50Ms?: number;
  relayP99Ms?: number;
}

type Frame = Record<string, unknown>;

/** A random 20-code-unit id, as bittorrent-tracker clients put their Uint8Arrays into JSON. */
function binaryId(): string {
  return String.fromCharCode(...crypto.getRandomValues(new Uint8Array(20)));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  send(frame: Frame): void;
  onFrame(handler: (frame: Frame) => void): void;
  close(): void;
}

async function openClient(url: string): Promise<Client> {
  const socket = new WebSocket(url);
  const handlers: ((frame: Frame) => void)[] = [];
  socket.addEventListener('message', (event) => {
    const frame = JSON.parse(String(event.data)) as Frame;
    for (const handler of handlers) handler(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`could not open ${url}`)), { once: true });
  });
  return {
    send: (frame) => socket.send(JSON.stringify(frame)),
    onFrame: (handler) => handlers.push(handler),
    close: () => socket.close(1000),
  };
}

/** Opens `count` sockets, a few at a time (a burst of upgrades would measure connection setup instead). */
async function openClients(url: string, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (let start = 0; start < count; start += 25) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(25, count - start) }, () => openClient(url)))));
  }
  return clients;
}

function announceFrame(infoHash: string, peerId: string, extra: Frame = {}): Frame {
  // Field order and values as bittorrent-tracker's websocket-tracker.js sends them.
  return { numwant: 0, uploaded: 0, downloaded: 0, left: 0, action: 'announce', info_hash: infoHash, peer_id: peerId, ...extra };
}

const isAnnounceAnswer = (frame: Frame) => 'interval' in frame;
const isFailure = (frame: Frame) => 'failure reason' in frame;

/** S sockets spread over 10 swarms re-announce every ANNOUNCE_PERIOD_MS for `seconds`. */
export async function announcePhase(url: string, sockets: number, seconds: number): Promise<PhaseResult> {
  const infoHashes = Array.from({ length: 10 }, binaryId);
  const clients = await openClients(url, sockets);
  const latencies: number[] = [];
  let sent = 0;
  let failures = 0;
  const peers = clients.map((client, index) => {
    const pending: number[] = [];
    const peer = { client, pending, infoHash: infoHashes[index % infoHashes.length] as string, peerId: binaryId() };
    client.onFrame((frame) => {
      if (isFailure(frame)) failures += 1;
      if (!isAnnounceAnswer(frame) && !isFailure(frame)) return;
      const sentAt = pending.shift();
      if (sentAt !== undefined && !isFailure(frame)) latencies.push(performance.now() - sentAt);
    });
    return peer;
  });
  // Everyone joins first (`started`), outside the measurement.
  for (const peer of peers) peer.client.send(announceFrame(peer.infoHash, peer.peerId, { event: 'started' }));
  await sleep(ANNOUNCE_PERIOD_MS * 2);
  latencies.length = 0;
  failures = 0;
  for (const peer of peers) peer.pending.length = 0;

  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    peers.map(async (peer, index) => {
      // Spread the sockets' ticks over the period.
      await sleep((index / peers.length) * ANNOUNCE_PERIOD_MS);
      while (performance.now() < deadline) {
        peer.pending.push(performance.now());
        sent += 1;
        peer.client.send(announceFrame(peer.infoHash, peer.peerId));
        await sleep(ANNOUNCE_PERIOD_MS);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  await sleep(DRAIN_MS);
  for (const peer of peers) peer.client.close();
  latencies.sort((a, b) => a - b);
  return {
    level: sockets,
    offeredPerSecond: sockets / (ANNOUNCE_PERIOD_MS / 1000),
    deliveredPerSecond: latencies.length / elapsedS,
    sent,
    completed: latencies.length,
    failures,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

const OFFER_SDP = { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:bench\r\n${'a=x\r\n'.repeat(60)}` };
const ANSWER_SDP = {
  type: 'answer',
  sdp: `v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:reply\r\n${'a=y\r\n'.repeat(60)}`,
};

/** P seeder/leecher pairs, one swarm each; each leecher sends one offer per ANNOUNCE_PERIOD_MS. */
async function relayPhase(url: string, pairs: number, seconds: number): Promise<PhaseResult> {
  const seeders = await openClients(url, pairs);
  const leechers = await openClients(url, pairs);
  const offerSentAt = new Map<string, number>();
  const relayLatencies: number[] = [];
  const roundTrips: number[] = [];
  let failures = 0;
  let measuring = false;
  let sent = 0;

  const swarms = seeders.map((seeder, index) => {
    const swarm = { infoHash: binaryId(), seeder, leecher: leechers[index] as Client, seederId: binaryId(), leecherId: binaryId() };
    seeder.onFrame((frame) => {
      if (isFailure(frame)) failures += 1;
      if (!('offer' in frame)) return;
      const offerId = String(frame.offer_id);
      const sentAt = offerSentAt.get(offerId);
      if (measuring && sentAt !== undefined) relayLatencies.push(performance.now() - sentAt);
      seeder.send({
        action: 'announce',
        info_hash: swarm.infoHash,
        peer_id: swarm.seederId,
        to_peer_id: frame.peer_id,
        answer: ANSWER_SDP,
        offer_id: offerId,
      });
    });
    swarm.leecher.onFrame((frame) => {
      if (isFailure(frame)) failures += 1;
      if (!('answer' in frame)) return;
      const offerId = String(frame.offer_id);
      const sentAt = offerSentAt.get(offerId);
      offerSentAt.delete(offerId);
      if (measuring && sentAt !== undefined) roundTrips.push(performance.now() - sentAt);
    });
    return swarm;
  });
  for (const swarm of swarms) swarm.seeder.send(announceFrame(swarm.infoHash, swarm.seederId, { event: 'started', left: 0 }));
  await sleep(ANNOUNCE_PERIOD_MS * 2);
  failures = 0;

  const sendOffer = (swarm: (typeof swarms)[number], first: boolean) => {
    const offerId = binaryId();
    offerSentAt.set(offerId, performance.now());
    swarm.leecher.send(
      announceFrame(swarm.infoHash, swarm.leecherId, {
        numwant: 1,
        left: null, // bittorrent-tracker sends Infinity before it has metadata; JSON makes it null
        ...(first ? { event: 'started' } : {}),
        offers: [{ offer: OFFER_SDP, offer_id: offerId }],
      }),
    );
  };
  measuring = true;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    swarms.map(async (swarm, index) => {
      await sleep((index / swarms.length) * ANNOUNCE_PERIOD_MS);
      for (let first = true; performance.now() < deadline; first = false) {
        sendOffer(swarm, first);
        sent += 1;
        await sleep(ANNOUNCE_PERIOD_MS);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  await sleep(DRAIN_MS);
  measuring = false;
  for (const client of [...seeders, ...leechers]) client.close();
  relayLatencies.sort((a, b) => a - b);
  roundTrips.sort((a, b) => a - b);
  return {
    level: pairs,
    offeredPerSecond: pairs / (ANNOUNCE_PERIOD_MS / 1000),
    deliveredPerSecond: roundTrips.length / elapsedS,
    sent,
    completed: roundTrips.length,
    failures,
    p50Ms: percentile(roundTrips, 0.5),
    p99Ms: percentile(roundTrips, 0.99),
    relayP50Ms: percentile(relayLatencies, 0.5),
    relayP99Ms: percentile(relayLatencies, 0.99),
  };
}

/** The stock server in a Node process of its own, as it would be deployed (and off the load generator's loop). */
async function startStockTracker(): Promise<{ url: string; stop: () => void }> {
  const script = `
    import Server from 'bittorrent-tracker/server';
    const server = new Server({ http: false, udp: false, ws: true, stats: false });
    server.on('warning', () => {});
    server.on('error', (error) => { console.error(error); process.exit(1); });
    server.listen(0, '127.0.0.1', () => console.log('port=' + server.ws.address().port));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bittorrent-tracker exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /port=(\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

export async function knownVideo(baseUrl: string, persistDir: string): Promise<string> {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown> & { accessToken: string; id: string };
  };
  const creator = await post('/api/v1/auth/signup', {
    email: `bench-tracker-${Date.now()}@example.test`,
    password: 'a sturdy bench passphrase',
    displayName: 'Bench Tracker',
    role: 'creator',
  });
  const video = await post('/api/v1/videos', { title: 'Tracker bench', language: 'en', visibility: 'public' }, creator.accessToken);
  // The tracker serves only ready videos. Publishing a package is the real way there; if the upload path is not
  // available the video is marked ready in the local D1 directly — the tracker reads nothing else of it.
  try {
    await publishPackage(baseUrl, creator.accessToken, video.id, syntheticPackage());
  } catch (error) {
    console.warn(`publishing failed (${errorMessage(error)}); marking the video ready in D1`);
    const db = new Database(d1File(persistDir));
    try {
      db.prepare("UPDATE videos SET status = 'ready' WHERE id = ?").run(video.id);
    } finally {
      db.close();
    }
  }
  return video.id;
}

const fmt = (n: number | undefined, digits = 1) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

function tableRows(kind: string, ours: PhaseResult[], stock: PhaseResult[], relay: boolean): string[] {
  return ours.map((our, index) => {
    const theirs = stock[index] as PhaseResult;
    const cells = [
      `${kind} ${our.level}`,
      fmt(our.offeredPerSecond, 0),
      `${fmt(our.deliveredPerSecond)} / ${fmt(theirs.deliveredPerSecond)}`,
      fmt(our.deliveredPerSecond / theirs.deliveredPerSecond, 2),
      `${fmt(our.p50Ms)} / ${fmt(theirs.p50Ms)}`,
      `${fmt(our.p99Ms)} / ${fmt(theirs.p99Ms)}`,
      fmt(our.p99Ms / theirs.p99Ms, 2),
      relay ? `${fmt(our.relayP50Ms)} / ${fmt(theirs.relayP50Ms)}` : '–',
      `${our.sent - our.completed} / ${theirs.sent - theirs.completed}`,
      `${our.failures} / ${theirs.failures}`,
    ];
    return `| ${cells.join(' | ')} |`;
  });
}

export interface TrackerBenchResult {
  markdown: string;
  throughputMet: boolean;
  latencyMet: boolean;
  minThroughputRatio: number;
  maxP99Ratio: number;
}

export async function benchTracker(options: TrackerBenchOptions = DEFAULT_TRACKER_BENCH): Promise<TrackerBenchResult> {
  const stock = await startStockTracker();
  const server = await startWranglerDev({ cwd: root, vars: { LOG_LEVEL: 'error' }, startTimeoutMs: 180_000 }).catch((error) => {
    stock.stop();
    throw error;
  });
  try {
    const videoId = await knownVideo(server.url, server.persistDir);
    const ourUrl = `${server.url.replace(/^http/, 'ws')}/api/v1/tracker/${videoId}`;
    const results = {
      ours: { announce: [] as PhaseResult[], relay: [] as PhaseResult[] },
      stock: { announce: [] as PhaseResult[], relay: [] as PhaseResult[] },
    };
    // Interleaved level by level, so both servers see the same moments of a machine that is never quiet.
    for (const sockets of options.announceSockets) {
      console.log(`announce, ${sockets} sockets…`);
      results.ours.announce.push(await announcePhase(ourUrl, sockets, options.phaseSeconds));
      results.stock.announce.push(await announcePhase(stock.url, sockets, options.phaseSeconds));
    }
    for (const pairs of options.relayPairs) {
      console.log(`offer relay, ${pairs} pairs…`);
      results.ours.relay.push(await relayPhase(ourUrl, pairs, options.phaseSeconds));
      results.stock.relay.push(await relayPhase(stock.url, pairs, options.phaseSeconds));
    }
    const all = (side: 'ours' | 'stock') => [...results[side].announce, ...results[side].relay];
    const throughputRatios = all('ours').map(
      (our, index) => our.deliveredPerSecond / (all('stock')[index] as PhaseResult).deliveredPerSecond,
    );
    const p99Ratios = all('ours').map((our, index) => our.p99Ms / (all('stock')[index] as PhaseResult).p99Ms);
    const throughputMet = throughputRatios.every((ratio) => ratio >= 0.95);
    const latencyMet = p99Ratios.every((ratio) => ratio <= 1);
    const markdown = [
      `Machine: ${machineDescription()}, load average ${loadDescription()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      `Command: \`npm run bench:tracker -- --announce-sockets ${options.announceSockets.join(',')} --relay-pairs ${options.relayPairs.join(',')} --seconds ${options.phaseSeconds}\`.`,
      'Ours: SwarmTracker Durable Object behind `GET /api/v1/tracker/{videoId}` under `wrangler dev` (workerd); stock: `bittorrent-tracker` 11.2.3',
      '`Server` (WebSocket only) in its own Node process. Same Node client (undici WebSocket), same bittorrent-tracker frames, same run, levels',
      `interleaved. Every socket sends one frame per ${ANNOUNCE_PERIOD_MS / 1000} s (our per-socket limit is 1/s sustained), so load grows`,
      `with sockets; ${options.phaseSeconds} s per phase. Announce latency: announce → its answer. Relay: leecher announce with one offer →`,
      'offer at the seeder (one-way) → seeder answer → answer back at the leecher (round trip). Cells are ours / stock.',
      '',
      '| workload | offered /s | delivered /s (ours / stock) | throughput ratio | p50 ms | p99 ms | p99 ratio | one-way relay p50 ms | unanswered | failures |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...tableRows('announce, sockets', results.ours.announce, results.stock.announce, false),
      ...tableRows('offer relay, pairs', results.ours.relay, results.stock.relay, true),
      '',
      `Target "no worse than bittorrent-tracker": throughput (delivered ≥ 0.95× stock at every level) ${throughputMet ? 'met' : '**missed**'};`,
      `p99 latency (≤ stock at every level) ${latencyMet ? 'met' : '**missed**'}. Our path crosses the Worker and the Durable Object per frame`,
      '(two isolates under `wrangler dev`); the stock server answers inside one Node event loop. Both share the same two cores with the client.',
    ].join('\n');
    return {
      markdown,
      throughputMet,
      latencyMet,
      minThroughputRatio: Math.min(...throughputRatios),
      maxP99Ratio: Math.max(...p99Ratios),
    };
  } finally {
    stock.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'announce-sockets': { type: 'string', default: DEFAULT_TRACKER_BENCH.announceSockets.join(',') },
      'relay-pairs': { type: 'string', default: DEFAULT_TRACKER_BENCH.relayPairs.join(',') },
      seconds: { type: 'string', default: String(DEFAULT_TRACKER_BENCH.phaseSeconds) },
    },
  });
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
  const result = await benchTracker({
    announceSockets: list(values['announce-sockets']),
    relayPairs: list(values['relay-pairs']),
    phaseSeconds: Number(values.seconds),
  });
  console.log(result.markdown);
  await writeResultsSection('Swarm tracker vs bittorrent-tracker', result.markdown);
}
