// The P2P HLS player: hls.js for playback and adaptive bitrate, p2p-media-loader for fetching segments from
// other viewers over WebRTC DataChannels, with our WebTorrent tracker (one swarm per video) for signaling.
//
// Trust: every segment a peer sends is checked against the integrity manifest (size, SHA-256 and, once the
// video is on IPFS, its CID) before hls.js sees a byte. A mismatch makes p2p-media-loader drop the bytes and the
// connection to that peer, and the segment is fetched again (from another peer or the origin); we also report
// the peer to the tracker so it is not matched with anyone else (PeerTube's segment validator follows the same
// rule: distrust every peer).
//
// Offload: the library's defaults fetch everything within 15 s of the playhead over HTTP whenever an HTTP slot
// is free, which on a fast link means each viewer downloads its own first 15 s. We keep the HTTP window short,
// give the swarm a moment to answer before the very first segments fall back to HTTP, and let P2P look further
// ahead; see P2P_TUNING for the numbers and the bench for what they buy.
//
// The announce URL: paid and private videos' swarms need the viewer's playback token (`pt`, the tracker checks it
// when a socket opens), and every player adds a random report key (`rk`, seen only by the tracker) that lets the
// page report a peer the tracker paired it with (domain/swarm/peer-reports.ts). An open socket outlives its token;
// when the token is renewed, streams that join the swarm from then on announce with the new one (a newer socket
// of the same player keeps its peer ids because the report key is the same).
import Hls from 'hls.js';
import type { CoreEventMap, DynamicCoreConfig } from 'p2p-media-loader-core';
import { HlsJsP2PEngine, type HlsWithP2PInstance } from 'p2p-media-loader-hlsjs';
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { type ContentIdOf, SegmentIntegrity } from '../../../src/domain/playback/segment-integrity';
import {
  decideUpload,
  type NetworkHints,
  type SharingSettings,
  type UploadDecision,
  UploadMeter,
} from '../../../src/domain/playback/upload-policy';
import type { PlayerCounters, RejectedSegment } from '../../../src/shared/player-probe';
import { ConnectedViewers, newPlayerPeerIdPrefix } from './connection-stats';

/** p2p-media-loader settings that differ from its defaults, and why. */
export const P2P_TUNING = {
  // Segments closer than this to the playhead are urgent: fetched over HTTP when no peer has delivered them yet
  // (default 15 s). The hls.js buffer target follows it, so P2P prefetch does the looking ahead.
  highDemandTimeWindow: 6,
  // HTTP prefetch stays within this many seconds ahead (default 3000 s): beyond the urgent window the swarm
  // gets its chance first.
  httpDownloadTimeWindow: 6,
  // P2P looks much further ahead than HTTP, so segments arrive from peers before they become urgent.
  p2pDownloadTimeWindow: 60,
  // The first segments wait this long for a peer before falling back to HTTP (default 0): the tracker answers
  // and a loopback or same-metro DataChannel opens well within it, and the first viewer pays it only once.
  httpDownloadInitialTimeoutMs: 2000,
  // One HTTP download at a time (default 2), as hls.js itself loads: a free second HTTP slot would otherwise
  // take every urgent segment a peer was about to deliver.
  simultaneousHttpDownloads: 1,
  simultaneousP2PDownloads: 3,
  // A peer that stops sending mid-segment is given up after this long and the segment refetched (default 2 s).
  p2pNotReceivingBytesTimeoutMs: 1500,
} as const;

export interface P2PPlayerOptions {
  video: HTMLVideoElement;
  videoId: string;
  /** URL of master.m3u8. */
  masterUrl: string;
  /** URL manifest.json was fetched from, and the manifest itself. */
  manifestUrl: string;
  manifest: IntegrityManifest;
  /** The video's announce URL (ws/wss) without credentials: the player adds `rk` and, through `authorize`, `pt`. */
  trackerUrl: string;
  iceServers: RTCIceServer[];
  sharing: SharingSettings;
  network: NetworkHints;
  /**
   * Paid videos: sets the current playback token on a URL. The edge writes the token into every URI of the
   * playlists it serves (so hls.js and p2p-media-loader see one set of URLs and need no request hook), and
   * `masterUrl` must carry it already; this swaps in a renewed token on HTTP segment downloads, since the one
   * written into the playlist expires while a long video plays, and puts it on the tracker's announce URL.
   */
  authorize?: (url: URL) => void;
  contentIdOf?: ContentIdOf;
  /**
   * A peer whose segment failed verification (reported once per peer). `reportKey` is this player's key on the
   * announce URL: POST /tracker/{videoId}/reports needs it to show the tracker paired this player with the peer.
   */
  onBadPeer?: (peerId: string, rejected: RejectedSegment, reportKey: string) => void;
  onUploadDecision?: (decision: UploadDecision) => void;
}

export interface P2PPlayer {
  readonly hls: HlsWithP2PInstance<Hls>;
  readonly counters: Readonly<PlayerCounters>;
  readonly rejected: readonly RejectedSegment[];
  /** Peer ids with an open connection (one remote viewer may hold several, one per stream). */
  readonly peers: ReadonlySet<string>;
  setSharing(settings: SharingSettings): void;
  destroy(): void;
}

const UPLOAD_DECISION_INTERVAL_MS = 1000;
/** How often the announce URL is rebuilt with the current playback token (renewed every few minutes). */
const ANNOUNCE_URL_REFRESH_MS = 30_000;

/** 16 random bytes, base64url: the report key this player puts on its announce URL. */
function newReportKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function createP2PPlayer(options: P2PPlayerOptions): P2PPlayer {
  const integrity = new SegmentIntegrity(options.manifest, options.manifestUrl);
  const counters: PlayerCounters = {
    httpBytes: 0,
    p2pBytes: 0,
    uploadedBytes: 0,
    httpSegments: 0,
    p2pSegments: 0,
    verifiedSegments: 0,
    cidVerifiedSegments: 0,
    rejectedSegments: 0,
    peersConnected: 0,
    stalls: 0,
  };
  const rejected: RejectedSegment[] = [];
  // Verdicts by URL, so the segment error event (which knows the peer) can name what was wrong.
  const pendingRejections = new Map<string, RejectedSegment>();
  const reportedPeers = new Set<string>();
  const viewers = new ConnectedViewers();
  const reportKey = newReportKey();
  const announceUrl = () => {
    const url = new URL(options.trackerUrl);
    url.searchParams.set('rk', reportKey);
    options.authorize?.(url);
    return url.href;
  };
  let currentAnnounceUrl = announceUrl();
  const meter = new UploadMeter();
  let sharing = options.sharing;
  let uploadEnabled = decideUpload(sharing, options.network, meter, Date.now()).upload;

  const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
  const hls = new HlsWithP2P({
    // Adaptive bitrate across the ladder is hls.js's own; start from a conservative estimate.
    capLevelToPlayerSize: true,
    p2p: {
      core: {
        ...P2P_TUNING,
        announceTrackers: [currentAnnounceUrl],
        // Every peer id of this page starts with the same prefix, so other viewers can tell that the ids of our
        // streams are one viewer (connection-stats.ts ConnectedViewers).
        trackerClientVersionPrefix: newPlayerPeerIdPrefix(),
        rtcConfig: { iceServers: options.iceServers },
        // One swarm per video whatever host or token the playlist was fetched with: p2p-media-loader derives
        // each stream's swarm from this id plus the stream's type and index, and names segments by their index
        // in the playlist, so viewers whose URLs carry different playback tokens still share one swarm.
        swarmId: `vibestream:${options.videoId}`,
        isP2PUploadDisabled: !uploadEnabled,
        validateP2PSegment: async (url, _byteRange, data) => {
          const verdict = await integrity.verify(url, new Uint8Array(data), options.contentIdOf);
          if (verdict.ok) {
            counters.verifiedSegments += 1;
            if (verdict.cidChecked) counters.cidVerifiedSegments += 1;
            return true;
          }
          counters.rejectedSegments += 1;
          pendingRejections.set(url, { url, path: verdict.path, reason: verdict.reason, peerId: null });
          return false;
        },
        // Once the video is on IPFS the origin's bytes are checked too (R2, the edge cache or an IPFS gateway
        // could serve a wrong file): a mismatch is counted, recorded and refetched by p2p-media-loader.
        validateHTTPSegment: options.contentIdOf
          ? async (url, _byteRange, data) => {
              const verdict = await integrity.verify(url, new Uint8Array(data), options.contentIdOf);
              if (verdict.ok) {
                counters.verifiedSegments += 1;
                if (verdict.cidChecked) counters.cidVerifiedSegments += 1;
                return true;
              }
              counters.rejectedSegments += 1;
              rejected.push({ url, path: verdict.path, reason: verdict.reason, peerId: null });
              console.warn(`segment from the origin failed its ${verdict.reason}; fetching it again`, url);
              return false;
            }
          : undefined,
        httpRequestSetup: options.authorize
          ? async (segmentUrl, _range, signal, requestByteRange) => {
              const target = new URL(segmentUrl);
              options.authorize?.(target);
              const headers = new Headers();
              if (requestByteRange) {
                headers.set('Range', `bytes=${requestByteRange.start}-${requestByteRange.end ?? ''}`);
              }
              return new Request(target, { headers, signal });
            }
          : undefined,
      },
    },
  });

  const engine = hls.p2pEngine;
  const on = <K extends keyof CoreEventMap>(name: K, listener: CoreEventMap[K]) => engine.addEventListener(name, listener);
  on('onChunkDownloaded', (bytes, source) => {
    if (source === 'p2p') counters.p2pBytes += bytes;
    else counters.httpBytes += bytes;
  });
  on('onChunkUploaded', (bytes) => {
    counters.uploadedBytes += bytes;
    meter.record(bytes, Date.now());
  });
  on('onSegmentLoaded', ({ downloadSource }) => {
    if (downloadSource === 'p2p') counters.p2pSegments += 1;
    else counters.httpSegments += 1;
  });
  on('onSegmentError', ({ error, segment, peerId }) => {
    if (error.type !== 'p2p-segment-validation-failed') return;
    const entry = pendingRejections.get(segment.url) ?? { url: segment.url, path: null, reason: 'hash_mismatch' as const, peerId: null };
    pendingRejections.delete(segment.url);
    entry.peerId = peerId ?? null;
    rejected.push(entry);
    if (peerId && !reportedPeers.has(peerId)) {
      reportedPeers.add(peerId);
      options.onBadPeer?.(peerId, entry, reportKey);
    }
  });
  // The panel counts remote viewers, not connections: one viewer is connected once per stream both play.
  on('onPeerConnect', ({ peerId }) => {
    viewers.connect(peerId);
    counters.peersConnected = viewers.count;
  });
  on('onPeerClose', ({ peerId }) => {
    viewers.close(peerId);
    counters.peersConnected = viewers.count;
  });

  // A stall is the playhead waiting for data after playback started (not the initial load or a seek).
  let started = false;
  options.video.addEventListener('playing', () => {
    started = true;
  });
  options.video.addEventListener('waiting', () => {
    if (started && !options.video.seeking) counters.stalls += 1;
  });

  const applyUploadDecision = () => {
    const decision = decideUpload(sharing, options.network, meter, Date.now());
    if (decision.upload !== uploadEnabled) {
      uploadEnabled = decision.upload;
      engine.applyDynamicConfig({ core: { isP2PUploadDisabled: !decision.upload } });
    }
    options.onUploadDecision?.(decision);
  };
  const timer = window.setInterval(applyUploadDecision, UPLOAD_DECISION_INTERVAL_MS);
  applyUploadDecision();

  // Streams created from now on announce with the renewed token; open sockets keep theirs. `announceTrackers` is
  // not among p2p-media-loader's documented dynamic settings, but its core applies the update to the stream
  // config new stream loaders read, which is what is wanted here (sockets already open are left alone).
  const announceTimer = options.authorize
    ? window.setInterval(() => {
        const next = announceUrl();
        if (next === currentAnnounceUrl) return;
        currentAnnounceUrl = next;
        engine.applyDynamicConfig({ core: { announceTrackers: [next] } as DynamicCoreConfig });
      }, ANNOUNCE_URL_REFRESH_MS)
    : undefined;

  hls.attachMedia(options.video);
  hls.loadSource(options.masterUrl);

  return {
    hls,
    counters,
    rejected,
    get peers() {
      return viewers.peerIds;
    },
    setSharing(settings) {
      sharing = settings;
      applyUploadDecision();
    },
    destroy() {
      window.clearInterval(timer);
      window.clearInterval(announceTimer);
      hls.destroy();
    },
  };
}
