// The input of the quality pipeline: what a player reports from RTCPeerConnection.getStats() plus its own P2P
// loader counters. Field names follow W3C webrtc-stats (https://www.w3.org/TR/webrtc-stats/) so a client can copy
// them across without renaming; counters are cumulative exactly as getStats() returns them, and times are in
// seconds as in webrtc-stats, except `ts` (epoch ms) and `setupMs`. Every group and field is optional because
// browsers differ in what they report. The API's zod schema mirrors these types; the const arrays below exist so
// it can build its enums from the same lists.

export const CONNECTION_STATES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** RTCIceCandidateType, in order of how much infrastructure the path crosses (see `candidatePathType`). */
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];

export const TRANSPORT_PROTOCOLS = ['udp', 'tcp'] as const;
export type TransportProtocol = (typeof TRANSPORT_PROTOCOLS)[number];

export const QUALITY_LIMITATION_REASONS = ['none', 'cpu', 'bandwidth', 'other'] as const;
export type QualityLimitationReason = (typeof QUALITY_LIMITATION_REASONS)[number];

/** Selected candidate pair and transport (webrtc-stats RTCIceCandidatePairStats / RTCTransportStats). */
export interface ConnectionStats {
  remotePeerId?: string;
  state?: ConnectionState;
  localCandidateType?: CandidateType;
  remoteCandidateType?: CandidateType;
  protocol?: TransportProtocol;
  currentRoundTripTime?: number; // s
  availableOutgoingBitrate?: number; // bit/s
  setupMs?: number; // ms the client measured from starting the connection to 'connected'
}

/** RTCInboundRtpStreamStats of the video being received. */
export interface InboundStats {
  bytesReceived?: number;
  packetsReceived?: number;
  packetsLost?: number;
  jitter?: number; // s
  framesPerSecond?: number;
  framesDropped?: number;
  freezeCount?: number;
  frameWidth?: number;
  frameHeight?: number;
}

/** RTCOutboundRtpStreamStats of what this peer sends. */
export interface OutboundStats {
  bytesSent?: number;
  packetsSent?: number;
  qualityLimitationReason?: QualityLimitationReason;
}

/** The player's P2P loader counters (cumulative since the player started), not part of webrtc-stats. */
export interface P2pStats {
  bytesFromPeers?: number;
  bytesFromHttp?: number;
  segmentsFromPeers?: number;
  segmentsFromHttp?: number;
  peersConnected?: number; // gauge
}

export interface StatsSample {
  ts: number; // epoch ms
  connection?: ConnectionStats;
  inbound?: InboundStats;
  outbound?: OutboundStats;
  p2p?: P2pStats;
}

export const CONNECTION_EVENT_TYPES = ['attempted', 'connected', 'failed', 'closed'] as const;
export type ConnectionEventType = (typeof CONNECTION_EVENT_TYPES)[number];

/** A peer connection lifecycle event, reported once per transition rather than sampled. */
export interface ConnectionEvent {
  ts: number; // epoch ms
  remotePeerId: string;
  type: ConnectionEventType;
  localCandidateType?: CandidateType;
  remoteCandidateType?: CandidateType;
  protocol?: TransportProtocol;
  setupMs?: number;
}
