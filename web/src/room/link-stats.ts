// Reading one RTCPeerConnection's getStats() report (W3C webrtc-stats) into the two things the room page needs:
// the link quality that drives bitrate adaptation, and the analytics sample posted to the ingest API
// (field names as in src/workers/analytics/schemas.ts). No DOM or network here: it takes the report as a
// plain iterable of stats objects, so it can be tested with recorded reports.
import { type LinkQuality, lossFractionBetween } from '../../../src/domain/rooms/bitrate-adaptation';

type StatsEntry = Record<string, unknown> & { type: string; id: string };

export interface CandidatePath {
  localCandidateType?: 'host' | 'srflx' | 'prflx' | 'relay';
  remoteCandidateType?: 'host' | 'srflx' | 'prflx' | 'relay';
  protocol?: 'udp' | 'tcp';
}

/** Cumulative counters of this side's video sender and the loss the receiver reported for it. */
export interface SenderCounters {
  packetsSent: number;
  packetsLost: number;
}

export interface LinkReading {
  /** Round-trip time of the selected candidate pair (STUN consent checks), or of RTCP when that is missing. */
  rttMs: number | null;
  sender: SenderCounters | null;
  path: CandidatePath;
  availableOutgoingBitrate: number | null;
  inbound: {
    bytesReceived: number;
    packetsReceived: number;
    packetsLost: number;
    jitterSeconds: number | null;
    framesPerSecond: number | null;
    framesDropped: number | null;
    freezeCount: number | null;
    frameWidth: number | null;
    frameHeight: number | null;
  } | null;
  outbound: { bytesSent: number; packetsSent: number; qualityLimitationReason: string | null } | null;
}

const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const worse = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

function candidateType(entry: StatsEntry | undefined): CandidatePath['localCandidateType'] {
  const type = entry?.candidateType;
  return typeof type === 'string' && CANDIDATE_TYPES.has(type) ? (type as CandidatePath['localCandidateType']) : undefined;
}

function selectedPair(byId: Map<string, StatsEntry>): StatsEntry | undefined {
  for (const entry of byId.values()) {
    if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') {
      const pair = byId.get(entry.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  // Older reports have no selectedCandidatePairId: the nominated, succeeded pair is the one in use.
  for (const entry of byId.values()) {
    if (entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded') return entry;
  }
  return undefined;
}

export function readLinkStats(report: Iterable<StatsEntry>): LinkReading {
  const byId = new Map<string, StatsEntry>();
  for (const entry of report) byId.set(entry.id, entry);

  const pair = selectedPair(byId);
  const localCandidate = typeof pair?.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const remoteCandidate = typeof pair?.remoteCandidateId === 'string' ? byId.get(pair.remoteCandidateId) : undefined;
  const protocol = localCandidate?.protocol;
  const path: CandidatePath = {
    ...(candidateType(localCandidate) ? { localCandidateType: candidateType(localCandidate) } : {}),
    ...(candidateType(remoteCandidate) ? { remoteCandidateType: candidateType(remoteCandidate) } : {}),
    ...(protocol === 'udp' || protocol === 'tcp' ? { protocol } : {}),
  };

  let pairRttSeconds = num(pair?.currentRoundTripTime);
  let rtcpRttSeconds: number | null = null;
  let sender: SenderCounters | null = null;
  const outbound = { seen: false, bytesSent: 0, packetsSent: 0, qualityLimitationReason: null as string | null };
  const inbound = {
    seen: false,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    jitterSeconds: null as number | null,
    framesPerSecond: null as number | null,
    framesDropped: null as number | null,
    freezeCount: null as number | null,
    frameWidth: null as number | null,
    frameHeight: null as number | null,
  };

  for (const entry of byId.values()) {
    if (entry.type === 'outbound-rtp') {
      outbound.seen = true;
      outbound.bytesSent += num(entry.bytesSent) ?? 0;
      outbound.packetsSent += num(entry.packetsSent) ?? 0;
      if (entry.kind !== 'video') continue;
      if (typeof entry.qualityLimitationReason === 'string') outbound.qualityLimitationReason = entry.qualityLimitationReason;
      // The receiver's reports about this stream (RTCP RR) carry its loss and an RTCP round-trip time.
      const remote = typeof entry.remoteId === 'string' ? byId.get(entry.remoteId) : undefined;
      if (remote) {
        sender = { packetsSent: num(entry.packetsSent) ?? 0, packetsLost: num(remote.packetsLost) ?? 0 };
        rtcpRttSeconds = num(remote.roundTripTime) ?? rtcpRttSeconds;
      }
    } else if (entry.type === 'inbound-rtp') {
      inbound.seen = true;
      inbound.bytesReceived += num(entry.bytesReceived) ?? 0;
      inbound.packetsReceived += num(entry.packetsReceived) ?? 0;
      inbound.packetsLost += num(entry.packetsLost) ?? 0;
      // The worse of the streams' jitter: the quality score treats jitter as delay the call has to live with.
      inbound.jitterSeconds = worse(inbound.jitterSeconds, num(entry.jitter));
      if (entry.kind !== 'video') continue;
      inbound.framesPerSecond = num(entry.framesPerSecond);
      inbound.framesDropped = num(entry.framesDropped);
      inbound.freezeCount = num(entry.freezeCount);
      inbound.frameWidth = num(entry.frameWidth);
      inbound.frameHeight = num(entry.frameHeight);
    }
  }
  pairRttSeconds ??= rtcpRttSeconds;
  const { seen: inboundSeen, ...inboundTotals } = inbound;
  const { seen: outboundSeen, ...outboundTotals } = outbound;

  return {
    rttMs: pairRttSeconds === null ? null : pairRttSeconds * 1000,
    sender,
    path,
    availableOutgoingBitrate: num(pair?.availableOutgoingBitrate),
    inbound: inboundSeen ? inboundTotals : null,
    outbound: outboundSeen ? outboundTotals : null,
  };
}

/** Link quality for bitrate adaptation: loss since the previous reading of the same connection. */
export function linkQuality(previous: SenderCounters | null, reading: LinkReading): LinkQuality {
  return {
    rttMs: reading.rttMs,
    lossFraction: reading.sender ? lossFractionBetween(previous, reading.sender) : null,
  };
}

/** A sample for POST /api/v1/analytics/samples (integers where the schema wants counters). */
export interface StatsSampleBody {
  ts: number;
  connection: {
    remotePeerId: string;
    state?: RTCPeerConnectionState;
    localCandidateType?: CandidatePath['localCandidateType'];
    remoteCandidateType?: CandidatePath['remoteCandidateType'];
    protocol?: 'udp' | 'tcp';
    currentRoundTripTime?: number;
    availableOutgoingBitrate?: number;
    setupMs?: number;
  };
  inbound?: Record<string, number>;
  outbound?: { bytesSent: number; packetsSent: number; qualityLimitationReason?: 'none' | 'cpu' | 'bandwidth' | 'other' };
}

const QUALITY_LIMITATION = new Set(['none', 'cpu', 'bandwidth', 'other']);
const int = (value: number) => Math.max(0, Math.round(value));

export function toStatsSample(
  ts: number,
  remotePeerId: string,
  state: RTCPeerConnectionState,
  reading: LinkReading,
  setupMs: number | null,
): StatsSampleBody {
  const connection: StatsSampleBody['connection'] = { remotePeerId, state, ...reading.path };
  if (reading.rttMs !== null) connection.currentRoundTripTime = Math.min(3600, reading.rttMs / 1000);
  if (reading.availableOutgoingBitrate !== null) connection.availableOutgoingBitrate = Math.min(1e11, reading.availableOutgoingBitrate);
  if (setupMs !== null) connection.setupMs = Math.min(600_000, Math.round(setupMs));
  const sample: StatsSampleBody = { ts, connection };
  if (reading.inbound) {
    const inbound: Record<string, number> = {
      bytesReceived: int(reading.inbound.bytesReceived),
      packetsReceived: int(reading.inbound.packetsReceived),
      packetsLost: Math.round(reading.inbound.packetsLost),
    };
    const { jitterSeconds, framesPerSecond, framesDropped, freezeCount, frameWidth, frameHeight } = reading.inbound;
    if (jitterSeconds !== null) inbound.jitter = Math.min(3600, jitterSeconds);
    if (framesPerSecond !== null) inbound.framesPerSecond = Math.min(1000, framesPerSecond);
    if (framesDropped !== null) inbound.framesDropped = int(framesDropped);
    if (freezeCount !== null) inbound.freezeCount = int(freezeCount);
    if (frameWidth !== null) inbound.frameWidth = Math.min(16_384, int(frameWidth));
    if (frameHeight !== null) inbound.frameHeight = Math.min(16_384, int(frameHeight));
    sample.inbound = inbound;
  }
  if (reading.outbound) {
    const reason = reading.outbound.qualityLimitationReason;
    sample.outbound = {
      bytesSent: int(reading.outbound.bytesSent),
      packetsSent: int(reading.outbound.packetsSent),
      ...(reason && QUALITY_LIMITATION.has(reason) ? { qualityLimitationReason: reason as 'none' | 'cpu' | 'bandwidth' | 'other' } : {}),
    };
  }
  return sample;
}
