// The read-only state the watch page exposes as `window.__vibestreamPlayer` for automated checks (the e2e tests
// and the offload benchmark read it instead of scraping the page; nothing in the page reads it back).

export interface PlayerCounters {
  httpBytes: number;
  p2pBytes: number;
  uploadedBytes: number;
  httpSegments: number;
  p2pSegments: number;
  verifiedSegments: number;
  /** Of those, the ones whose IPFS CID was recomputed and matched too. */
  cidVerifiedSegments: number;
  rejectedSegments: number;
  peersConnected: number;
  stalls: number;
}

export interface RejectedSegment {
  url: string;
  path: string | null;
  reason: 'unknown_segment' | 'size_mismatch' | 'hash_mismatch' | 'cid_mismatch';
  peerId: string | null;
}

export type SharingDecision = { upload: true } | { upload: false; reason: 'consume_only' | 'metered_network' | 'rate_cap' | 'session_cap' };

export interface PlayerProbe {
  videoId: string;
  counters: PlayerCounters;
  rejected: readonly RejectedSegment[];
  reportedPeers: string[];
  uploadDecision: SharingDecision | null;
  samplesAccepted: number;
  /** Heights of the ladder hls.js parsed from the master playlist, and the one playing now. */
  levelHeights: number[];
  currentLevelHeight: number | null;
  /** Remote peer ids with an open connection (one viewer has one per stream both play; the panel counts viewers). */
  connectedPeerIds: string[];
  ended: boolean;
}

declare global {
  interface Window {
    __vibestreamPlayer?: PlayerProbe;
  }
}
