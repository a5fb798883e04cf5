// The watch page's WebRTC readings for the analytics ingest (README "P2P analytics"): one sample per peer
// connection (selected candidate pair: RTT, candidate types, protocol, bytes) and one of the P2P loader's
// counters, taken every few seconds and handed to the shared reporter (../ingest/stats-reporter.ts).
//
// p2p-media-loader does not expose its RTCPeerConnections, so the page registers every connection it creates
// by wrapping the constructor before the player starts (`trackPeerConnections`); that is how WebRTC monitoring
// SDKs observe connections they do not own.
import type { StatsSample } from '../../../src/domain/quality/types';

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

// One remote viewer, several peer connections: p2p-media-loader keeps one swarm per stream (an info hash per
// playlist), each with its own peer id per player (PEER_ID_BY_INFO_HASH in its tracker client) and its own
// connections, so after an ABR level switch one other viewer is connected twice under two ids. Our players start
// every peer id with the same per-page prefix (p2p-player.ts `trackerClientVersionPrefix`), which is what lets the
// panel count viewers rather than connections. Other clients' ids count one each.

/** `-VS1-` and ten random characters: the first fifteen of every peer id one VibeStream player announces. */
export const PLAYER_PEER_ID_PREFIX_LENGTH = 15;
const PLAYER_PEER_ID_MARK = '-VS1-';
const PEER_ID_LENGTH = 20;
const PREFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh per-page peer id prefix (p2p-media-loader fills the remaining five characters per stream). */
export function newPlayerPeerIdPrefix(): string {
  const random = crypto.getRandomValues(new Uint8Array(PLAYER_PEER_ID_PREFIX_LENGTH - PLAYER_PEER_ID_MARK.length));
  return PLAYER_PEER_ID_MARK + [...random].map((byte) => PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length]).join('');
}

/** The remote viewer a peer id belongs to: its player prefix, or the id itself for other clients. */
export function viewerOfPeer(peerId: string): string {
  return peerId.length === PEER_ID_LENGTH && peerId.startsWith(PLAYER_PEER_ID_MARK)
    ? peerId.slice(0, PLAYER_PEER_ID_PREFIX_LENGTH)
    : peerId;
}

/** Open peer connections by peer id, counted as distinct remote viewers. */
export class ConnectedViewers {
  private readonly viewerByPeer = new Map<string, string>();

  connect(peerId: string): void {
    this.viewerByPeer.set(peerId, viewerOfPeer(peerId));
  }

  close(peerId: string): void {
    this.viewerByPeer.delete(peerId);
  }

  /** Distinct viewers with at least one open connection. */
  get count(): number {
    return new Set(this.viewerByPeer.values()).size;
  }

  get peerIds(): ReadonlySet<string> {
    return new Set(this.viewerByPeer.keys());
  }
}

export interface P2PCounters {
  p2pBytes: number;
  httpBytes: number;
  p2pSegments: number;
  httpSegments: number;
  peersConnected: number;
}

/** One reading: the loader's counters, then every tracked connection's selected pair. */
export async function playerSamples(counters: P2PCounters, ts = Date.now()): Promise<StatsSample[]> {
  const samples: StatsSample[] = [
    {
      ts,
      p2p: {
        bytesFromPeers: counters.p2pBytes,
        bytesFromHttp: counters.httpBytes,
        segmentsFromPeers: counters.p2pSegments,
        segmentsFromHttp: counters.httpSegments,
        peersConnected: counters.peersConnected,
      },
    },
  ];
  for (const [connection, label] of tracked) {
    const taken = await connectionSample(connection, label, ts).catch(() => null);
    if (taken) samples.push(taken);
  }
  return samples;
}
