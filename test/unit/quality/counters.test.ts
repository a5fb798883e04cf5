import { describe, expect, it } from 'vitest';
import { carryForward, diffSamples, type StatsSample, stepCounters } from '../../../src/domain/quality';

const base: StatsSample = {
  ts: 1_000,
  connection: { remotePeerId: 'peer-a', state: 'connected' },
  inbound: { bytesReceived: 1_000, packetsReceived: 100, packetsLost: 0, framesDropped: 1, freezeCount: 0 },
  outbound: { bytesSent: 500, packetsSent: 10 },
  p2p: { bytesFromPeers: 0, bytesFromHttp: 10_000, segmentsFromPeers: 0, segmentsFromHttp: 1 },
};

describe('diffSamples', () => {
  it('turns cumulative counters into interval deltas and rates', () => {
    const next: StatsSample = {
      ts: 3_000,
      connection: { remotePeerId: 'peer-a', state: 'connected' },
      inbound: { bytesReceived: 251_000, packetsReceived: 298, packetsLost: 2, framesDropped: 4, freezeCount: 1 },
      outbound: { bytesSent: 25_500, packetsSent: 60 },
      p2p: { bytesFromPeers: 40_000, bytesFromHttp: 20_000, segmentsFromPeers: 4, segmentsFromHttp: 2 },
    };
    expect(diffSamples(base, next)).toEqual({
      intervalMs: 2_000,
      bytesReceived: 250_000,
      packetsReceived: 198,
      packetsLost: 2,
      framesDropped: 3,
      freezes: 1,
      bytesSent: 25_000,
      bytesFromPeers: 40_000,
      bytesFromHttp: 10_000,
      segmentsFromPeers: 4,
      segmentsFromHttp: 1,
      bitrateInBps: 1_000_000, // 250 000 B · 8 / 2 s
      bitrateOutBps: 100_000, // 25 000 B · 8 / 2 s
      lossFraction: 0.01, // 2 / (2 + 198)
      counterReset: false,
    });
  });

  it('treats a decrease as a restarted connection and counts the new value from zero', () => {
    const restarted: StatsSample = {
      ...base,
      ts: 2_000,
      inbound: { bytesReceived: 300, packetsReceived: 20, packetsLost: 1, framesDropped: 0, freezeCount: 0 },
      outbound: { bytesSent: 100, packetsSent: 2 },
    };
    const delta = diffSamples(base, restarted);
    expect(delta).toMatchObject({ bytesReceived: 300, packetsReceived: 20, packetsLost: 1, bytesSent: 100, counterReset: true });
    expect(delta?.bitrateInBps).toBe(2_400); // 300 B · 8 / 1 s
    // The player's P2P counters did not go down, so they keep counting from the previous sample.
    expect(delta?.bytesFromHttp).toBe(0);
  });

  it('does not take a falling packetsLost for a reset (RFC 3550 lets late packets lower it)', () => {
    const lossBase: StatsSample = { ts: 0, inbound: { packetsReceived: 100, packetsLost: 5 } };
    const next: StatsSample = { ts: 1_000, inbound: { packetsReceived: 200, packetsLost: 3 } };
    expect(diffSamples(lossBase, next)).toMatchObject({ packetsReceived: 100, packetsLost: 0, lossFraction: 0, counterReset: false });
  });

  it('restarts connection counters, but not the player counters, when the remote peer changes', () => {
    const otherPeer: StatsSample = { ...base, ts: 2_000, connection: { remotePeerId: 'peer-b' }, inbound: { bytesReceived: 5_000 } };
    expect(diffSamples(base, otherPeer)).toMatchObject({ bytesReceived: 5_000, bytesFromHttp: 0, counterReset: true });
  });

  it('copes with missing groups and fields', () => {
    const bare: StatsSample = { ts: 2_000 };
    expect(diffSamples(base, bare)).toMatchObject({
      bytesReceived: 0,
      packetsReceived: 0,
      bitrateInBps: null,
      bitrateOutBps: null,
      lossFraction: null,
      counterReset: false,
    });
    // A counter that first appears after the previous sample started at 0 in between.
    const appeared = diffSamples({ ts: 0, connection: { state: 'connected' } }, { ts: 1_000, inbound: { bytesReceived: 4_000 } });
    expect(appeared).toMatchObject({ bytesReceived: 4_000, bitrateInBps: 32_000 });
  });

  it('ignores duplicate and out-of-order timestamps', () => {
    expect(diffSamples(base, { ...base })).toBeNull();
    expect(diffSamples(base, { ...base, ts: 999 })).toBeNull();
    const step = stepCounters(base, { ...base, ts: 500, inbound: { bytesReceived: 1 } });
    expect(step).toEqual({ accepted: false, delta: null, last: base });
    expect(stepCounters(base, { ...base, ts: Number.NaN }).accepted).toBe(false);
  });

  it('keeps counts across a long gap but reports no rate over it', () => {
    const later: StatsSample = { ...base, ts: base.ts + 5 * 60_000, inbound: { bytesReceived: 61_000, packetsReceived: 700 } };
    expect(diffSamples(base, later)).toMatchObject({
      intervalMs: 300_000,
      bytesReceived: 60_000,
      packetsReceived: 600,
      bitrateInBps: null,
    });
    expect(diffSamples(base, later, { maxRateIntervalMs: 600_000 })?.bitrateInBps).toBe(1_600); // 60 000 · 8 / 300 s
  });
});

describe('stepping a stream', () => {
  it('takes the first sample as the baseline only', () => {
    expect(stepCounters(null, base)).toEqual({ accepted: true, delta: null, last: base });
  });

  it('does not count a counter twice when one report leaves it out', () => {
    const first: StatsSample = { ts: 0, inbound: { bytesReceived: 1_000, packetsReceived: 10 } };
    const withoutInbound: StatsSample = { ts: 1_000, connection: { state: 'connected' } };
    const back: StatsSample = { ts: 2_000, inbound: { bytesReceived: 1_500, packetsReceived: 15 } };
    const second = stepCounters(first, withoutInbound);
    expect(second.delta?.bytesReceived).toBe(0);
    expect(second.last?.inbound).toEqual({ bytesReceived: 1_000, packetsReceived: 10 });
    expect(stepCounters(second.last, back).delta).toMatchObject({ bytesReceived: 500, packetsReceived: 5 });
  });

  it('does not carry old counters into a restarted group', () => {
    const prev: StatsSample = { ts: 0, inbound: { bytesReceived: 9_000, framesDropped: 7 } };
    const restarted: StatsSample = { ts: 1_000, inbound: { bytesReceived: 100 } };
    expect(carryForward(prev, restarted).inbound).toEqual({ bytesReceived: 100 });
  });
});
