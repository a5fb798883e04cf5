// The state machine of one peer session's metrics, kept by its PeerMetricsAggregator Durable Object: each
// ingested batch is folded into (a) the session's latest state and (b) the rollup deltas not yet flushed to D1.
// Pure: the Durable Object persists what this returns and schedules the flush; nothing here does I/O.
import { candidatePathType, offloadRatio } from '../quality/connection';
import { MOS_MAX, mosBand } from '../quality/mos';
import { type MinuteRollup, mergeRollups, minuteOf, type RollupCarry, rollupMetrics, rollupSamples } from '../quality/rollup';
import { Ewma, qualityTier, SCORE_SMOOTHING } from '../quality/score';
import type { CandidateType, ConnectionEvent, StatsSample } from '../quality/types';

export interface SessionIdentity {
  sessionId: string;
  peerId: string;
  userId: string | null;
  videoId: string | null;
  roomId: string | null;
  country: string | null;
  colo: string | null;
}

export interface SessionState extends SessionIdentity {
  firstSeenAt: number;
  lastSeenAt: number;
  samples: number;
  carry: RollupCarry | null;
  /** EWMA of the per-minute score (LiveKit-style smoothing), null before the first scored sample. */
  scoreEwma: number | null;
  mos: number | null;
  rttMs: number | null;
  lossRate: number | null;
  bytesFromPeers: number;
  bytesFromHttp: number;
  freezes: number;
  connectedSamples: number;
  relaySamples: number;
  connAttempted: number;
  connConnected: number;
  connFailed: number;
  /** Per remote peer: is the connection established? Tells a failed attempt from a dropped connection. */
  connections: Record<string, 'pending' | 'connected'>;
}

/** Connection events counted per minute (the rollup of samples does not see events). */
export interface EventCounts {
  attempted: number;
  connected: number;
  failed: number;
  closed: number;
  setupMsSum: number;
  setupCount: number;
}

/** Deltas since the last successful flush. `seq` numbers flushes for exactly-once writes. */
export interface PendingFlush {
  seq: number;
  minutes: Record<string, MinuteRollup>;
  eventMinutes: Record<string, EventCounts>;
  events: ConnectionEvent[];
}

export interface BatchResult {
  state: SessionState;
  pending: PendingFlush;
  acceptedSamples: number;
  acceptedEvents: number;
  duplicateSamples: number;
}

/** `firstSeenAt`/`lastSeenAt` are set from the first batch's own timestamps by applyBatch. */
export function newSessionState(identity: SessionIdentity): SessionState {
  return {
    ...identity,
    firstSeenAt: Number.MAX_SAFE_INTEGER,
    lastSeenAt: 0,
    samples: 0,
    carry: null,
    scoreEwma: null,
    mos: null,
    rttMs: null,
    lossRate: null,
    bytesFromPeers: 0,
    bytesFromHttp: 0,
    freezes: 0,
    connectedSamples: 0,
    relaySamples: 0,
    connAttempted: 0,
    connConnected: 0,
    connFailed: 0,
    connections: {},
  };
}

export function emptyPending(seq: number): PendingFlush {
  return { seq, minutes: {}, eventMinutes: {}, events: [] };
}

export function isPendingEmpty(pending: PendingFlush): boolean {
  return Object.keys(pending.minutes).length === 0 && pending.events.length === 0;
}

const emptyCounts = (): EventCounts => ({ attempted: 0, connected: 0, failed: 0, closed: 0, setupMsSum: 0, setupCount: 0 });

export function applyBatch(
  previous: SessionState,
  pendingBefore: PendingFlush,
  samples: readonly StatsSample[],
  events: readonly ConnectionEvent[],
  now: number,
): BatchResult {
  const state: SessionState = { ...previous, connections: { ...previous.connections } };
  const pending: PendingFlush = {
    seq: pendingBefore.seq,
    minutes: { ...pendingBefore.minutes },
    eventMinutes: { ...pendingBefore.eventMinutes },
    events: [...pendingBefore.events],
  };

  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const rolled = rollupSamples(sorted, state.carry);
  state.carry = rolled.carry;
  let accepted = 0;
  const ewma = new Ewma(SCORE_SMOOTHING, state.scoreEwma);
  for (const row of rolled.rows) {
    accepted += row.samples;
    const key = String(row.minute);
    const existing = pending.minutes[key];
    pending.minutes[key] = existing ? mergeRollups(existing, row) : row;
    const metrics = rollupMetrics(row);
    if (metrics.scoreMean !== null) ewma.update(metrics.scoreMean);
    if (metrics.mosMean !== null) state.mos = metrics.mosMean;
    if (metrics.rttMeanMs !== null) state.rttMs = metrics.rttMeanMs;
    if (metrics.lossFraction !== null) state.lossRate = metrics.lossFraction;
    state.bytesFromPeers += row.bytesFromPeers;
    state.bytesFromHttp += row.bytesFromHttp;
    state.freezes += row.freezes;
    const connected = row.candidateHost + row.candidateSrflx + row.candidatePrflx + row.candidateRelay;
    state.connectedSamples += connected;
    state.relaySamples += row.candidateRelay;
  }
  state.scoreEwma = ewma.value;
  state.samples += accepted;

  let acceptedEvents = 0;
  const seen = new Set(pending.events.map(eventKey));
  for (const event of [...events].sort((a, b) => a.ts - b.ts)) {
    if (seen.has(eventKey(event))) continue;
    seen.add(eventKey(event));
    acceptedEvents++;
    pending.events.push(event);
    const key = String(minuteOf(event.ts));
    const counts = { ...(pending.eventMinutes[key] ?? emptyCounts()) };
    const current = state.connections[event.remotePeerId];
    switch (event.type) {
      case 'attempted':
        counts.attempted++;
        state.connAttempted++;
        state.connections[event.remotePeerId] = 'pending';
        break;
      case 'connected':
        // A repeated 'connected' (ICE restart) is the same connection, not another success.
        if (current !== 'connected') {
          counts.connected++;
          state.connConnected++;
          if (event.setupMs !== undefined) {
            counts.setupMsSum += event.setupMs;
            counts.setupCount++;
          }
        }
        state.connections[event.remotePeerId] = 'connected';
        break;
      case 'failed':
        // A drop of an established connection is not a failure to connect.
        if (current !== 'connected') {
          counts.failed++;
          state.connFailed++;
        }
        delete state.connections[event.remotePeerId];
        break;
      case 'closed':
        counts.closed++;
        delete state.connections[event.remotePeerId];
        break;
    }
    pending.eventMinutes[key] = counts;
  }

  // Seen-times follow the samples' own clock (a backfilled batch is placed where it happened), never beyond now.
  const times = [...sorted.map((s) => s.ts), ...events.map((e) => e.ts)];
  if (times.length > 0) {
    state.firstSeenAt = Math.min(state.firstSeenAt, ...times);
    state.lastSeenAt = Math.max(state.lastSeenAt, Math.min(now, Math.max(...times)));
  }
  return { state, pending, acceptedSamples: accepted, acceptedEvents, duplicateSamples: samples.length - accepted };
}

function eventKey(event: ConnectionEvent): string {
  return `${event.remotePeerId}\u0000${event.type}\u0000${event.ts}`;
}

/** The ICE path type that carried most connected samples of a rollup row; '' when none was connected. */
export function dominantCandidateType(row: MinuteRollup): CandidateType | '' {
  const counts: [CandidateType, number][] = [
    ['host', row.candidateHost],
    ['srflx', row.candidateSrflx],
    ['prflx', row.candidatePrflx],
    ['relay', row.candidateRelay],
  ];
  const [type, count] = counts.reduce((best, next) => (next[1] > best[1] ? next : best));
  return count > 0 ? type : '';
}

export interface SessionSummary {
  score: number | null;
  mos: number | null;
  tier: ReturnType<typeof qualityTier> | null;
  mosBand: ReturnType<typeof mosBand> | null;
  offloadRatio: number | null;
  relayOnly: boolean;
  problemScore: number;
}

/**
 * What the dashboard shows of a session. The problem score ranks sessions for operators: the score's shortfall
 * from 100, plus 10 per freeze (at most 50) and 10 per failed connection attempt (at most 30), plus 15 when every
 * connected sample went through TURN (costly and usually a NAT/firewall problem worth a look).
 */
export function summarizeSession(state: SessionState): SessionSummary {
  const relayOnly = state.connectedSamples > 0 && state.relaySamples === state.connectedSamples;
  const score = state.scoreEwma;
  const problemScore =
    (score === null ? 0 : 100 - score) + Math.min(50, 10 * state.freezes) + Math.min(30, 10 * state.connFailed) + (relayOnly ? 15 : 0);
  return {
    score,
    mos: state.mos === null ? null : Math.min(MOS_MAX, state.mos),
    tier: score === null ? null : qualityTier(score),
    mosBand: state.mos === null ? null : mosBand(state.mos),
    offloadRatio: offloadRatio(state.bytesFromPeers, state.bytesFromHttp),
    relayOnly,
    problemScore,
  };
}

/** The candidate path type of one sample (for raw data points). */
export function samplePathType(sample: StatsSample): CandidateType | '' {
  return candidatePathType(sample.connection?.localCandidateType, sample.connection?.remoteCandidateType) ?? '';
}
