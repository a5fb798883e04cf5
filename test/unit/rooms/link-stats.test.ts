import { describe, expect, it } from 'vitest';
import { linkQuality, readLinkStats, toStatsSample } from '../../../web/src/room/link-stats';

// The entries a Chromium getStats() report holds for one audio+video call link (webrtc-stats names, trimmed).
function report(overrides: { packetsSent?: number; packetsLost?: number; rtt?: number } = {}) {
  return [
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP0', type: 'candidate-pair', nominated: false, state: 'waiting', currentRoundTripTime: 0.9 },
    {
      id: 'CP1',
      type: 'candidate-pair',
      nominated: true,
      state: 'succeeded',
      localCandidateId: 'L1',
      remoteCandidateId: 'R1',
      currentRoundTripTime: overrides.rtt ?? 0.004,
      availableOutgoingBitrate: 2_500_000,
    },
    { id: 'L1', type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'prflx', protocol: 'udp' },
    {
      id: 'OV',
      type: 'outbound-rtp',
      kind: 'video',
      bytesSent: 900_000,
      packetsSent: overrides.packetsSent ?? 1_000,
      qualityLimitationReason: 'bandwidth',
      remoteId: 'RIV',
    },
    { id: 'RIV', type: 'remote-inbound-rtp', kind: 'video', packetsLost: overrides.packetsLost ?? 10, roundTripTime: 0.02 },
    { id: 'OA', type: 'outbound-rtp', kind: 'audio', bytesSent: 100_000, packetsSent: 500 },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      bytesReceived: 800_000,
      packetsReceived: 900,
      packetsLost: 3,
      jitter: 0.01,
      framesPerSecond: 29.5,
      frameWidth: 640,
      frameHeight: 360,
      framesDropped: 2,
      freezeCount: 0,
    },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', bytesReceived: 90_000, packetsReceived: 450, packetsLost: 1, jitter: 0.03 },
  ];
}

describe('reading a call link’s getStats() report', () => {
  it('takes RTT and candidate types from the selected candidate pair', () => {
    const reading = readLinkStats(report());
    expect(reading.rttMs).toBeCloseTo(4, 10);
    expect(reading.path).toEqual({ localCandidateType: 'host', remoteCandidateType: 'prflx', protocol: 'udp' });
    expect(reading.availableOutgoingBitrate).toBe(2_500_000);
  });

  it('pairs the video sender’s packets with the loss its receiver reported', () => {
    expect(readLinkStats(report()).sender).toEqual({ packetsSent: 1_000, packetsLost: 10 });
    const before = readLinkStats(report()).sender;
    const after = readLinkStats(report({ packetsSent: 2_000, packetsLost: 110 }));
    expect(linkQuality(before, after)).toEqual({ rttMs: 4, lossFraction: 0.1 });
  });

  it('sums audio and video counters and keeps the worse jitter', () => {
    const { inbound, outbound } = readLinkStats(report());
    expect(inbound).toMatchObject({ bytesReceived: 890_000, packetsReceived: 1_350, packetsLost: 4, jitterSeconds: 0.03, frameWidth: 640 });
    expect(outbound).toEqual({ bytesSent: 1_000_000, packetsSent: 1_500, qualityLimitationReason: 'bandwidth' });
  });

  it('falls back to the RTCP round-trip time before a pair is selected', () => {
    const entries = report().filter((entry) => entry.type !== 'transport' && entry.id !== 'CP1');
    expect(readLinkStats(entries).rttMs).toBeCloseTo(20, 10);
  });

  it('builds an ingest sample with the schema’s field names and units', () => {
    const sample = toStatsSample(1_700_000_000_000, 'peer_abc', 'connected', readLinkStats(report()), 812.4);
    expect(sample).toEqual({
      ts: 1_700_000_000_000,
      connection: {
        remotePeerId: 'peer_abc',
        state: 'connected',
        localCandidateType: 'host',
        remoteCandidateType: 'prflx',
        protocol: 'udp',
        currentRoundTripTime: 0.004,
        availableOutgoingBitrate: 2_500_000,
        setupMs: 812,
      },
      inbound: {
        bytesReceived: 890_000,
        packetsReceived: 1_350,
        packetsLost: 4,
        jitter: 0.03,
        framesPerSecond: 29.5,
        framesDropped: 2,
        freezeCount: 0,
        frameWidth: 640,
        frameHeight: 360,
      },
      outbound: { bytesSent: 1_000_000, packetsSent: 1_500, qualityLimitationReason: 'bandwidth' },
    });
  });
});
