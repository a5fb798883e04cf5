import { describe, expect, it } from 'vitest';
import {
  type CandidateType,
  type ConnectionEvent,
  candidateMix,
  candidatePathType,
  connectionOutcomes,
  connectionSuccessRate,
  detectStalls,
  isRelayOnly,
  offloadRatio,
  type StatsSample,
  setupTimeStats,
  summarizeConnections,
} from '../../../src/domain/quality';

function pair(ts: number, local: CandidateType, remote: CandidateType, state: 'connected' | 'connecting' = 'connected'): StatsSample {
  return { ts, connection: { remotePeerId: 'peer-a', state, localCandidateType: local, remoteCandidateType: remote } };
}

describe('candidate pairs', () => {
  it('types a pair by its less direct side', () => {
    expect(candidatePathType('host', 'host')).toBe('host');
    expect(candidatePathType('host', 'srflx')).toBe('srflx');
    expect(candidatePathType('prflx', 'srflx')).toBe('prflx');
    expect(candidatePathType('relay', 'host')).toBe('relay');
    expect(candidatePathType(undefined, 'srflx')).toBe('srflx');
    expect(candidatePathType()).toBeNull();
  });

  it('detects a connection that only ever went through TURN', () => {
    const relayed = [pair(0, 'relay', 'host'), pair(1_000, 'srflx', 'relay'), pair(2_000, 'relay', 'relay')];
    expect(isRelayOnly(relayed)).toBe(true);
    // A direct pair seen while still connecting does not count: only connected samples do.
    expect(isRelayOnly([pair(-1_000, 'host', 'host', 'connecting'), ...relayed])).toBe(true);
    expect(isRelayOnly([...relayed, pair(3_000, 'srflx', 'srflx')])).toBe(false);
    expect(isRelayOnly([pair(0, 'relay', 'relay', 'connecting')])).toBe(false);
    expect(isRelayOnly([{ ts: 0, connection: { state: 'connected' } }])).toBe(false);
  });

  it('counts connected samples by pair type', () => {
    const samples = [pair(0, 'host', 'host'), pair(1, 'host', 'srflx'), pair(2, 'relay', 'srflx'), pair(3, 'relay', 'host', 'connecting')];
    expect(candidateMix(samples)).toEqual({ host: 1, srflx: 1, prflx: 0, relay: 1 });
  });
});

describe('offload ratio', () => {
  it('is the peer share of bytes, and undefined when nothing was downloaded', () => {
    expect(offloadRatio(3_000, 1_000)).toBe(0.75);
    expect(offloadRatio(0, 5_000)).toBe(0);
    expect(offloadRatio(0, 0)).toBeNull();
  });
});

describe('setup time', () => {
  it('summarises setup times with nearest-rank percentiles', () => {
    // sorted 100, 200, 300, 400, 1000: p50 = ⌈2.5⌉ = 3rd = 300, p95 = ⌈4.75⌉ = 5th = 1000, mean = 2000 / 5 = 400
    expect(setupTimeStats([400, 100, 1_000, 300, 200])).toEqual({
      count: 5,
      minMs: 100,
      meanMs: 400,
      p50Ms: 300,
      p95Ms: 1_000,
      maxMs: 1_000,
    });
    expect(setupTimeStats([])).toBeNull();
  });
});

describe('stall detection', () => {
  const connected = { remotePeerId: 'peer-a', state: 'connected' } as const;

  it('reports every interval in which the freeze count went up', () => {
    const samples: StatsSample[] = [
      { ts: 0, connection: connected, inbound: { freezeCount: 0 } },
      { ts: 1_000, connection: connected, inbound: { freezeCount: 2 } },
      { ts: 2_000, connection: connected, inbound: { freezeCount: 2 } },
    ];
    expect(detectStalls(samples)).toEqual([{ remotePeerId: 'peer-a', reason: 'freeze', startTs: 0, endTs: 1_000, freezes: 2 }]);
  });

  it('reports frame rate falling to zero after video flowed, but not a slow start', () => {
    const fps = [0, 0, 30, 29, 0.2, 0, 24];
    const samples = fps.map((framesPerSecond, i): StatsSample => ({ ts: i * 1_000, connection: connected, inbound: { framesPerSecond } }));
    expect(detectStalls(samples)).toEqual([{ remotePeerId: 'peer-a', reason: 'zero-fps', startTs: 4_000, endTs: 6_000 }]);
  });

  it('reports a connected peer that sends no bytes for the threshold, until bytes move again', () => {
    const bytes = [1_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 9_000];
    const samples = bytes.map((bytesReceived, i): StatsSample => ({ ts: i * 1_000, connection: connected, inbound: { bytesReceived } }));
    // Last progress at 1 s; silent through 6 s (5 s of silence); bytes move again at 8 s.
    expect(detectStalls(samples)).toEqual([{ remotePeerId: 'peer-a', reason: 'no-bytes', startTs: 1_000, endTs: 8_000 }]);
    expect(detectStalls(samples, { silenceThresholdMs: 10_000 })).toEqual([]);
    // Still silent at the last sample: the stall is open.
    expect(detectStalls(samples.slice(0, 8))[0]?.endTs).toBeNull();
  });

  it('does not count silence while disconnected', () => {
    const samples: StatsSample[] = [
      { ts: 0, connection: connected, inbound: { bytesReceived: 1_000 } },
      { ts: 1_000, connection: { remotePeerId: 'peer-a', state: 'disconnected' }, inbound: { bytesReceived: 1_000 } },
      { ts: 9_000, connection: { remotePeerId: 'peer-a', state: 'disconnected' }, inbound: { bytesReceived: 1_000 } },
    ];
    expect(detectStalls(samples)).toEqual([]);
  });
});

describe('connection summaries', () => {
  it('summarises each remote peer and drops duplicate samples', () => {
    const samples: StatsSample[] = [
      {
        ts: 0,
        connection: { remotePeerId: 'a', state: 'connected', localCandidateType: 'host', remoteCandidateType: 'srflx', setupMs: 420 },
      },
      { ts: 0, connection: { remotePeerId: 'b', state: 'connected', localCandidateType: 'relay', remoteCandidateType: 'host' } },
      { ts: 1_000, connection: { remotePeerId: 'a', state: 'connected', localCandidateType: 'host', remoteCandidateType: 'srflx' } },
      { ts: 1_000, connection: { remotePeerId: 'a', state: 'connected', localCandidateType: 'host', remoteCandidateType: 'srflx' } },
      { ts: 2_000, connection: { remotePeerId: 'b', state: 'connected', localCandidateType: 'relay', remoteCandidateType: 'host' } },
    ];
    const [a, b] = summarizeConnections(samples);
    expect(a).toMatchObject({
      remotePeerId: 'a',
      samples: 2,
      connectedSamples: 2,
      relayOnly: false,
      setupMs: 420,
      firstTs: 0,
      lastTs: 1_000,
    });
    expect(a?.candidateMix).toEqual({ host: 0, srflx: 2, prflx: 0, relay: 0 });
    expect(b).toMatchObject({ remotePeerId: 'b', samples: 2, relayOnly: true, setupMs: null });
  });
});

describe('connection success rate', () => {
  const event = (ts: number, remotePeerId: string, type: ConnectionEvent['type']): ConnectionEvent => ({ ts, remotePeerId, type });

  it('counts finished attempts only, leaving pending ones out', () => {
    const events = [
      event(0, 'a', 'attempted'),
      event(0, 'b', 'attempted'),
      event(0, 'c', 'attempted'),
      event(800, 'a', 'connected'),
      event(5_000, 'b', 'failed'),
      // c is still gathering candidates when the batch ends
    ];
    expect(connectionSuccessRate(events)).toBe(0.5); // 1 connected / (1 connected + 1 failed)
    expect(connectionOutcomes(events)).toEqual({ attempts: 3, connected: 1, failed: 1, dropped: 0, abandoned: 0, pending: 1 });
  });

  it('is null when no attempt has finished', () => {
    expect(connectionSuccessRate([event(0, 'a', 'attempted')])).toBeNull();
    expect(connectionSuccessRate([])).toBeNull();
  });

  it('separates drops, abandoned attempts, reconnects and repeated reports from setup outcomes', () => {
    const events = [
      event(0, 'a', 'attempted'),
      event(500, 'a', 'connected'),
      event(500, 'a', 'connected'), // the same report sent twice
      event(9_000, 'a', 'connected'), // ICE came back after a blip: the same connection
      event(20_000, 'a', 'failed'), // an established connection dropping is not a failure to connect
      event(0, 'b', 'attempted'),
      event(300, 'b', 'closed'), // the viewer left mid-handshake
      event(1_000, 'c', 'failed'), // its 'attempted' was in an earlier batch
    ];
    expect(connectionOutcomes(events)).toEqual({ attempts: 2, connected: 1, failed: 1, dropped: 1, abandoned: 1, pending: 0 });
    expect(connectionSuccessRate(events)).toBe(0.5);
  });
});
