// `npm run simulate`: synthetic viewers reporting WebRTC and P2P statistics to a running VibeStream, the way the
// player does (POST /api/v1/tokens/ingest, then batches to POST /api/v1/analytics/samples). For load runs, demos
// of the operator dashboard, and the tests and benchmarks that import `generatePeerSession` and `runSimulation`.
//
//   npm run simulate -- --peers 20 --seconds 60
//   npm run simulate -- --peers 50 --seconds 300 --impair loss=0.05,rtt=300,jitter=40,relay=0.3,fail=0.1 --seed 7
//   npm run simulate -- --help
//
// What a simulated peer looks like (one sample a second, counters cumulative as getStats() reports them):
// - a baseline RTT, jitter and loss drawn per peer (farther regions have a higher RTT), each a mean-reverting
//   random walk (Ornstein–Uhlenbeck) around its baseline, with short congestion episodes;
// - two to four connection attempts when it joins, with candidate types mostly host/srflx, some relay (peers
//   behind symmetric NATs), setup times by path type and some failures; churn and retries afterwards;
// - video segments fetched from peers with an offload ratio around 0.6–0.85 (the first segment always over HTTP),
//   occasional freezes, and now and then a restarted peer connection whose RTP counters start again from zero.
// Everything random comes from a seeded PRNG per peer, so `--seed` makes the statistics repeatable.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage } from '../src/domain/errors';
import type { CandidateType, ConnectionEvent, StatsSample, TransportProtocol } from '../src/domain/quality/types';
import { CommandFailed, parseOrUsage, runCli, UsageError } from './lib/cli';
import { DEMO_ACCOUNTS, DEMO_VIDEOS } from './lib/demo-data';
import { createRng, type Rng } from './lib/random';
import { demoVideoId } from './seed';

const USAGE = `Usage: npm run simulate -- [options]

  --peers N            simulated peer sessions (default 10)
  --seconds S          how long each run lasts, in seconds (default 60)
  --impair LIST        worsen every peer: loss=0.05 (added loss rate), rtt=300 (added ms), jitter=40 (added ms),
                       relay=0.3 (share of relay-only peers), fail=0.1 (share of failed connection attempts)
  --url URL            the VibeStream to report to (default http://127.0.0.1:8787)
  --email E            account that requests the ingest tokens (default the demo viewer ${defaultAccount().email})
  --password P         its password (default the demo password)
  --videos K           spread the peers over K free demo videos (default 3; at most the free ones seeded)
  --batch-seconds B    post each peer's samples every B seconds (default 2)
  --concurrency C      requests in flight at most (default 16)
  --seed X             PRNG seed; the same seed gives the same statistics (default: random, printed)
  --backfill           stamp the run in the past (ending now) and post it as fast as the server accepts it
  --json               print the final report as JSON

Exit codes: 0 done, 1 a request failed with 5xx or could not be sent, 2 invalid command line.`;

export const DEFAULT_URL = 'http://127.0.0.1:8787';
/** The API accepts at most this many samples (and events) per POST /analytics/samples. */
export const MAX_SAMPLES_PER_BATCH = 200;
/** HLS segment length the simulated player fetches. */
const SEGMENT_SECONDS = 4;
const NOMINAL_FPS = 30;
/** RTP payload per packet, a little under a 1,200-byte MTU budget. */
const PACKET_PAYLOAD_BYTES = 1150;
/** Retry a 429 this many times, waiting as long as Retry-After says. */
const MAX_RATE_LIMIT_RETRIES = 5;
/** Sign in again (or ask for a new ingest token) this long before the current one expires. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

function defaultAccount(): { email: string; password: string } {
  const viewer = DEMO_ACCOUNTS.find((account) => account.key === 'viewer1');
  if (!viewer) throw new Error('the demo catalog has no viewer1 account');
  return { email: viewer.email, password: viewer.password };
}

// ─── Impairments ──────────────────────────────────────────────────────────────────────────────────────────────

export interface Impairment {
  /** Added to every peer's packet loss rate (0–1). */
  lossRate: number;
  /** Added to every peer's round-trip time. */
  rttMs: number;
  /** Added to every peer's jitter. */
  jitterMs: number;
  /** Share of peers that can only connect through TURN; replaces the default share when higher. */
  relayShare: number | null;
  /** Share of connection attempts that fail; replaces the default when higher. */
  failureRate: number | null;
}

export const NO_IMPAIRMENT: Impairment = { lossRate: 0, rttMs: 0, jitterMs: 0, relayShare: null, failureRate: null };

const IMPAIRMENT_KEYS: Record<string, { field: keyof Impairment; max: number }> = {
  loss: { field: 'lossRate', max: 1 },
  rtt: { field: 'rttMs', max: 10_000 },
  jitter: { field: 'jitterMs', max: 5_000 },
  relay: { field: 'relayShare', max: 1 },
  fail: { field: 'failureRate', max: 1 },
};

/** "loss=0.05,rtt=300" → an Impairment; unknown names and out-of-range values are a UsageError. */
export function parseImpairment(text: string): Impairment {
  const impairment: Impairment = { ...NO_IMPAIRMENT };
  for (const part of text.split(',').map((item) => item.trim())) {
    if (part === '') continue;
    const [name = '', raw = ''] = part.split('=', 2).map((item) => item.trim());
    const key = IMPAIRMENT_KEYS[name];
    if (!key) throw new UsageError(`--impair: unknown stat "${name}" (use ${Object.keys(IMPAIRMENT_KEYS).join(', ')})`);
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value) || value < 0 || value > key.max) {
      throw new UsageError(`--impair: ${name} must be a number from 0 to ${key.max} (got "${raw}")`);
    }
    Object.assign(impairment, { [key.field]: value });
  }
  return impairment;
}

// ─── Peer profiles ────────────────────────────────────────────────────────────────────────────────────────────

interface Region {
  country: string;
  colos: readonly string[];
  /** Share of the audience (relative weight). */
  weight: number;
  /** Extra round trip of peers there, on top of the per-peer baseline. */
  extraRttMs: number;
}

const REGIONS: readonly Region[] = [
  { country: 'US', colos: ['IAD', 'ORD', 'DFW', 'LAX'], weight: 30, extraRttMs: 0 },
  { country: 'DE', colos: ['FRA', 'TXL'], weight: 12, extraRttMs: 5 },
  { country: 'GB', colos: ['LHR', 'MAN'], weight: 10, extraRttMs: 5 },
  { country: 'IN', colos: ['BOM', 'DEL'], weight: 10, extraRttMs: 45 },
  { country: 'BR', colos: ['GRU'], weight: 8, extraRttMs: 35 },
  { country: 'JP', colos: ['NRT'], weight: 7, extraRttMs: 10 },
  { country: 'FR', colos: ['CDG'], weight: 6, extraRttMs: 5 },
  { country: 'NL', colos: ['AMS'], weight: 5, extraRttMs: 0 },
  { country: 'AU', colos: ['SYD'], weight: 5, extraRttMs: 40 },
  { country: 'NG', colos: ['LOS'], weight: 4, extraRttMs: 70 },
  { country: 'CA', colos: ['YYZ'], weight: 3, extraRttMs: 5 },
];

const RENDITIONS = [
  { width: 854, height: 480, bitrateBps: 1_200_000, weight: 2 },
  { width: 1280, height: 720, bitrateBps: 2_800_000, weight: 5 },
  { width: 1920, height: 1080, bitrateBps: 5_000_000, weight: 3 },
] as const;

/** Peers that can only reach others through TURN when nothing is impaired (symmetric NATs, strict firewalls). */
const DEFAULT_RELAY_SHARE = 0.08;
const DEFAULT_ATTEMPT_FAILURE_RATE = 0.05;

export interface PeerProfile {
  index: number;
  videoId: string;
  country: string;
  colo: string;
  rttBaseMs: number;
  jitterBaseMs: number;
  lossBase: number;
  bitrateBps: number;
  frameWidth: number;
  frameHeight: number;
  /** Share of segments this peer gets from other peers once connected. */
  offloadTarget: number;
  /** Behind a NAT that only TURN gets through: every connection of this peer is relayed. */
  relayOnly: boolean;
  attemptFailureRate: number;
  /** Seed of this peer's own PRNG, so one peer's statistics do not depend on how many others run. */
  seed: number;
}

export interface ProfileOptions {
  peers: number;
  seed: number;
  impair?: Impairment;
  /** Videos the peers watch; earlier ones are more popular (weights 1, 1/2, 1/3, …). */
  videoIds: readonly string[];
}

const between = (rng: Rng, min: number, max: number) => min + (max - min) * rng.next();

/** Standard normal variate (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function createPeerProfiles({ peers, seed, impair = NO_IMPAIRMENT, videoIds }: ProfileOptions): PeerProfile[] {
  if (videoIds.length === 0) throw new Error('createPeerProfiles needs at least one video id');
  const relayShare = Math.max(DEFAULT_RELAY_SHARE, impair.relayShare ?? 0);
  const failureRate = Math.max(DEFAULT_ATTEMPT_FAILURE_RATE, impair.failureRate ?? 0);
  // Impaired networks also cost offload: lossy or slow peers make poor sources, and the loader falls back to HTTP.
  const offloadPenalty = Math.min(0.6, impair.lossRate * 4 + impair.rttMs / 1500 + impair.jitterMs / 1000);
  const videoWeights = videoIds.map((_, i) => 1 / (i + 1));
  // Peer N's seed is the N-th draw of the run's seed: a run with more peers keeps the first peers as they were.
  const peerSeeds = createRng(seed);
  return Array.from({ length: peers }, (_, index) => {
    const peerSeed = Math.floor(peerSeeds.next() * 2 ** 32);
    const rng = createRng(peerSeed);
    const region = REGIONS[rng.weightedIndex(REGIONS.map((r) => r.weight))] as Region;
    const rendition = RENDITIONS[rng.weightedIndex(RENDITIONS.map((r) => r.weight))] as (typeof RENDITIONS)[number];
    const relayOnly = rng.chance(relayShare);
    // Squaring a uniform skews towards the low end: most peers are close, a few are far.
    const rttBaseMs = 15 + 70 * rng.next() ** 2 + region.extraRttMs + (relayOnly ? 40 : 0) + impair.rttMs;
    return {
      index,
      videoId: videoIds[rng.weightedIndex(videoWeights)] as string,
      country: region.country,
      colo: rng.pick(region.colos),
      rttBaseMs,
      jitterBaseMs: 1.5 + 8 * rng.next() ** 2 + impair.jitterMs,
      lossBase: Math.min(0.6, 0.002 + 0.012 * rng.next() ** 3 + impair.lossRate),
      bitrateBps: rendition.bitrateBps,
      frameWidth: rendition.width,
      frameHeight: rendition.height,
      offloadTarget: between(rng, 0.6, 0.85) * (1 - offloadPenalty) * (relayOnly ? 0.85 : 1),
      relayOnly,
      attemptFailureRate: Math.min(0.95, failureRate + (relayOnly ? 0.05 : 0)),
      seed: peerSeed,
    };
  });
}

// ─── One peer's statistics ────────────────────────────────────────────────────────────────────────────────────

interface Attempt {
  remotePeerId: string;
  localCandidateType: CandidateType;
  remoteCandidateType: CandidateType;
  protocol: TransportProtocol;
  startedAt: number;
  /** When it connects or fails. */
  resolveAt: number;
  setupMs: number;
  fails: boolean;
  state: 'connecting' | 'connected' | 'failed' | 'closed';
}

interface Congestion {
  until: number;
  rttFactor: number;
  extraLoss: number;
}

const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Time from offer to 'connected' by path type (before the round trips of the checks themselves). */
const SETUP_MS_RANGE: Record<CandidateType, readonly [number, number]> = {
  host: [40, 150],
  srflx: [120, 600],
  prflx: [150, 700],
  relay: [400, 1600],
};

export interface PeerStep {
  sample: StatsSample;
  /** Connection events that happened since the previous step, oldest first. */
  events: ConnectionEvent[];
}

/**
 * Produces one peer's samples. Call `next(ts)` with increasing timestamps, about one second apart (the gap is
 * respected: counters grow with the elapsed time), and `finish(ts)` when the peer leaves.
 */
export class PeerStatsGenerator {
  readonly profile: PeerProfile;
  readonly #rng: Rng;
  #joinedAt: number | null = null;
  #lastTs = 0;
  #rttMs: number;
  #jitterMs: number;
  #lossRate: number;
  #congestion: Congestion | null = null;
  #attempts: Attempt[] = [];
  #primary: Attempt | null = null;
  #nextRetryAt = 0;
  // RTP counters: they belong to one RTCPeerConnection and start again from zero when it is recreated.
  #inbound = { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, framesDropped: 0, freezeCount: 0 };
  #outbound = { bytesSent: 0, packetsSent: 0 };
  // Loader counters: they belong to the player and only ever grow.
  #p2p = { bytesFromPeers: 0, bytesFromHttp: 0, segmentsFromPeers: 0, segmentsFromHttp: 0 };
  #segmentProgressBytes = 0;
  #nextSegmentBytes: number;

  constructor(profile: PeerProfile) {
    this.profile = profile;
    this.#rng = createRng(profile.seed);
    this.#rttMs = profile.rttBaseMs;
    this.#jitterMs = profile.jitterBaseMs;
    this.#lossRate = profile.lossBase;
    this.#nextSegmentBytes = this.#segmentBytes();
  }

  next(ts: number): PeerStep {
    const rng = this.#rng;
    const events: ConnectionEvent[] = [];
    if (this.#joinedAt === null) {
      this.#joinedAt = ts;
      this.#lastTs = ts - 1000;
      for (let i = rng.int(2, 4); i > 0; i--) this.#attempt(ts, events);
    }
    const dtSeconds = Math.min(10, Math.max(0, (ts - this.#lastTs) / 1000));
    this.#lastTs = ts;

    this.#resolveAttempts(ts, events);
    this.#churn(ts, dtSeconds, events);
    this.#walk(ts, dtSeconds);

    const connected = this.#attempts.filter((attempt) => attempt.state === 'connected');
    // The selected connection is the one that connected first.
    if (!this.#primary && connected.length > 0) this.#primary = connected.reduce((a, b) => (b.resolveAt < a.resolveAt ? b : a));
    if (connected.length === 0 && !this.#attempts.some((a) => a.state === 'connecting') && ts >= this.#nextRetryAt) {
      // Everyone failed or left: try again a little later, as the player's swarm manager would.
      this.#attempt(ts, events);
      this.#nextRetryAt = ts + 5_000;
    }

    const sample: StatsSample = { ts, p2p: this.#p2pStep(dtSeconds, connected.length) };
    const primary = this.#primary;
    if (primary) {
      sample.connection = {
        remotePeerId: primary.remotePeerId,
        state: 'connected',
        localCandidateType: primary.localCandidateType,
        remoteCandidateType: primary.remoteCandidateType,
        protocol: primary.protocol,
        currentRoundTripTime: round(this.#rttMs / 1000, 4),
        availableOutgoingBitrate: Math.round(Math.max(150_000, 8_000_000 * (1 - this.#lossRate * 5) * (100 / (100 + this.#rttMs)))),
        setupMs: Math.round(primary.setupMs),
      };
      sample.inbound = this.#inboundStep(dtSeconds);
      sample.outbound = this.#outboundStep(dtSeconds, connected.length);
    } else {
      const connecting = this.#attempts.find((attempt) => attempt.state === 'connecting');
      if (connecting) sample.connection = { remotePeerId: connecting.remotePeerId, state: 'connecting' };
    }
    events.sort((a, b) => a.ts - b.ts);
    return { sample, events };
  }

  /** The peer leaves: its open connections close. */
  finish(ts: number): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    this.#resolveAttempts(ts, events);
    for (const attempt of this.#attempts) {
      if (attempt.state === 'connected') this.#close(attempt, ts, events);
      // An attempt still in progress is abandoned without a verdict, as when a tab closes mid-ICE.
      if (attempt.state === 'connecting') attempt.state = 'closed';
    }
    return events.sort((a, b) => a.ts - b.ts);
  }

  #remotePeerId(): string {
    let token = '';
    for (let i = 0; i < 24; i++) token += ID_ALPHABET[Math.floor(this.#rng.next() * ID_ALPHABET.length)];
    return `peer_${token}`;
  }

  #segmentBytes(): number {
    return Math.round(((this.profile.bitrateBps * SEGMENT_SECONDS) / 8) * between(this.#rng, 0.85, 1.15));
  }

  /** Starts a connection attempt to a new remote peer; its outcome and setup time are decided now. */
  #attempt(ts: number, events: ConnectionEvent[]): void {
    const rng = this.#rng;
    const { localCandidateType, remoteCandidateType } = this.#candidatePair();
    const relayed = localCandidateType === 'relay' || remoteCandidateType === 'relay';
    const protocol: TransportProtocol = relayed && rng.chance(0.3) ? 'tcp' : 'udp';
    const pathType = relayed ? 'relay' : localCandidateType === 'host' && remoteCandidateType === 'host' ? 'host' : localCandidateType;
    // Gathering plus connectivity checks: a LAN pair is quick, STUN needs a round trip to the server, TURN an
    // allocation first; every check costs round trips between the peers.
    const [minMs, maxMs] = SETUP_MS_RANGE[pathType];
    // Sometime in the second before this sample, but not before the peer joined.
    const startedAt = Math.max(this.#joinedAt ?? ts, ts - rng.int(0, 800));
    const fails = rng.chance(this.profile.attemptFailureRate);
    const setupMs = between(rng, minMs, maxMs) + 2 * this.#rttMs;
    const attempt: Attempt = {
      remotePeerId: this.#remotePeerId(),
      localCandidateType,
      remoteCandidateType,
      protocol,
      startedAt,
      // ICE gives up after its checks time out; browsers report "failed" some 5–15 s in.
      resolveAt: startedAt + (fails ? between(rng, 5_000, 15_000) : setupMs),
      setupMs,
      fails,
      state: 'connecting',
    };
    this.#attempts.push(attempt);
    events.push({ ts: startedAt, remotePeerId: attempt.remotePeerId, type: 'attempted' });
  }

  #candidatePair(): { localCandidateType: CandidateType; remoteCandidateType: CandidateType } {
    const rng = this.#rng;
    if (this.profile.relayOnly) {
      return { localCandidateType: 'relay', remoteCandidateType: rng.pick(['host', 'srflx', 'srflx', 'relay'] as const) };
    }
    // The selected pair of a typical consumer connection: mostly STUN-mapped addresses, some same-network
    // peers, a few peer-reflexive (learnt during checks), and a few remote peers that are themselves relayed.
    switch (rng.weightedIndex([20, 62, 10, 8])) {
      case 0:
        return { localCandidateType: 'host', remoteCandidateType: 'host' };
      case 1:
        return { localCandidateType: 'srflx', remoteCandidateType: 'srflx' };
      case 2:
        return { localCandidateType: 'prflx', remoteCandidateType: rng.pick(['srflx', 'prflx'] as const) };
      default:
        return { localCandidateType: 'srflx', remoteCandidateType: 'relay' };
    }
  }

  #resolveAttempts(ts: number, events: ConnectionEvent[]): void {
    for (const attempt of this.#attempts) {
      if (attempt.state !== 'connecting' || attempt.resolveAt > ts) continue;
      attempt.state = attempt.fails ? 'failed' : 'connected';
      events.push({
        ts: Math.round(attempt.resolveAt),
        remotePeerId: attempt.remotePeerId,
        type: attempt.state,
        localCandidateType: attempt.localCandidateType,
        remoteCandidateType: attempt.remoteCandidateType,
        protocol: attempt.protocol,
        ...(attempt.fails ? {} : { setupMs: Math.round(attempt.setupMs) }),
      });
    }
    this.#attempts = this.#attempts.filter((attempt) => attempt.state === 'connecting' || attempt.state === 'connected');
  }

  #close(attempt: Attempt, ts: number, events: ConnectionEvent[]): void {
    attempt.state = 'closed';
    if (this.#primary === attempt) this.#primary = null;
    events.push({
      ts,
      remotePeerId: attempt.remotePeerId,
      type: 'closed',
      localCandidateType: attempt.localCandidateType,
      remoteCandidateType: attempt.remoteCandidateType,
      protocol: attempt.protocol,
    });
  }

  /** Peers leaving and joining the swarm, and now and then this peer's own connection being recreated. */
  #churn(ts: number, dtSeconds: number, events: ConnectionEvent[]): void {
    const rng = this.#rng;
    const connected = this.#attempts.filter((attempt) => attempt.state === 'connected');
    const secondary = connected.filter((attempt) => attempt !== this.#primary);
    if (secondary.length > 0 && rng.chance(0.01 * dtSeconds)) {
      this.#close(rng.pick(secondary), ts, events);
      this.#attempt(ts, events);
    }
    const sinceJoinMs = ts - (this.#joinedAt ?? ts);
    if (this.#primary && sinceJoinMs > 10_000 && rng.chance(dtSeconds / 500)) {
      // ICE restart failed, the page recreated its RTCPeerConnection: a fresh object, fresh counters.
      this.#close(this.#primary, ts, events);
      this.#inbound = { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, framesDropped: 0, freezeCount: 0 };
      this.#outbound = { bytesSent: 0, packetsSent: 0 };
      this.#attempt(ts, events);
    }
    this.#attempts = this.#attempts.filter((attempt) => attempt.state !== 'closed');
  }

  /** Mean-reverting random walks (Ornstein–Uhlenbeck) around the baselines, plus congestion episodes. */
  #walk(ts: number, dtSeconds: number): void {
    const rng = this.#rng;
    const { rttBaseMs, jitterBaseMs, lossBase } = this.profile;
    if (this.#congestion && ts >= this.#congestion.until) this.#congestion = null;
    if (!this.#congestion && rng.chance(0.008 * dtSeconds)) {
      this.#congestion = { until: ts + rng.int(4, 12) * 1000, rttFactor: between(rng, 1.6, 3), extraLoss: between(rng, 0.02, 0.06) };
    }
    const congestion = this.#congestion;
    const theta = Math.min(1, 0.15 * dtSeconds);
    const noise = Math.sqrt(dtSeconds);
    const rttTarget = rttBaseMs * (congestion?.rttFactor ?? 1);
    this.#rttMs = Math.max(1, this.#rttMs + theta * (rttTarget - this.#rttMs) + 0.06 * rttBaseMs * noise * gaussian(rng));
    const jitterTarget = jitterBaseMs * (congestion ? 2 : 1);
    this.#jitterMs = Math.max(0.1, this.#jitterMs + theta * (jitterTarget - this.#jitterMs) + 0.15 * jitterBaseMs * noise * gaussian(rng));
    const lossTarget = lossBase + (congestion?.extraLoss ?? 0);
    const lossNoise = (0.25 * lossBase + 0.001) * noise * gaussian(rng);
    this.#lossRate = Math.min(0.6, Math.max(0, this.#lossRate + theta * (lossTarget - this.#lossRate) + lossNoise));
  }

  #inboundStep(dtSeconds: number): NonNullable<StatsSample['inbound']> {
    const rng = this.#rng;
    const counters = this.#inbound;
    const loss = this.#lossRate;
    const sentBytes = (this.profile.bitrateBps / 8) * dtSeconds * between(rng, 0.9, 1.1);
    const sentPackets = Math.round(sentBytes / PACKET_PAYLOAD_BYTES);
    // Binomial(packets, loss) by its normal approximation; plenty for a second of video.
    const expectedLost = sentPackets * loss;
    const lost = Math.min(sentPackets, Math.max(0, Math.round(expectedLost + Math.sqrt(expectedLost * (1 - loss)) * gaussian(rng))));
    counters.packetsLost += lost;
    counters.packetsReceived += sentPackets - lost;
    counters.bytesReceived += Math.round(sentBytes * (1 - lost / Math.max(1, sentPackets)));
    const dropped = Math.min(NOMINAL_FPS, Math.round(loss * 60 + (this.#congestion ? rng.int(0, 5) : 0)));
    counters.framesDropped += Math.round(dropped * dtSeconds);
    // Freezes (no frame for ≥ max(3 frame durations, 150 ms) in webrtc-stats) get likelier with loss and delay.
    if (rng.chance((0.0015 + loss * 0.3 + (this.#rttMs > 400 ? 0.01 : 0)) * dtSeconds)) {
      counters.freezeCount += 1;
      counters.framesDropped += 15;
    }
    return {
      ...counters,
      jitter: round(this.#jitterMs / 1000, 4),
      framesPerSecond: NOMINAL_FPS - dropped,
      frameWidth: this.profile.frameWidth,
      frameHeight: this.profile.frameHeight,
    };
  }

  #outboundStep(dtSeconds: number, connectedPeers: number): NonNullable<StatsSample['outbound']> {
    const rng = this.#rng;
    // What this peer serves to others: some share of its own bitrate, more with more neighbours.
    const uploaded = connectedPeers > 0 ? (this.profile.bitrateBps / 8) * dtSeconds * between(rng, 0.15, 0.35) * connectedPeers : 0;
    this.#outbound.bytesSent += Math.round(uploaded);
    this.#outbound.packetsSent += Math.round(uploaded / PACKET_PAYLOAD_BYTES);
    const limited = this.#lossRate > 0.05 || this.#rttMs > 350;
    return { ...this.#outbound, qualityLimitationReason: limited ? 'bandwidth' : rng.chance(0.02) ? 'cpu' : 'none' };
  }

  /** Playback consumes the bitrate; every completed segment came from a peer or over HTTP. */
  #p2pStep(dtSeconds: number, connectedPeers: number): NonNullable<StatsSample['p2p']> {
    const rng = this.#rng;
    const counters = this.#p2p;
    this.#segmentProgressBytes += (this.profile.bitrateBps / 8) * dtSeconds;
    while (this.#segmentProgressBytes >= this.#nextSegmentBytes) {
      const bytes = this.#nextSegmentBytes;
      this.#segmentProgressBytes -= bytes;
      this.#nextSegmentBytes = this.#segmentBytes();
      // The first segment is always fetched over HTTP: playback cannot wait for the swarm.
      const firstSegment = counters.segmentsFromHttp + counters.segmentsFromPeers === 0;
      const share = this.profile.offloadTarget * (this.#congestion ? 0.7 : 1);
      if (!firstSegment && connectedPeers > 0 && rng.chance(share)) {
        counters.bytesFromPeers += bytes;
        counters.segmentsFromPeers += 1;
      } else {
        counters.bytesFromHttp += bytes;
        counters.segmentsFromHttp += 1;
      }
    }
    return { ...counters, peersConnected: connectedPeers };
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface GeneratedSession {
  profile: PeerProfile;
  samples: StatsSample[];
  events: ConnectionEvent[];
}

/** A whole session at once: one sample a second from `startMs` for `seconds`, then the peer leaves. */
export function generatePeerSession(profile: PeerProfile, startMs: number, seconds: number): GeneratedSession {
  const generator = new PeerStatsGenerator(profile);
  const samples: StatsSample[] = [];
  const events: ConnectionEvent[] = [];
  for (let i = 0; i < seconds; i++) {
    const step = generator.next(startMs + i * 1000);
    samples.push(step.sample);
    events.push(...step.events);
  }
  events.push(...generator.finish(startMs + Math.max(0, seconds - 1) * 1000 + 500));
  return { profile, samples, events };
}

// ─── Talking to the API ───────────────────────────────────────────────────────────────────────────────────────

export interface RequestCounts {
  total: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
  /** Requests that got no response at all (refused, reset, timed out). */
  network: number;
  /** 429 answers (each also counted as 4xx), retried after their Retry-After. */
  rateLimited: number;
}

class RequestStats {
  readonly counts: RequestCounts = { total: 0, '2xx': 0, '4xx': 0, '5xx': 0, network: 0, rateLimited: 0 };
  readonly latenciesMs: number[] = [];
  /** The first few failures, for the report. */
  readonly failures: string[] = [];

  record(status: number, latencyMs: number): void {
    this.counts.total += 1;
    this.latenciesMs.push(latencyMs);
    if (status >= 200 && status < 300) this.counts['2xx'] += 1;
    else if (status >= 400 && status < 500) this.counts['4xx'] += 1;
    else if (status >= 500) this.counts['5xx'] += 1;
    if (status === 429) this.counts.rateLimited += 1;
  }

  fail(message: string): void {
    if (this.failures.length < 5) this.failures.push(message);
  }
}

/** At most `limit` tasks at a time; the rest wait their turn in order. */
class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active += 1;
    try {
      return await task();
    } finally {
      this.#active -= 1;
      this.#queue.shift()?.();
    }
  }
}

export class SimulatorHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorHttpError';
  }
}

/** Seconds (or an HTTP date) from Retry-After, as milliseconds; 1 s when missing or unreadable. */
function retryAfterMs(header: string | null, nowMs = Date.now()): number {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  return 1000;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly stats: RequestStats,
    readonly limiter: Limiter,
  ) {}

  /** POSTs JSON; retries 429s after their Retry-After; throws SimulatorHttpError for any other non-2xx. */
  async post<T>(path: string, body: unknown, token?: string, extraHeaders: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...extraHeaders };
    if (token) headers.Authorization = `Bearer ${token}`;
    const payload = JSON.stringify(body);
    return this.limiter.run(async () => {
      for (let attempt = 0; ; attempt++) {
        const started = performance.now();
        let response: Response;
        try {
          response = await fetch(this.baseUrl + path, { method: 'POST', headers, body: payload });
        } catch (error) {
          this.stats.counts.total += 1;
          this.stats.counts.network += 1;
          const message = `POST ${path}: ${errorMessage(error)}`;
          this.stats.fail(message);
          throw new SimulatorHttpError(0, message);
        }
        const text = await response.text();
        this.stats.record(response.status, performance.now() - started);
        if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
        if (response.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
          // The limiter slot stays taken while waiting: a throttled run should send less, not queue more.
          await sleep(retryAfterMs(response.headers.get('Retry-After')));
          continue;
        }
        const message = `POST ${path} answered ${response.status}: ${text.slice(0, 300)}`;
        this.stats.fail(message);
        throw new SimulatorHttpError(response.status, message);
      }
    });
  }
}

/** An access token for the account that requests ingest tokens; signs in again shortly before it expires. */
class AccessTokens {
  #token: string | null;
  #expiresAt: number;
  #pending: Promise<string> | null = null;

  constructor(
    readonly client: ApiClient,
    readonly credentials: { email?: string; password?: string; accessToken?: string },
  ) {
    this.#token = credentials.accessToken ?? null;
    this.#expiresAt = credentials.accessToken ? Number.POSITIVE_INFINITY : 0;
  }

  get(): Promise<string> {
    if (this.#token && Date.now() < this.#expiresAt - TOKEN_RENEW_MARGIN_MS) return Promise.resolve(this.#token);
    this.#pending ??= this.#login().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #login(): Promise<string> {
    const { email, password } = this.credentials;
    if (!email || !password) throw new Error('runSimulation needs an access token or an email and password');
    const auth = await this.client.post<{ accessToken: string; expiresIn: number }>('/api/v1/auth/login', { email, password });
    this.#token = auth.accessToken;
    this.#expiresAt = Date.now() + auth.expiresIn * 1000;
    return auth.accessToken;
  }
}

interface IngestToken {
  token: string;
  sessionId: string;
  peerId: string;
  expiresAtMs: number;
}

// ─── The run ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface SimulationOptions {
  /** Origin of the server, e.g. http://127.0.0.1:8787. */
  url?: string;
  /** The account requesting ingest tokens: an access token, or credentials to sign in with (default demo viewer). */
  accessToken?: string;
  email?: string;
  password?: string;
  peers: number;
  seconds: number;
  impair?: Impairment;
  /** Videos the peers watch; default the first `videos` videos of the demo catalog. */
  videoIds?: readonly string[];
  videos?: number;
  /** Post each peer's samples every this many seconds (realtime) (default 2). */
  batchSeconds?: number;
  seed?: number;
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /**
   * 'realtime' (default): samples carry the wall clock and are posted as the run goes.
   * 'backfill': the run is stamped in the past, ending at `endMs` (default now), and posted as fast as the server
   * accepts it, in batches of up to 200 samples — for tests and benchmarks that need data, not a long wait.
   */
  timing?: 'realtime' | 'backfill';
  endMs?: number;
  /** Joins are spread over this long (default 20% of the run, at most 10 s). */
  joinWindowSeconds?: number;
  /**
   * Place each peer in its simulated country and colo on a local `wrangler dev` (default true). Miniflare builds
   * a request's `cf` object from the `MF-CF-Blob` header; on Cloudflare the edge sets `cf` itself and the header
   * means nothing, so this never fakes locations in production.
   */
  localRegions?: boolean;
  /** Called about once a second (realtime) or after every batch (backfill). */
  onProgress?: (progress: SimulationProgress) => void;
  signal?: AbortSignal;
}

export interface SimulationProgress {
  timing: 'realtime' | 'backfill';
  elapsedMs: number;
  totalMs: number;
  peersJoined: number;
  peers: number;
  samplesSent: number;
  batches: number;
  requests: RequestCounts;
  p95LatencyMs: number | null;
}

export interface SimulatedSession {
  sessionId: string;
  peerId: string;
  videoId: string;
  country: string;
  colo: string;
  relayOnly: boolean;
  samples: number;
}

export interface SimulationReport {
  seed: number;
  timing: 'realtime' | 'backfill';
  peers: number;
  /** Peer sessions that got an ingest token. */
  sessions: SimulatedSession[];
  /** Samples (and events) in batches the server accepted. */
  samplesSent: number;
  eventsSent: number;
  /** Sample batches posted, and how many of them were refused. */
  batches: number;
  batchesFailed: number;
  requests: RequestCounts;
  latencyMs: { p50: number; p95: number; max: number } | null;
  durationMs: number;
  /** The first few failed requests, verbatim. */
  failures: string[];
  /** The time span the samples cover (epoch ms). */
  firstSampleAt: number | null;
  lastSampleAt: number | null;
}

/** Nearest-rank percentile of unsorted values (`p` in 0–100); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function defaultVideoIds(count: number): string[] {
  // Ingest tokens are issued only for videos the account may watch: the free, listed demo videos, so at most
  // those (made-up ids would be refused).
  const watchable = DEMO_VIDEOS.filter((video) => video.priceCents === 0 && video.visibility !== 'private');
  return Array.from({ length: Math.min(count, watchable.length) }, (_, i) => demoVideoId((watchable[i] as (typeof watchable)[number]).key));
}

interface LivePeer {
  profile: PeerProfile;
  generator: PeerStatsGenerator;
  joinAtMs: number;
  joined: boolean;
  finished: boolean;
  ingest: IngestToken | null;
  /** Every request of one peer runs in order on this chain: cumulative counters must arrive in order. */
  chain: Promise<void>;
  pendingSamples: StatsSample[];
  pendingEvents: ConnectionEvent[];
  samplesSent: number;
  /** Set when the peer could not get a token; its samples are dropped. */
  broken: boolean;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const startedAt = performance.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const timing = options.timing ?? 'realtime';
  const batchSeconds = Math.max(1, options.batchSeconds ?? 2);
  const seconds = Math.max(1, Math.floor(options.seconds));
  const url = (options.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const stats = new RequestStats();
  // The signal only stops the run; requests already generated are still sent, so a stopped run reports honestly.
  const client = new ApiClient(url, stats, new Limiter(Math.max(1, options.concurrency ?? 16)));
  const account = options.accessToken ? { accessToken: options.accessToken } : { ...defaultAccount(), ...pickCredentials(options) };
  const accessTokens = new AccessTokens(client, account);
  // Sign in before anything else: wrong credentials or an unreachable server should fail the run at once.
  await accessTokens.get();

  const videoIds = options.videoIds?.length ? options.videoIds : defaultVideoIds(Math.max(1, options.videos ?? 3));
  const profiles = createPeerProfiles({ peers: options.peers, seed, impair: options.impair, videoIds });
  const totalMs = seconds * 1000;
  const localRegions = options.localRegions ?? true;
  const joinWindowMs = Math.round((options.joinWindowSeconds ?? Math.min(10, seconds * 0.2)) * 1000);
  const endMs = timing === 'backfill' ? (options.endMs ?? Date.now()) : Date.now() + totalMs;
  const startMs = endMs - totalMs;
  const joinOffset = (index: number) => (profiles.length > 1 ? Math.round((index * joinWindowMs) / (profiles.length - 1)) : 0);

  const peers: LivePeer[] = profiles.map((profile) => ({
    profile,
    generator: new PeerStatsGenerator(profile),
    joinAtMs: startMs + joinOffset(profile.index),
    joined: false,
    finished: false,
    ingest: null,
    chain: Promise.resolve(),
    pendingSamples: [],
    pendingEvents: [],
    samplesSent: 0,
    broken: false,
  }));

  let samplesSent = 0;
  let eventsSent = 0;
  let batches = 0;
  let batchesFailed = 0;
  let firstSampleAt: number | null = null;
  let lastSampleAt: number | null = null;

  const progress = (elapsedMs: number): SimulationProgress => ({
    timing,
    elapsedMs,
    totalMs,
    peersJoined: peers.filter((peer) => peer.joined).length,
    peers: peers.length,
    samplesSent,
    batches,
    requests: { ...stats.counts },
    p95LatencyMs: percentile(stats.latenciesMs.slice(-2000), 95),
  });

  const ingestToken = async (peer: LivePeer): Promise<IngestToken> => {
    if (peer.ingest && Date.now() < peer.ingest.expiresAtMs - TOKEN_RENEW_MARGIN_MS) return peer.ingest;
    // Renewal keeps the session: the same sessionId continues the same aggregate.
    const body = { videoId: peer.profile.videoId, ...(peer.ingest ? { sessionId: peer.ingest.sessionId } : {}) };
    const issued = await client.post<{ token: string; sessionId: string; peerId: string; expiresAt: string }>(
      '/api/v1/tokens/ingest',
      body,
      await accessTokens.get(),
    );
    peer.ingest = { token: issued.token, sessionId: issued.sessionId, peerId: issued.peerId, expiresAtMs: Date.parse(issued.expiresAt) };
    return peer.ingest;
  };

  /** Queues a post of everything pending for this peer (split into batches of at most 200) on its chain. */
  const flush = (peer: LivePeer): void => {
    if (peer.pendingSamples.length === 0 && peer.pendingEvents.length === 0) return;
    const samples = peer.pendingSamples.splice(0);
    const events = peer.pendingEvents.splice(0);
    peer.chain = peer.chain.then(async () => {
      if (peer.broken) return;
      for (let offset = 0; offset < Math.max(samples.length, events.length); offset += MAX_SAMPLES_PER_BATCH) {
        const batchSamples = samples.slice(offset, offset + MAX_SAMPLES_PER_BATCH);
        const batchEvents = events.slice(offset, offset + MAX_SAMPLES_PER_BATCH);
        batches += 1;
        try {
          const ingest = await ingestToken(peer);
          await client.post(
            '/api/v1/analytics/samples',
            {
              sessionId: ingest.sessionId,
              peerId: ingest.peerId,
              videoId: peer.profile.videoId,
              samples: batchSamples,
              ...(batchEvents.length ? { events: batchEvents } : {}),
            },
            ingest.token,
            localRegions ? { 'MF-CF-Blob': JSON.stringify({ country: peer.profile.country, colo: peer.profile.colo }) } : {},
          );
          samplesSent += batchSamples.length;
          eventsSent += batchEvents.length;
          peer.samplesSent += batchSamples.length;
        } catch (error) {
          batchesFailed += 1;
          if (!(error instanceof SimulatorHttpError)) throw error;
          // Without a token there is nothing more this peer can send.
          if (!peer.ingest) peer.broken = true;
        }
      }
      if (timing === 'backfill') options.onProgress?.(progress(performance.now() - startedAt));
    });
  };

  const step = (peer: LivePeer, ts: number): void => {
    const { sample, events } = peer.generator.next(ts);
    peer.pendingSamples.push(sample);
    peer.pendingEvents.push(...events);
    firstSampleAt = Math.min(firstSampleAt ?? ts, ts);
    lastSampleAt = Math.max(lastSampleAt ?? ts, ts);
  };

  const leave = (peer: LivePeer, ts: number): void => {
    peer.finished = true;
    peer.pendingEvents.push(...peer.generator.finish(ts));
    flush(peer);
  };

  if (timing === 'backfill') {
    for (const peer of peers) {
      peer.joined = true;
      for (let ts = peer.joinAtMs; ts < endMs; ts += 1000) step(peer, ts);
      leave(peer, endMs);
    }
  } else {
    let tick = 0;
    while (!options.signal?.aborted) {
      // Aligned to the run's start so ticks do not drift; one sample per joined peer per tick.
      const now = Date.now();
      if (now >= endMs) break;
      for (const peer of peers) {
        if (!peer.joined && now >= peer.joinAtMs) peer.joined = true;
        if (!peer.joined) continue;
        step(peer, now);
        if (peer.pendingSamples.length >= batchSeconds) flush(peer);
      }
      options.onProgress?.(progress(now - startMs));
      tick += 1;
      await sleep(Math.max(0, startMs + tick * 1000 - Date.now()), options.signal);
    }
    const endedAt = Math.min(Date.now(), endMs);
    for (const peer of peers) if (peer.joined && !peer.finished) leave(peer, endedAt);
  }
  await Promise.all(peers.map((peer) => peer.chain));
  options.onProgress?.(progress(Math.min(totalMs, performance.now() - startedAt)));

  const p50 = percentile(stats.latenciesMs, 50);
  const p95 = percentile(stats.latenciesMs, 95);
  return {
    seed,
    timing,
    peers: peers.length,
    sessions: peers
      .filter((peer) => peer.ingest)
      .map((peer) => ({
        sessionId: peer.ingest?.sessionId as string,
        peerId: peer.ingest?.peerId as string,
        videoId: peer.profile.videoId,
        country: peer.profile.country,
        colo: peer.profile.colo,
        relayOnly: peer.profile.relayOnly,
        samples: peer.samplesSent,
      })),
    samplesSent,
    eventsSent,
    batches,
    batchesFailed,
    requests: { ...stats.counts },
    latencyMs: p50 === null || p95 === null ? null : { p50, p95, max: Math.max(...stats.latenciesMs) },
    durationMs: Math.round(performance.now() - startedAt),
    failures: [...stats.failures],
    firstSampleAt,
    lastSampleAt,
  };
}

function pickCredentials(options: SimulationOptions): { email?: string; password?: string } {
  const picked: { email?: string; password?: string } = {};
  if (options.email) picked.email = options.email;
  if (options.password) picked.password = options.password;
  return picked;
}

// ─── Command line ─────────────────────────────────────────────────────────────────────────────────────────────

const count = new Intl.NumberFormat('en-US');

export function formatProgress(progress: SimulationProgress): string {
  const { requests } = progress;
  const p95 = progress.p95LatencyMs === null ? '–' : `${Math.round(progress.p95LatencyMs)} ms`;
  const clock =
    progress.timing === 'backfill' ? 'backfill' : `${Math.floor(progress.elapsedMs / 1000)}/${Math.round(progress.totalMs / 1000)} s`;
  return (
    `[${clock}] ` +
    `peers ${progress.peersJoined}/${progress.peers} · samples ${count.format(progress.samplesSent)} · ` +
    `batches ${count.format(progress.batches)} · 2xx ${requests['2xx']} 4xx ${requests['4xx']} 5xx ${requests['5xx']}` +
    `${requests.network ? ` unreachable ${requests.network}` : ''} · p95 ${p95}`
  );
}

export function formatReport(report: SimulationReport): string {
  const { requests, latencyMs } = report;
  const lines = [
    `Simulated ${report.peers} peers (${report.sessions.length} sessions, seed ${report.seed}, ${report.timing}) in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  samples sent   ${count.format(report.samplesSent)} (+ ${count.format(report.eventsSent)} connection events)`,
    `  batches        ${count.format(report.batches)}${report.batchesFailed ? ` (${report.batchesFailed} refused)` : ''}`,
    `  responses      2xx ${count.format(requests['2xx'])} · 4xx ${count.format(requests['4xx'])} · 5xx ${count.format(requests['5xx'])}` +
      `${requests.rateLimited ? ` · 429 retried ${count.format(requests.rateLimited)}` : ''}` +
      `${requests.network ? ` · no response ${count.format(requests.network)}` : ''}`,
    `  latency        ${latencyMs ? `p50 ${latencyMs.p50.toFixed(1)} ms · p95 ${latencyMs.p95.toFixed(1)} ms · max ${latencyMs.max.toFixed(1)} ms` : '–'}`,
  ];
  if (report.failures.length) lines.push('  first failures', ...report.failures.map((failure) => `    ${failure}`));
  return lines.join('\n');
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseOrUsage(() =>
    parseArgs({
      options: {
        peers: { type: 'string' },
        seconds: { type: 'string' },
        impair: { type: 'string' },
        url: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        videos: { type: 'string' },
        'batch-seconds': { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
        backfill: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const url = values.url ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  if ((values.email === undefined) !== (values.password === undefined)) throw new UsageError('give --email and --password together');
  const options: SimulationOptions = {
    url,
    peers: integerOption('peers', values.peers, 10, 1, 10_000),
    seconds: integerOption('seconds', values.seconds, 60, 1, 86_400),
    impair: values.impair ? parseImpairment(values.impair) : NO_IMPAIRMENT,
    videos: integerOption('videos', values.videos, 3, 1, 1_000),
    batchSeconds: integerOption('batch-seconds', values['batch-seconds'], 2, 1, MAX_SAMPLES_PER_BATCH),
    concurrency: integerOption('concurrency', values.concurrency, 16, 1, 512),
    seed: integerOption('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1),
    timing: values.backfill ? 'backfill' : 'realtime',
  };
  if (values.email) options.email = values.email;
  if (values.password) options.password = values.password;

  const interactive = process.stderr.isTTY === true;
  let lastLineAt = 0;
  options.onProgress = (progress) => {
    if (interactive) {
      process.stderr.write(`\r\x1b[2K${formatProgress(progress)}`);
    } else if (Date.now() - lastLineAt >= 10_000) {
      lastLineAt = Date.now();
      process.stderr.write(`${formatProgress(progress)}\n`);
    }
  };
  const controller = new AbortController();
  // Ctrl-C ends the run early but still reports (and sends what was generated so far).
  process.once('SIGINT', () => controller.abort());
  options.signal = controller.signal;

  console.error(`Simulating ${options.peers} peers for ${options.seconds} s against ${url} (seed ${options.seed})`);
  let report: SimulationReport;
  try {
    report = await runSimulation(options);
  } catch (error) {
    if (error instanceof SimulatorHttpError) {
      throw new CommandFailed(error.status === 0 ? `cannot reach ${url}: ${error.message}` : error.message);
    }
    throw error;
  }
  if (interactive) process.stderr.write('\n');
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (report.requests['5xx'] > 0 || report.requests.network > 0) {
    throw new CommandFailed(`${report.requests['5xx']} responses were 5xx and ${report.requests.network} requests got no response`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runCli(main, '(npm run simulate -- --help lists the options)');
