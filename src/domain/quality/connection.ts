// What one peer connection looked like: how it was routed (direct, through NATs, through TURN), how long it took
// to set up, when playback stalled, and — over connection events — how often connection attempts succeed.
import { stepCounters } from './counters';
import type { CandidateType, ConnectionEvent, StatsSample } from './types';

// Ranked by how much infrastructure the path crosses: host stays on the local network, srflx and prflx go through
// a NAT (prflx above srflx because a mapping learnt only from connectivity checks usually means a symmetric NAT),
// relay goes through a TURN server we pay for.
const PATH_RANK: Record<CandidateType, number> = { host: 0, srflx: 1, prflx: 2, relay: 3 };

/** The type of a candidate pair is that of its less direct side; null when neither side is known. */
export function candidatePathType(local?: CandidateType, remote?: CandidateType): CandidateType | null {
  if (local === undefined) return remote ?? null;
  if (remote === undefined) return local;
  return PATH_RANK[remote] > PATH_RANK[local] ? remote : local;
}

/**
 * A sample is of a connected peer when it says so, or when it reports a selected candidate pair without a state:
 * getStats() only has a selected pair once ICE has succeeded.
 */
export function isConnected(sample: StatsSample): boolean {
  const connection = sample.connection;
  if (connection === undefined) return false;
  if (connection.state !== undefined) return connection.state === 'connected';
  return connection.localCandidateType !== undefined || connection.remoteCandidateType !== undefined;
}

function connectedPathTypes(samples: readonly StatsSample[]): CandidateType[] {
  const types: CandidateType[] = [];
  for (const sample of samples) {
    if (!isConnected(sample)) continue;
    const type = candidatePathType(sample.connection?.localCandidateType, sample.connection?.remoteCandidateType);
    if (type !== null) types.push(type);
  }
  return types;
}

export type CandidateMix = Record<CandidateType, number>;

export function emptyCandidateMix(): CandidateMix {
  return { host: 0, srflx: 0, prflx: 0, relay: 0 };
}

/** Connected samples counted by the type of their candidate pair. */
export function candidateMix(samples: readonly StatsSample[]): CandidateMix {
  const mix = emptyCandidateMix();
  for (const type of connectedPathTypes(samples)) mix[type] += 1;
  return mix;
}

/**
 * True when every connected sample with a known candidate pair went through TURN on one side or the other: the
 * peers never found a direct path, which costs relay bandwidth and usually points at a symmetric NAT or a firewall.
 * False when there is no such sample, since nothing was observed.
 */
export function isRelayOnly(samples: readonly StatsSample[]): boolean {
  const types = connectedPathTypes(samples);
  return types.length > 0 && types.every((type) => type === 'relay');
}

/** Share of media bytes that came from peers instead of the origin; null when nothing was downloaded at all. */
export function offloadRatio(bytesFromPeers: number, bytesFromHttp: number): number | null {
  const total = bytesFromPeers + bytesFromHttp;
  return total > 0 ? bytesFromPeers / total : null;
}

/** The smallest value with at least p·n values at or below it (nearest-rank definition); p in [0, 1]. */
export function nearestRankPercentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be in [0, 1], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

export interface SetupTimeStats {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Summary of connection setup times (from `setupMs` of samples or of 'connected' events); null when there are none. */
export function setupTimeStats(setupMs: readonly number[]): SetupTimeStats | null {
  const values = setupMs.filter((value) => Number.isFinite(value) && value >= 0);
  const p50Ms = nearestRankPercentile(values, 0.5);
  const p95Ms = nearestRankPercentile(values, 0.95);
  if (p50Ms === null || p95Ms === null) return null;
  return {
    count: values.length,
    minMs: Math.min(...values),
    meanMs: values.reduce((sum, value) => sum + value, 0) / values.length,
    p50Ms,
    p95Ms,
    maxMs: Math.max(...values),
  };
}

export type StallReason = 'freeze' | 'zero-fps' | 'no-bytes';

export interface Stall {
  remotePeerId: string;
  reason: StallReason;
  startTs: number;
  /** When playback resumed; null when it had not by the last sample. */
  endTs: number | null;
  /** For 'freeze': how many freezes the decoder counted within [startTs, endTs]. */
  freezes?: number;
}

export interface StallOptions {
  /** A connected peer that delivers no bytes for this long is stalled. Default 5 s, about two HLS segments' worth of patience. */
  silenceThresholdMs?: number;
  /** Frame rates at or below this count as "no video"; a decoder rarely reports exactly 0 in the first second. Default 0.5. */
  zeroFpsThreshold?: number;
}

export const DEFAULT_SILENCE_THRESHOLD_MS = 5_000;
export const DEFAULT_ZERO_FPS_THRESHOLD = 0.5;

/**
 * Stalls of one connection, from three independent signals (so one stall may be reported under several reasons):
 * - 'freeze': the decoder's freezeCount went up (webrtc-stats defines a freeze from inter-frame gaps);
 * - 'zero-fps': framesPerSecond fell to about 0 while connected, after video had been flowing — a connection that
 *   has not shown its first frame yet is starting, not stalled;
 * - 'no-bytes': bytesReceived did not move for `silenceThresholdMs` while connected.
 * Disconnection ends an open episode: the stall is then the connection's, and the success rate covers it.
 */
export function detectStalls(samples: readonly StatsSample[], options: StallOptions = {}): Stall[] {
  const silenceThresholdMs = options.silenceThresholdMs ?? DEFAULT_SILENCE_THRESHOLD_MS;
  const zeroFpsThreshold = options.zeroFpsThreshold ?? DEFAULT_ZERO_FPS_THRESHOLD;
  const stalls: Stall[] = [];
  let last: StatsSample | null = null;
  let videoFlowed = false;
  let lastProgressTs: number | null = null;
  let zeroFps: Stall | null = null;
  let silence: Stall | null = null;

  for (const sample of samples) {
    const step = stepCounters(last, sample);
    if (!step.accepted) continue;
    last = step.last;
    const remotePeerId = sample.connection?.remotePeerId ?? '';
    const delta = step.delta;

    if (delta !== null && delta.freezes > 0) {
      stalls.push({ remotePeerId, reason: 'freeze', startTs: sample.ts - delta.intervalMs, endTs: sample.ts, freezes: delta.freezes });
    }

    if (!isConnected(sample)) {
      if (zeroFps !== null) zeroFps.endTs = sample.ts;
      if (silence !== null) silence.endTs = sample.ts;
      zeroFps = null;
      silence = null;
      videoFlowed = false;
      lastProgressTs = null;
      continue;
    }

    const fps = sample.inbound?.framesPerSecond;
    if (fps !== undefined) {
      if (fps > zeroFpsThreshold) {
        videoFlowed = true;
        if (zeroFps !== null) zeroFps.endTs = sample.ts;
        zeroFps = null;
      } else if (videoFlowed && zeroFps === null) {
        zeroFps = { remotePeerId, reason: 'zero-fps', startTs: sample.ts, endTs: null };
        stalls.push(zeroFps);
      }
    }

    if (sample.inbound?.bytesReceived !== undefined) {
      if (lastProgressTs === null || (delta !== null && delta.bytesReceived > 0)) {
        if (silence !== null) silence.endTs = sample.ts;
        silence = null;
        lastProgressTs = sample.ts;
      } else if (silence === null && sample.ts - lastProgressTs >= silenceThresholdMs) {
        silence = { remotePeerId, reason: 'no-bytes', startTs: lastProgressTs, endTs: null };
        stalls.push(silence);
      }
    }
  }
  return stalls;
}

export interface ConnectionSummary {
  /** '' for samples that named no remote peer. */
  remotePeerId: string;
  firstTs: number;
  lastTs: number;
  samples: number;
  connectedSamples: number;
  candidateMix: CandidateMix;
  relayOnly: boolean;
  setupMs: number | null;
  stalls: Stall[];
}

function groupByRemotePeer(samples: readonly StatsSample[]): Map<string, StatsSample[]> {
  const groups = new Map<string, StatsSample[]>();
  for (const sample of samples) {
    const key = sample.connection?.remotePeerId ?? '';
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [sample]);
    else group.push(sample);
  }
  return groups;
}

/** One summary per remote peer, in order of first appearance; duplicate and out-of-order samples are dropped. */
export function summarizeConnections(samples: readonly StatsSample[], options: StallOptions = {}): ConnectionSummary[] {
  const summaries: ConnectionSummary[] = [];
  for (const [remotePeerId, group] of groupByRemotePeer(samples)) {
    const accepted: StatsSample[] = [];
    let last: StatsSample | null = null;
    for (const sample of group) {
      const step = stepCounters(last, sample);
      if (!step.accepted) continue;
      last = step.last;
      accepted.push(sample);
    }
    const first = accepted[0];
    const final = accepted[accepted.length - 1];
    if (first === undefined || final === undefined) continue;
    summaries.push({
      remotePeerId,
      firstTs: first.ts,
      lastTs: final.ts,
      samples: accepted.length,
      connectedSamples: accepted.filter(isConnected).length,
      candidateMix: candidateMix(accepted),
      relayOnly: isRelayOnly(accepted),
      setupMs: accepted.find((sample) => sample.connection?.setupMs !== undefined)?.connection?.setupMs ?? null,
      stalls: detectStalls(accepted, options),
    });
  }
  return summaries;
}

export interface ConnectionOutcomes {
  /** 'attempted' events seen. */
  attempts: number;
  /** Attempts that reached 'connected' (also counted without a preceding 'attempted', which may be in an earlier batch). */
  connected: number;
  /** Attempts that reached 'failed' before ever connecting. */
  failed: number;
  /** Established connections that later failed: a drop, not a failure to connect. */
  dropped: number;
  /** Attempts closed, or superseded by a new attempt, before any outcome: the viewer or the peer went away. */
  abandoned: number;
  /** Attempts still open after the last event. */
  pending: number;
}

/**
 * Follows each remote peer's events in time order: attempted → connected | failed, with closed ending either.
 * A repeated 'connected' (ICE restarts after a blip) is the same connection, not another success.
 */
export function connectionOutcomes(events: readonly ConnectionEvent[]): ConnectionOutcomes {
  const outcomes: ConnectionOutcomes = { attempts: 0, connected: 0, failed: 0, dropped: 0, abandoned: 0, pending: 0 };
  const state = new Map<string, 'pending' | 'connected'>();
  const seen = new Set<string>();
  const ordered = [...events].sort((a, b) => a.ts - b.ts);
  for (const event of ordered) {
    // A client that retries a report sends the same event twice; it is one transition.
    const key = `${event.remotePeerId}\u0000${event.type}\u0000${event.ts}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const current = state.get(event.remotePeerId);
    switch (event.type) {
      case 'attempted':
        outcomes.attempts += 1;
        if (current === 'pending') outcomes.abandoned += 1;
        state.set(event.remotePeerId, 'pending');
        break;
      case 'connected':
        if (current !== 'connected') outcomes.connected += 1;
        state.set(event.remotePeerId, 'connected');
        break;
      case 'failed':
        if (current === 'connected') outcomes.dropped += 1;
        else outcomes.failed += 1;
        state.delete(event.remotePeerId);
        break;
      case 'closed':
        if (current === 'pending') outcomes.abandoned += 1;
        state.delete(event.remotePeerId);
        break;
    }
  }
  for (const value of state.values()) if (value === 'pending') outcomes.pending += 1;
  return outcomes;
}

/**
 * connected ÷ (connected + failed) over attempts that finished; null when none did. Attempts still pending are
 * left out rather than counted as failures: ICE can take seconds, so a batch often ends mid-handshake, and the
 * outcome arrives with a later batch and is counted there. Abandoned attempts are left out too — a viewer closing
 * the tab says nothing about whether the network would have connected.
 */
export function connectionSuccessRate(events: readonly ConnectionEvent[]): number | null {
  const { connected, failed } = connectionOutcomes(events);
  const finished = connected + failed;
  return finished > 0 ? connected / finished : null;
}
