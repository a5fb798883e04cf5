// Per-minute rollups of a peer session's samples. A row keeps sums, counts, maxima and fixed-bucket histograms
// rather than averages or percentiles, because those can be added: a Durable Object can keep the current minute
// and fold in later batches, and a fleet dashboard can add rows of many sessions and still read means and
// p50/p95. Merging must not depend on how samples were split into batches, which fixes two choices below: the
// previous sample of each stream is carried from batch to batch, and every fractional value is quantised so that
// sums are exact.
import { candidatePathType, isConnected, offloadRatio } from './connection';
import { type DiffOptions, type SampleDelta, stepCounters } from './counters';
import { MOS_BANDS, MOS_MAX, MOS_MIN, type MosBand, mos } from './mos';
import { scoreWindow } from './score';
import type { StatsSample } from './types';

export const MINUTE_MS = 60_000;

/** Start of the minute `ts` falls in, in epoch ms. */
export function minuteOf(ts: number): number {
  return Math.floor(ts / MINUTE_MS) * MINUTE_MS;
}

/**
 * Upper edges of the RTT buckets in ms; bucket i holds [edges[i−1], edges[i]) with 0 below the first. Narrow where
 * interactive quality changes fast (under 200 ms), wide in the tail where only "how bad" matters.
 */
export const RTT_HISTOGRAM_EDGES_MS: readonly number[] = [25, 50, 100, 150, 200, 300, 500, 1000, Number.POSITIVE_INFINITY];

/** MOS buckets are the bands of mos.ts, worst to best: upper edges are the next band's floor, then 4.5. */
export const MOS_HISTOGRAM_BANDS: readonly MosBand[] = MOS_BANDS.map((band) => band.band);
export const MOS_HISTOGRAM_EDGES: readonly number[] = [...MOS_BANDS.slice(1).map((band) => band.minMos), MOS_MAX];
export const MOS_HISTOGRAM_LOWER_BOUND = MOS_MIN;

export interface MinuteRollup {
  minute: number; // epoch ms, start of the minute
  samples: number;
  rttSumMs: number;
  rttCount: number;
  rttMaxMs: number; // 0 when rttCount is 0
  jitterSumMs: number;
  jitterCount: number;
  packetsLost: number;
  packetsReceived: number;
  bytesReceived: number;
  bytesSent: number;
  bytesFromPeers: number;
  bytesFromHttp: number;
  segmentsFromPeers: number;
  segmentsFromHttp: number;
  freezes: number;
  framesDropped: number;
  mosSum: number;
  mosCount: number;
  scoreSum: number;
  scoreCount: number;
  /** Connected samples by candidate-pair type (see `candidatePathType`). */
  candidateHost: number;
  candidateSrflx: number;
  candidatePrflx: number;
  candidateRelay: number;
  peersConnectedMax: number;
  /** Sample counts per bucket of RTT_HISTOGRAM_EDGES_MS. */
  rttHistogram: number[];
  /** Sample counts per bucket of MOS_HISTOGRAM_EDGES (bands worst to best). */
  mosHistogram: number[];
}

type NumericField = { [K in keyof MinuteRollup]: MinuteRollup[K] extends number ? K : never }[keyof MinuteRollup];

/** The additive fields of a row (summed when rows merge). */
export const ROLLUP_SUM_FIELDS = [
  'samples',
  'rttSumMs',
  'rttCount',
  'jitterSumMs',
  'jitterCount',
  'packetsLost',
  'packetsReceived',
  'bytesReceived',
  'bytesSent',
  'bytesFromPeers',
  'bytesFromHttp',
  'segmentsFromPeers',
  'segmentsFromHttp',
  'freezes',
  'framesDropped',
  'mosSum',
  'mosCount',
  'scoreSum',
  'scoreCount',
  'candidateHost',
  'candidateSrflx',
  'candidatePrflx',
  'candidateRelay',
] as const satisfies readonly NumericField[];

const MAX_FIELDS = ['rttMaxMs', 'peersConnectedMax'] as const satisfies readonly NumericField[];

export function emptyRollup(minute: number): MinuteRollup {
  const row = { minute, rttHistogram: RTT_HISTOGRAM_EDGES_MS.map(() => 0), mosHistogram: MOS_HISTOGRAM_EDGES.map(() => 0) } as MinuteRollup;
  for (const field of [...ROLLUP_SUM_FIELDS, ...MAX_FIELDS]) row[field] = 0;
  return row;
}

// Floating-point addition is not associative, so sums of arbitrary fractions would differ in the last bits
// depending on batch boundaries. Multiples of 1/1024 are dyadic: binary64 adds them exactly while the total stays
// below 2^43 (≈ 8.8·10¹² ms of RTT in one row), so merged rows are bit-identical however batches were cut.
// 1/1024 ms ≈ 1 µs and 1/1024 MOS are far below what the inputs resolve.
const QUANTUM = 1024;
function quantise(value: number): number {
  return Math.round(value * QUANTUM) / QUANTUM;
}

// webrtc-stats counters are integers; rounding keeps the exact-sum property if a client sends fractions anyway.
function whole(value: number): number {
  return Math.round(value);
}

/** Index of the bucket holding `value`: the first with value < edge; the last bucket also takes anything above. */
export function histogramBucket(edges: readonly number[], value: number): number {
  const index = edges.findIndex((edge) => value < edge);
  return index === -1 ? edges.length - 1 : index;
}

/**
 * The p-quantile (p in [0, 1]) of a histogram, interpolating linearly inside the bucket where rank p·n falls.
 *
 * Error bound: the estimate and the exact nearest-rank percentile of the raw values (the ⌈p·n⌉-th smallest) lie
 * in the same bucket, so they differ by at most that bucket's width — for RTT ≤ 25 ms below 50 ms, ≤ 50 ms up to
 * 200 ms, ≤ 100 ms up to 300 ms, ≤ 200 ms up to 500 ms, ≤ 500 ms up to 1 s. In an open-ended last bucket only its
 * lower edge is known, and that is returned: a lower bound of the true value. Returns null for an empty histogram.
 */
export function percentileFromHistogram(edges: readonly number[], counts: readonly number[], p: number, lowerBound = 0): number | null {
  if (edges.length !== counts.length) throw new RangeError(`histogram has ${counts.length} counts for ${edges.length} buckets`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be in [0, 1], got ${p}`);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return null;
  const target = p * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && before + count >= target) {
      const low = i === 0 ? lowerBound : (edges[i - 1] ?? lowerBound);
      const high = edges[i] ?? Number.POSITIVE_INFINITY;
      if (!Number.isFinite(high)) return low;
      return low + (Math.max(0, target - before) / count) * (high - low);
    }
    before += count;
  }
  return null;
}

function countInto(histogram: number[], bucket: number): void {
  histogram[bucket] = (histogram[bucket] ?? 0) + 1;
}

function addHistograms(a: readonly number[], b: readonly number[], name: string): number[] {
  if (a.length !== b.length) throw new RangeError(`cannot merge ${name} histograms of ${a.length} and ${b.length} buckets`);
  return a.map((count, i) => count + (b[i] ?? 0));
}

/** Combines two rollups of the same minute (of one session or of many). Associative and commutative. */
export function mergeRollups(a: MinuteRollup, b: MinuteRollup): MinuteRollup {
  if (a.minute !== b.minute) throw new RangeError(`cannot merge rollups of minutes ${a.minute} and ${b.minute}`);
  const merged: MinuteRollup = {
    ...a,
    rttHistogram: addHistograms(a.rttHistogram, b.rttHistogram, 'RTT'),
    mosHistogram: addHistograms(a.mosHistogram, b.mosHistogram, 'MOS'),
  };
  for (const field of ROLLUP_SUM_FIELDS) merged[field] = a[field] + b[field];
  for (const field of MAX_FIELDS) merged[field] = Math.max(a[field], b[field]);
  return merged;
}

/** Merges rows minute by minute, e.g. the kept partial minute plus a new batch's rows; sorted by minute. */
export function mergeRollupRows(rows: readonly MinuteRollup[]): MinuteRollup[] {
  const byMinute = new Map<number, MinuteRollup>();
  for (const row of rows) {
    const existing = byMinute.get(row.minute);
    byMinute.set(row.minute, existing === undefined ? row : mergeRollups(existing, row));
  }
  return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
}

/**
 * The last sample of each stream, handed from one batch to the next so the first sample of a batch still gets
 * its delta. Plain JSON, for Durable Object storage. Connection counters are streams per remote peer (one
 * RTCPeerConnection each); the player's P2P counters are one stream for the whole session.
 */
export interface RollupCarry {
  transport: Record<string, StatsSample>;
  p2p: StatsSample | null;
}

export interface RollupOptions extends DiffOptions {
  /** Bitrate the stream should carry (the rendition's), for the bitrate part of the score. */
  expectedBitrateBps?: number | null;
  /**
   * A stream silent for longer than this restarts from a baseline: its counters across the gap cannot be put in
   * any one minute, and dropping it keeps the carry from growing with every peer ever met. Default 10 min.
   */
  carryTtlMs?: number;
}

export const DEFAULT_CARRY_TTL_MS = 10 * MINUTE_MS;

export interface RollupResult {
  rows: MinuteRollup[];
  carry: RollupCarry;
}

// The interval's loss when there is one; for a stream's first sample, the loss over the connection's life so far
// (a ratio, so nothing is double counted); 0 for a data-channel-only connection, whose SCTP retransmits lost
// packets so that loss shows up as delay, which the E-model already charges.
function lossPercentOf(delta: SampleDelta | null, sample: StatsSample): number {
  if (delta !== null && delta.lossFraction !== null) return delta.lossFraction * 100;
  if (delta !== null) return 0;
  const lost = Math.max(0, sample.inbound?.packetsLost ?? 0);
  const counted = lost + Math.max(0, sample.inbound?.packetsReceived ?? 0);
  return counted > 0 ? (lost * 100) / counted : 0;
}

function secondsToMs(seconds: number | undefined): number | null {
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * Rolls a batch of one session's samples (sorted by ts) into per-minute rows, continuing from `carry`. Rolling
 * batches one after another with the returned carry and merging the rows gives exactly the rows of rolling all
 * samples at once. Counter deltas belong to the minute of the sample that closes the interval.
 */
export function rollupSamples(
  samples: readonly StatsSample[],
  carry: RollupCarry | null = null,
  options: RollupOptions = {},
): RollupResult {
  const carryTtlMs = options.carryTtlMs ?? DEFAULT_CARRY_TTL_MS;
  const transport: Record<string, StatsSample> = { ...(carry?.transport ?? {}) };
  let p2pLast: StatsSample | null = carry?.p2p ?? null;
  const rows = new Map<number, MinuteRollup>();
  const rowFor = (ts: number): MinuteRollup => {
    const minute = minuteOf(ts);
    let row = rows.get(minute);
    if (row === undefined) {
      row = emptyRollup(minute);
      rows.set(minute, row);
    }
    return row;
  };
  const fresh = (last: StatsSample | null | undefined, ts: number): StatsSample | null =>
    last !== undefined && last !== null && ts - last.ts <= carryTtlMs ? last : null;

  for (const sample of samples) {
    const key = sample.connection?.remotePeerId ?? '';
    const step = stepCounters(fresh(transport[key], sample.ts), sample, options);
    if (step.accepted && step.last !== null) {
      transport[key] = step.last;
      addConnectionSample(rowFor(sample.ts), sample, step.delta, options);
    }

    if (sample.p2p !== undefined) {
      const p2pStep = stepCounters(fresh(p2pLast, sample.ts), sample, options);
      if (p2pStep.accepted && p2pStep.last !== null) {
        p2pLast = p2pStep.last;
        addP2pSample(rowFor(sample.ts), sample, p2pStep.delta);
      }
    }
  }

  const newestTs = Math.max(p2pLast?.ts ?? Number.NEGATIVE_INFINITY, ...Object.values(transport).map((last) => last.ts));
  for (const [key, last] of Object.entries(transport)) if (newestTs - last.ts > carryTtlMs) delete transport[key];
  if (p2pLast !== null && newestTs - p2pLast.ts > carryTtlMs) p2pLast = null;

  return { rows: [...rows.values()].sort((a, b) => a.minute - b.minute), carry: { transport, p2p: p2pLast } };
}

function addConnectionSample(row: MinuteRollup, sample: StatsSample, delta: SampleDelta | null, options: RollupOptions): void {
  row.samples += 1;

  const rttMs = secondsToMs(sample.connection?.currentRoundTripTime);
  const jitterMs = secondsToMs(sample.inbound?.jitter);
  if (rttMs !== null) {
    const rtt = quantise(rttMs);
    row.rttSumMs += rtt;
    row.rttCount += 1;
    row.rttMaxMs = Math.max(row.rttMaxMs, rtt);
    countInto(row.rttHistogram, histogramBucket(RTT_HISTOGRAM_EDGES_MS, rtt));
  }
  if (jitterMs !== null) {
    row.jitterSumMs += quantise(jitterMs);
    row.jitterCount += 1;
  }

  if (isConnected(sample)) {
    const type = candidatePathType(sample.connection?.localCandidateType, sample.connection?.remoteCandidateType);
    if (type === 'host') row.candidateHost += 1;
    else if (type === 'srflx') row.candidateSrflx += 1;
    else if (type === 'prflx') row.candidatePrflx += 1;
    else if (type === 'relay') row.candidateRelay += 1;
  }

  if (rttMs !== null) {
    const score = quantise(mos({ rttMs, jitterMs: jitterMs ?? 0, lossPercent: lossPercentOf(delta, sample) }));
    row.mosSum += score;
    row.mosCount += 1;
    countInto(row.mosHistogram, histogramBucket(MOS_HISTOGRAM_EDGES, score));
  }

  if (delta === null) return;
  row.packetsLost += whole(delta.packetsLost);
  row.packetsReceived += whole(delta.packetsReceived);
  row.bytesReceived += whole(delta.bytesReceived);
  row.bytesSent += whole(delta.bytesSent);
  row.freezes += whole(delta.freezes);
  row.framesDropped += whole(delta.framesDropped);

  const packetsMeasured = sample.inbound?.packetsReceived !== undefined || sample.inbound?.packetsLost !== undefined;
  const window = scoreWindow({
    ...(packetsMeasured ? { packetsReceived: delta.packetsReceived, packetsLost: delta.packetsLost } : {}),
    ...(rttMs !== null ? { rttMs } : {}),
    ...(jitterMs !== null ? { jitterMs } : {}),
    bitrateBps: delta.bitrateInBps,
    expectedBitrateBps: options.expectedBitrateBps ?? null,
  });
  row.scoreSum += quantise(window.score);
  row.scoreCount += 1;
}

function addP2pSample(row: MinuteRollup, sample: StatsSample, delta: SampleDelta | null): void {
  const peers = sample.p2p?.peersConnected;
  if (peers !== undefined && Number.isFinite(peers)) row.peersConnectedMax = Math.max(row.peersConnectedMax, peers);
  if (delta === null) return;
  row.bytesFromPeers += whole(delta.bytesFromPeers);
  row.bytesFromHttp += whole(delta.bytesFromHttp);
  row.segmentsFromPeers += whole(delta.segmentsFromPeers);
  row.segmentsFromHttp += whole(delta.segmentsFromHttp);
}

export interface RollupMetrics {
  rttMeanMs: number | null;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  jitterMeanMs: number | null;
  /** lost / (lost + received) */
  lossFraction: number | null;
  mosMean: number | null;
  scoreMean: number | null;
  offloadRatio: number | null;
  /** Share of connected samples that went through TURN. */
  relayShare: number | null;
}

/** The readable numbers of a row, or of the merge of many rows. */
export function rollupMetrics(row: MinuteRollup): RollupMetrics {
  const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
  const connected = row.candidateHost + row.candidateSrflx + row.candidatePrflx + row.candidateRelay;
  return {
    rttMeanMs: ratio(row.rttSumMs, row.rttCount),
    rttP50Ms: percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, row.rttHistogram, 0.5),
    rttP95Ms: percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, row.rttHistogram, 0.95),
    jitterMeanMs: ratio(row.jitterSumMs, row.jitterCount),
    lossFraction: ratio(row.packetsLost, row.packetsLost + row.packetsReceived),
    mosMean: ratio(row.mosSum, row.mosCount),
    scoreMean: ratio(row.scoreSum, row.scoreCount),
    offloadRatio: offloadRatio(row.bytesFromPeers, row.bytesFromHttp),
    relayShare: ratio(row.candidateRelay, connected),
  };
}
