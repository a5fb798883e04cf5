// Reports the player's WebRTC quality to the analytics ingest (README "P2P analytics"): every few seconds one
// sample per peer connection (selected candidate pair: RTT, candidate types, protocol, bytes) plus one sample of
// the P2P loader's counters, posted with the session's ingest token.
//
// p2p-media-loader does not expose its RTCPeerConnections, so the page registers every connection it creates
// by wrapping the constructor before the player starts (`trackPeerConnections`); that is how WebRTC monitoring
// SDKs observe connections they do not own.
import type { StatsSample } from '../../../src/domain/quality/types';

const SAMPLE_INTERVAL_MS = 5000;
const MAX_SAMPLES_PER_POST = 200;

const tracked = new Map<RTCPeerConnection, string>();
let trackingInstalled = false;

/** Registers every RTCPeerConnection the page creates from now on (call once, before the player starts). */
export function trackPeerConnections(): void {
  if (trackingInstalled) return;
  trackingInstalled = true;
  const Native = window.RTCPeerConnection;
  let next = 0;
  const Tracked = function (this: unknown, ...args: ConstructorParameters<typeof RTCPeerConnection>) {
    const connection = new Native(...args);
    next += 1;
    tracked.set(connection, `pc${next}`);
    connection.addEventListener('connectionstatechange', () => {
      if (connection.connectionState === 'closed') tracked.delete(connection);
    });
    return connection;
  } as unknown as typeof RTCPeerConnection;
  Tracked.prototype = Native.prototype;
  Object.setPrototypeOf(Tracked, Native);
  window.RTCPeerConnection = Tracked;
}

export function trackedConnections(): RTCPeerConnection[] {
  return [...tracked.keys()];
}

type Stat = Record<string, unknown> & { type: string; id: string };
const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const candidateTypes = new Set(['host', 'srflx', 'prflx', 'relay']);
const states = new Set(['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed']);

/** The selected candidate pair of one connection as an ingest sample (W3C webrtc-stats names). */
export async function connectionSample(connection: RTCPeerConnection, label: string, ts: number): Promise<StatsSample | null> {
  const report = await connection.getStats();
  const stats = new Map<string, Stat>();
  report.forEach((value: Stat) => {
    stats.set(value.id, value);
  });
  const transport = [...stats.values()].find((stat) => stat.type === 'transport');
  const pairId = transport?.selectedCandidatePairId as string | undefined;
  const pair = (pairId ? stats.get(pairId) : undefined) ?? [...stats.values()].find((s) => s.type === 'candidate-pair' && s.nominated);
  const state = connection.connectionState;
  if (!pair && !states.has(state)) return null;
  const local = pair ? stats.get(pair.localCandidateId as string) : undefined;
  const remote = pair ? stats.get(pair.remoteCandidateId as string) : undefined;
  const candidateType = (candidate: Stat | undefined) =>
    candidateTypes.has(candidate?.candidateType as string) ? (candidate?.candidateType as 'host') : undefined;
  const protocol = local?.protocol === 'udp' || local?.protocol === 'tcp' ? local.protocol : undefined;
  return {
    ts,
    connection: {
      remotePeerId: label,
      state: states.has(state) ? (state as 'connected') : undefined,
      localCandidateType: candidateType(local),
      remoteCandidateType: candidateType(remote),
      protocol,
      currentRoundTripTime: asNumber(pair?.currentRoundTripTime),
      availableOutgoingBitrate: asNumber(pair?.availableOutgoingBitrate),
    },
    inbound: { bytesReceived: asNumber(pair?.bytesReceived) },
    outbound: { bytesSent: asNumber(pair?.bytesSent) },
  };
}

export interface IngestSession {
  token: string;
  sessionId: string;
  peerId: string;
  videoId: string;
}

export interface P2PCounters {
  p2pBytes: number;
  httpBytes: number;
  p2pSegments: number;
  httpSegments: number;
  peersConnected: number;
}

/** Samples every SAMPLE_INTERVAL_MS and posts them; returns a function that stops (flushing once more). */
export function startStatsReporter(session: IngestSession, counters: () => P2PCounters, onPosted?: (accepted: number) => void): () => void {
  const pending: StatsSample[] = [];
  const sample = async () => {
    const ts = Date.now();
    const player = counters();
    pending.push({
      ts,
      p2p: {
        bytesFromPeers: player.p2pBytes,
        bytesFromHttp: player.httpBytes,
        segmentsFromPeers: player.p2pSegments,
        segmentsFromHttp: player.httpSegments,
        peersConnected: player.peersConnected,
      },
    });
    for (const [connection, label] of tracked) {
      const taken = await connectionSample(connection, label, ts).catch(() => null);
      if (taken) pending.push(taken);
    }
  };
  const post = async () => {
    const batch = pending.splice(0, MAX_SAMPLES_PER_POST);
    if (batch.length === 0) return;
    const response = await fetch('/api/v1/analytics/samples', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ sessionId: session.sessionId, peerId: session.peerId, videoId: session.videoId, samples: batch }),
      keepalive: true,
    }).catch(() => null);
    if (response?.ok) onPosted?.(((await response.json()) as { acceptedSamples: number }).acceptedSamples);
    // A failed post is dropped rather than retried: quality samples are only useful while fresh.
  };
  const tick = async () => {
    await sample();
    await post();
  };
  const timer = window.setInterval(() => void tick(), SAMPLE_INTERVAL_MS);
  return () => {
    window.clearInterval(timer);
    void tick();
  };
}
