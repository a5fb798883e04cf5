// getStats() counters are cumulative; quality is judged per interval. This turns two consecutive samples of one
// stream into what happened between them, and says how a stream of samples advances, so the rollup and the
// connection summary agree on what counts as a new sample, a reset and a missing value.
import type { InboundStats, OutboundStats, P2pStats, StatsSample } from './types';

export interface SampleDelta {
  intervalMs: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDropped: number;
  freezes: number;
  bytesSent: number;
  bytesFromPeers: number;
  bytesFromHttp: number;
  segmentsFromPeers: number;
  segmentsFromHttp: number;
  /** Null when the counter is not reported, or the interval is too long for an average to mean anything. */
  bitrateInBps: number | null;
  bitrateOutBps: number | null;
  /** lost / (lost + received) within the interval; null when no packet was counted. */
  lossFraction: number | null;
  /** True when a counter group restarted (a new RTCPeerConnection, a new remote peer, a reloaded player). */
  counterReset: boolean;
}

export interface DiffOptions {
  /**
   * Beyond this gap a rate would average a background tab or a reconnect into one number, so rates are null;
   * the byte and packet counts are still reported because they did happen. Default 60 s.
   */
  maxRateIntervalMs?: number;
}

export const DEFAULT_MAX_RATE_INTERVAL_MS = 60_000;

const INBOUND_COUNTERS = ['bytesReceived', 'packetsReceived', 'packetsLost', 'framesDropped', 'freezeCount'] as const;
// packetsLost is left out of reset detection: RFC 3550 §6.4.1 defines it as expected − received, which goes down
// when late or duplicate packets arrive, so a decrease there is not a restart.
const INBOUND_MONOTONIC = ['bytesReceived', 'packetsReceived', 'framesDropped', 'freezeCount'] as const;
const OUTBOUND_COUNTERS = ['bytesSent', 'packetsSent'] as const;
const P2P_COUNTERS = ['bytesFromPeers', 'bytesFromHttp', 'segmentsFromPeers', 'segmentsFromHttp'] as const;

function decreased<G extends object>(prev: G | undefined, next: G | undefined, keys: readonly (keyof G)[]): boolean {
  if (prev === undefined || next === undefined) return false;
  return keys.some((key) => {
    const before = prev[key];
    const after = next[key];
    return typeof before === 'number' && typeof after === 'number' && after < before;
  });
}

function remotePeerChanged(prev: StatsSample, next: StatsSample): boolean {
  const before = prev.connection?.remotePeerId;
  const after = next.connection?.remotePeerId;
  return before !== undefined && after !== undefined && before !== after;
}

interface Resets {
  inbound: boolean;
  outbound: boolean;
  p2p: boolean;
}

// A restarted counter group counts from 0 again, so its new value is the whole delta. P2P counters belong to the
// player, not to one peer connection, so a different remote peer does not restart them.
function detectResets(prev: StatsSample, next: StatsSample): Resets {
  const peerChanged = remotePeerChanged(prev, next);
  return {
    inbound: peerChanged || decreased(prev.inbound, next.inbound, INBOUND_MONOTONIC),
    outbound: peerChanged || decreased(prev.outbound, next.outbound, OUTBOUND_COUNTERS),
    p2p: decreased(prev.p2p, next.p2p, P2P_COUNTERS),
  };
}

// A counter missing from `next` contributed nothing we can see. One missing from `prev` but present in `next`
// started after `prev` was taken (webrtc-stats creates the RTP stream stats with the first packet), so all of it
// belongs to the interval. A decrease without a group reset is the RFC 3550 packetsLost case: count nothing.
function counterDelta(before: number | undefined, after: number | undefined, reset: boolean): number {
  if (after === undefined) return 0;
  if (reset || before === undefined) return Math.max(0, after);
  return Math.max(0, after - before);
}

function rateBps(bytes: number, counterReported: boolean, intervalMs: number, maxIntervalMs: number): number | null {
  if (!counterReported || intervalMs > maxIntervalMs) return null;
  return (bytes * 8 * 1000) / intervalMs;
}

/**
 * What happened between two samples of the same stream, or null when `next` is not newer than `prev` (a duplicate
 * or out-of-order report, which must not be counted twice).
 */
export function diffSamples(prev: StatsSample, next: StatsSample, options: DiffOptions = {}): SampleDelta | null {
  const intervalMs = next.ts - prev.ts;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) return null;
  const maxIntervalMs = options.maxRateIntervalMs ?? DEFAULT_MAX_RATE_INTERVAL_MS;
  const resets = detectResets(prev, next);
  const inbound = (key: (typeof INBOUND_COUNTERS)[number]) => counterDelta(prev.inbound?.[key], next.inbound?.[key], resets.inbound);
  const outbound = (key: (typeof OUTBOUND_COUNTERS)[number]) => counterDelta(prev.outbound?.[key], next.outbound?.[key], resets.outbound);
  const p2p = (key: (typeof P2P_COUNTERS)[number]) => counterDelta(prev.p2p?.[key], next.p2p?.[key], resets.p2p);

  const bytesReceived = inbound('bytesReceived');
  const packetsReceived = inbound('packetsReceived');
  const packetsLost = inbound('packetsLost');
  const bytesSent = outbound('bytesSent');
  const packetsCounted = packetsReceived + packetsLost;
  return {
    intervalMs,
    bytesReceived,
    packetsReceived,
    packetsLost,
    framesDropped: inbound('framesDropped'),
    freezes: inbound('freezeCount'),
    bytesSent,
    bytesFromPeers: p2p('bytesFromPeers'),
    bytesFromHttp: p2p('bytesFromHttp'),
    segmentsFromPeers: p2p('segmentsFromPeers'),
    segmentsFromHttp: p2p('segmentsFromHttp'),
    bitrateInBps: rateBps(bytesReceived, next.inbound?.bytesReceived !== undefined, intervalMs, maxIntervalMs),
    bitrateOutBps: rateBps(bytesSent, next.outbound?.bytesSent !== undefined, intervalMs, maxIntervalMs),
    lossFraction: packetsCounted > 0 ? packetsLost / packetsCounted : null,
    counterReset: resets.inbound || resets.outbound || resets.p2p,
  };
}

function fillCounters<G extends object>(
  prev: G | undefined,
  next: G | undefined,
  keys: readonly (keyof G)[],
  reset: boolean,
): G | undefined {
  if (prev === undefined || reset) return next;
  const filled = { ...next } as G;
  let changed = false;
  for (const key of keys) {
    if (filled[key] === undefined && prev[key] !== undefined) {
      filled[key] = prev[key];
      changed = true;
    }
  }
  return next === undefined && !changed ? undefined : filled;
}

/**
 * `next` with the counters it does not report taken from `prev`, to keep as the stream's last sample. Without it a
 * counter that skips one report would look brand new on the following one and be counted twice.
 */
export function carryForward(prev: StatsSample, next: StatsSample): StatsSample {
  const resets = detectResets(prev, next);
  const carried: StatsSample = { ...next };
  const inbound = fillCounters<InboundStats>(prev.inbound, next.inbound, INBOUND_COUNTERS, resets.inbound);
  const outbound = fillCounters<OutboundStats>(prev.outbound, next.outbound, OUTBOUND_COUNTERS, resets.outbound);
  const p2p = fillCounters<P2pStats>(prev.p2p, next.p2p, P2P_COUNTERS, resets.p2p);
  if (inbound !== undefined) carried.inbound = inbound;
  if (outbound !== undefined) carried.outbound = outbound;
  if (p2p !== undefined) carried.p2p = p2p;
  return carried;
}

export interface CounterStep {
  /** False for a duplicate or out-of-order sample, which the caller should ignore entirely. */
  accepted: boolean;
  /** Null for the first sample of a stream: it is the baseline, since we cannot tell how much of it we saw before. */
  delta: SampleDelta | null;
  /** What to keep as the stream's last sample. */
  last: StatsSample | null;
}

/**
 * Advances one stream of samples by one sample. The first sample only sets the baseline: counting its totals
 * would double-count everything whenever a stream resumes after its state was lost (an evicted Durable Object).
 */
export function stepCounters(last: StatsSample | null, next: StatsSample, options: DiffOptions = {}): CounterStep {
  if (!Number.isFinite(next.ts)) return { accepted: false, delta: null, last };
  if (last === null) return { accepted: true, delta: null, last: next };
  const delta = diffSamples(last, next, options);
  if (delta === null) return { accepted: false, delta: null, last };
  return { accepted: true, delta, last: carryForward(last, next) };
}
