import { describe, expect, it } from 'vitest';
import {
  emptyRollup,
  histogramBucket,
  type MinuteRollup,
  MOS_HISTOGRAM_EDGES,
  mergeRollupRows,
  mergeRollups,
  mos,
  mosBand,
  nearestRankPercentile,
  percentileFromHistogram,
  RTT_HISTOGRAM_EDGES_MS,
  rollupMetrics,
  rollupSamples,
  type StatsSample,
} from '../../../src/domain/quality';

// Deterministic pseudo-random numbers (a 32-bit LCG, Numerical Recipes constants) so every run sees the same data.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const T0 = 1_700_000_000_000; // 20 s past a minute boundary
const MINUTE = 60_000;

// Two remote peers reporting every 2 s over about five minutes, with a restarted connection, duplicate and
// out-of-order reports, a missing group, a long gap and fractional RTTs and jitters.
function session(): StatsSample[] {
  const next = random(7);
  const samples: StatsSample[] = [];
  const totals = { a: { bytes: 0, packets: 0, lost: 0, freezes: 0 }, b: { bytes: 0, packets: 0, lost: 0, freezes: 0 } };
  const p2p = { fromPeers: 0, fromHttp: 0, segPeers: 0, segHttp: 0 };
  for (let i = 0; i < 150; i++) {
    const peer = i % 3 === 0 ? 'b' : 'a';
    const ts = T0 + i * 2_000 + (i > 100 ? 90_000 : 0); // a 90 s gap after sample 100
    const counters = totals[peer];
    if (peer === 'a' && i === 60) Object.assign(counters, { bytes: 0, packets: 0, lost: 0, freezes: 0 }); // new RTCPeerConnection
    counters.packets += 150 + Math.floor(next() * 50);
    counters.lost += next() < 0.3 ? Math.floor(next() * 6) : 0;
    counters.bytes += 150_000 + Math.floor(next() * 50_000);
    counters.freezes += next() < 0.05 ? 1 : 0;
    p2p.fromPeers += Math.floor(next() * 200_000);
    p2p.fromHttp += Math.floor(next() * 100_000);
    p2p.segPeers += next() < 0.5 ? 1 : 0;
    p2p.segHttp += next() < 0.2 ? 1 : 0;
    const sample: StatsSample = {
      ts,
      connection: {
        remotePeerId: peer,
        state: 'connected',
        localCandidateType: peer === 'b' ? 'relay' : 'host',
        remoteCandidateType: 'srflx',
        currentRoundTripTime: 0.02 + next() * 0.4,
      },
      ...(i % 17 === 5
        ? {}
        : {
            inbound: {
              bytesReceived: counters.bytes,
              packetsReceived: counters.packets,
              packetsLost: counters.lost,
              jitter: next() * 0.03,
              freezeCount: counters.freezes,
            },
          }),
      outbound: { bytesSent: counters.bytes / 10 },
      p2p: {
        bytesFromPeers: p2p.fromPeers,
        bytesFromHttp: p2p.fromHttp,
        segmentsFromPeers: p2p.segPeers,
        segmentsFromHttp: p2p.segHttp,
        peersConnected: 1 + (i % 4),
      },
    };
    samples.push(sample);
    if (i % 11 === 0) samples.push({ ...sample }); // a retried report
    if (i % 13 === 0 && i > 0) samples.push({ ...sample, ts: ts - 1_500 }); // a late one
  }
  return samples;
}

describe('percentile from histogram', () => {
  it('interpolates inside the bucket', () => {
    const counts = RTT_HISTOGRAM_EDGES_MS.map(() => 0);
    counts[1] = 10; // ten values in [25, 50)
    // rank 0.5·10 = 5 of 10 in the bucket → 25 + 5/10 · 25 = 37.5
    expect(percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, counts, 0.5)).toBe(37.5);
    expect(percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, counts, 1)).toBe(50);
    expect(percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, counts, 0)).toBe(25);
  });

  it('returns the lower edge of the open-ended bucket, null when empty, and rejects mismatched input', () => {
    const counts = RTT_HISTOGRAM_EDGES_MS.map(() => 0);
    counts[counts.length - 1] = 3;
    expect(percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, counts, 0.95)).toBe(1_000);
    expect(
      percentileFromHistogram(
        RTT_HISTOGRAM_EDGES_MS,
        RTT_HISTOGRAM_EDGES_MS.map(() => 0),
        0.5,
      ),
    ).toBeNull();
    expect(() => percentileFromHistogram([1, 2], [1], 0.5)).toThrow(RangeError);
    expect(() => percentileFromHistogram([1, 2], [1, 1], 95)).toThrow(RangeError);
  });

  it('stays within one bucket width of the exact percentile of the raw data', () => {
    // Log-normal RTTs (median ≈ e^4.5 ≈ 90 ms), kept below 1 s so every bucket is closed.
    const next = random(42);
    const values: number[] = [];
    while (values.length < 10_000) {
      const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      const rtt = Math.exp(4.5 + 0.7 * gaussian);
      if (rtt < 1_000) values.push(rtt);
    }
    const counts = RTT_HISTOGRAM_EDGES_MS.map(() => 0);
    for (const value of values) {
      const bucket = histogramBucket(RTT_HISTOGRAM_EDGES_MS, value);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    for (const p of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
      const exact = nearestRankPercentile(values, p) ?? Number.NaN;
      const estimate = percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, counts, p) ?? Number.NaN;
      const bucket = histogramBucket(RTT_HISTOGRAM_EDGES_MS, exact);
      const width = (RTT_HISTOGRAM_EDGES_MS[bucket] ?? 0) - (bucket === 0 ? 0 : (RTT_HISTOGRAM_EDGES_MS[bucket - 1] ?? 0));
      expect(Math.abs(estimate - exact), `p${p * 100}: exact ${exact}, estimate ${estimate}`).toBeLessThanOrEqual(width);
    }
  });
});

describe('minute rollups', () => {
  it('rolls two samples of one minute into sums, maxima and histograms', () => {
    const minute = Math.floor(T0 / MINUTE) * MINUTE;
    const connection = { remotePeerId: 'a', state: 'connected', localCandidateType: 'host', remoteCandidateType: 'relay' } as const;
    const { rows } = rollupSamples([
      {
        ts: minute + 1_000,
        connection: { ...connection, currentRoundTripTime: 0.1 },
        inbound: { bytesReceived: 1_000, packetsReceived: 100, packetsLost: 0, jitter: 0.01 },
      },
      {
        ts: minute + 3_000,
        connection: { ...connection, currentRoundTripTime: 0.3 },
        inbound: { bytesReceived: 251_000, packetsReceived: 298, packetsLost: 2, jitter: 0.02 },
        p2p: { bytesFromPeers: 3_000, bytesFromHttp: 1_000, peersConnected: 2 },
      },
    ]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    // First sample: baseline for counters, RTT 100 ms, MOS at 0 % loss over the connection's life so far.
    // Second: 250 000 B, 198 packets, 2 lost (1 %), RTT 300 ms, jitter 20 ms. P2P counters are a baseline.
    expect(row).toMatchObject({
      minute,
      samples: 2,
      rttSumMs: 400,
      rttCount: 2,
      rttMaxMs: 300,
      jitterSumMs: 30,
      jitterCount: 2,
      bytesReceived: 250_000,
      packetsReceived: 198,
      packetsLost: 2,
      bytesFromPeers: 0,
      candidateRelay: 2,
      peersConnectedMax: 2,
      mosCount: 2,
      scoreCount: 1,
    });
    // RTT 100 ms in [100, 150), 300 ms in [300, 500).
    expect(row?.rttHistogram).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0]);
    const first = mos({ rttMs: 100, jitterMs: 10, lossPercent: 0 }); // R = 93.2 − 130/40 = 89.95 → good
    const second = mos({ rttMs: 300, jitterMs: 20, lossPercent: 1 }); // Le 350 → R = 93.2 − 23 − 2.5 = 67.7 → poor
    expect(mosBand(first)).toBe('good');
    expect(mosBand(second)).toBe('poor');
    expect(row?.mosHistogram).toEqual([0, 1, 0, 1, 0]);
    expect(row?.mosSum).toBeCloseTo(first + second, 2);
    expect(rollupMetrics(row ?? emptyRollup(0))).toMatchObject({ rttMeanMs: 200, lossFraction: 0.01, relayShare: 1, offloadRatio: null });
  });

  it('puts deltas in the minute of the sample that closes the interval', () => {
    const minute = Math.floor(T0 / MINUTE) * MINUTE;
    const { rows } = rollupSamples([
      { ts: minute + 59_000, inbound: { bytesReceived: 1_000 } },
      { ts: minute + 61_000, inbound: { bytesReceived: 3_000 } },
    ]);
    expect(rows.map((row) => [row.minute, row.samples, row.bytesReceived])).toEqual([
      [minute, 1, 0],
      [minute + MINUTE, 1, 2_000],
    ]);
  });

  it('produces the same rows from one batch as from three batches merged', () => {
    const samples = session();
    const whole = rollupSamples(samples);
    const first = rollupSamples(samples.slice(0, 70));
    const second = rollupSamples(samples.slice(70, 131), JSON.parse(JSON.stringify(first.carry)));
    const third = rollupSamples(samples.slice(131), second.carry);
    expect(mergeRollupRows([...first.rows, ...second.rows, ...third.rows])).toEqual(whole.rows);
    expect(third.carry).toEqual(whole.carry);
    // The session really exercises what it claims to.
    expect(whole.rows.length).toBeGreaterThanOrEqual(5);
    expect(whole.rows.reduce((sum, row) => sum + row.freezes, 0)).toBeGreaterThan(0);
  });

  it('merges associatively and commutatively', () => {
    const rows = rollupSamples(session()).rows;
    const minute = rows[0]?.minute ?? 0;
    // Three rows of the same minute from three different sessions.
    const [a, b, c] = [0, 1, 2].map((shift) => ({ ...(rows[shift] ?? emptyRollup(minute)), minute })) as [
      MinuteRollup,
      MinuteRollup,
      MinuteRollup,
    ];
    expect(mergeRollups(a, mergeRollups(b, c))).toEqual(mergeRollups(mergeRollups(a, b), c));
    expect(mergeRollups(a, b)).toEqual(mergeRollups(b, a));
    expect(mergeRollups(a, emptyRollup(minute))).toEqual(a);
    expect(() => mergeRollups(a, emptyRollup(minute + MINUTE))).toThrow(RangeError);
  });

  it('keeps the MOS histogram in the bands of mos.ts', () => {
    for (const value of [1, 3.0999, 3.1, 3.6, 4.1, 4.34, 4.5]) {
      const bucket = histogramBucket(MOS_HISTOGRAM_EDGES, value);
      expect(['bad', 'poor', 'fair', 'good', 'excellent'][bucket]).toBe(mosBand(value));
    }
  });
});
