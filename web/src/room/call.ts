// A mesh call in one room: local camera and microphone, the room's signaling socket, one PeerLink per remote
// peer, per-link bitrate adaptation and stats reporting. The page (pages/room.ts) renders what this reports
// through `onChange` and never touches RTCPeerConnections itself.
//
// Order matters on start: getUserMedia first, then the socket. Chromium exposes real host ICE candidates only
// to a page holding camera/microphone permission, and an offer made before the tracks exist would need a
// renegotiation; waiting for the media before joining avoids both.
import {
  type AdaptationState,
  adaptBitrate,
  BITRATE_LADDER,
  type EncodingLevel,
  initialAdaptation,
} from '../../../src/domain/rooms/bitrate-adaptation';
import type { PeerInfo, ServerMessage, SignalData } from '../../../src/shared/room-protocol';
import { apiRequest } from '../api';
import { StatsReporter } from '../ingest/stats-reporter';
import { linkQuality, readLinkStats, type SenderCounters, type StatsSampleBody, toStatsSample } from './link-stats';
import { type LinkRole, PeerLink } from './peer-link';
import { RoomSignaling, type RoomToken, type SignalingEndReason } from './signaling';

/** How often each link's stats are read: drives bitrate adaptation and the analytics samples. */
const STATS_INTERVAL_MS = 2_000;

export type CallStatus = 'starting' | 'connecting' | 'joined' | 'reconnecting' | 'ended';

export interface RemotePeerView {
  peerId: string;
  displayName: string | null;
  role: LinkRole | null;
  connectionState: RTCPeerConnectionState | 'none';
  iceConnectionState: RTCIceConnectionState | 'none';
  /** Last measured round-trip time of the selected candidate pair. */
  rttMs: number | null;
  lossFraction: number | null;
  /** Index into BITRATE_LADDER (0 = best) and what it means for this link's video sender. */
  level: number;
  maxBitrateBps: number;
  scaleResolutionDownBy: number;
  /** From the link's creation to `connected`, ms. */
  setupMs: number | null;
  stream: MediaStream | null;
}

export interface CallView {
  roomId: string;
  status: CallStatus;
  selfPeerId: string | null;
  endReason: SignalingEndReason | 'media_error' | null;
  /** A sentence for the user when something went wrong (room full, lost connection, no camera…). */
  problem: string | null;
  localStream: MediaStream | null;
  /** Everyone else in the room, in the order they were seen. */
  peers: RemotePeerView[];
  reconnects: number;
  /** True when the last `welcome` resumed a held seat. */
  resumed: boolean;
}

interface LinkEntry {
  link: PeerLink;
  adaptation: AdaptationState;
  appliedLevel: number | null;
  lastSender: SenderCounters | null;
  rttMs: number | null;
  lossFraction: number | null;
  stream: MediaStream | null;
  reportedConnected: boolean;
}

interface IceServersAnswer {
  iceServers: RTCIceServer[];
}

export interface CallOptions {
  roomId: string;
  displayName?: string;
  onChange(view: CallView): void;
}

export class RoomCall {
  readonly #roomId: string;
  readonly #onChange: (view: CallView) => void;
  readonly #signaling: RoomSignaling;
  readonly #reporter: StatsReporter<StatsSampleBody>;
  readonly #presence = new Map<string, PeerInfo>();
  readonly #links = new Map<string, LinkEntry>();
  #status: CallStatus = 'starting';
  #endReason: CallView['endReason'] = null;
  #problem: string | null = null;
  #localStream: MediaStream | null = null;
  #iceServers: RTCIceServer[] = [];
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #reconnects = 0;
  #resumed = false;
  #selfPeerId: string | null = null;

  constructor(options: CallOptions) {
    this.#roomId = options.roomId;
    this.#onChange = options.onChange;
    this.#reporter = new StatsReporter<StatsSampleBody>({ roomId: options.roomId });
    this.#signaling = new RoomSignaling(
      {
        roomId: options.roomId,
        ...(options.displayName ? { displayName: options.displayName } : {}),
        fetchToken: () => this.#fetchRoomToken(),
      },
      {
        onMessage: (message) => this.#onMessage(message),
        onReconnecting: () => {
          this.#reconnects += 1;
          this.#status = 'reconnecting';
          this.#emit();
        },
        onEnded: (reason, message) => this.#onEnded(reason, message),
      },
    );
  }

  get view(): CallView {
    return {
      roomId: this.#roomId,
      status: this.#status,
      selfPeerId: this.#selfPeerId,
      endReason: this.#endReason,
      problem: this.#problem,
      localStream: this.#localStream,
      peers: [...this.#presence.values()].map((peer) => this.#peerView(peer)),
      reconnects: this.#reconnects,
      resumed: this.#resumed,
    };
  }

  get analytics() {
    return this.#reporter.counters;
  }

  async start(): Promise<void> {
    this.#emit();
    // The room token and ICE servers are fetched while the browser opens the devices; the socket itself waits
    // for the media (see the top of this file).
    const ready = Promise.all([this.#fetchIceServers(), this.#signaling.prepare()]);
    ready.catch(() => undefined);
    try {
      this.#localStream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        // 640×360 matches the top of BITRATE_LADDER: a mesh peer encodes one stream per remote peer.
        video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 30 } },
      });
    } catch (error) {
      this.#status = 'ended';
      this.#endReason = 'media_error';
      this.#problem =
        error instanceof DOMException && error.name === 'NotAllowedError'
          ? 'Camera and microphone access was refused. Allow it in the browser and reload to join the call.'
          : 'No camera or microphone could be opened. Connect one and reload to join the call.';
      this.#emit();
      return;
    }
    this.#status = 'connecting';
    this.#emit();
    try {
      [this.#iceServers] = await ready;
      this.#reporter.start();
      this.#statsTimer = setInterval(() => void this.#sampleStats(), STATS_INTERVAL_MS);
      await this.#signaling.connect();
    } catch (error) {
      this.#onEnded('gave_up', error instanceof Error ? error.message : null);
    }
  }

  /** Leaves the room for good: the others are told at once, media stops, the last stats are sent. */
  async leave(): Promise<void> {
    this.#signaling.leave();
  }

  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    for (const track of this.#localStream?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
  }

  /** Flushes stats with `keepalive` (pagehide): the page may be gone before an ordinary request completes. */
  flushOnUnload(): void {
    void this.#reporter.flush(true);
  }

  /**
   * The room token is kept in this tab's sessionStorage until it expires: a reload (or a crash-restore of the tab)
   * inside the room's grace window comes back with the same peer id and finds its seat held (`resumed`). A
   * deliberate leave forgets it, so rejoining after that is a fresh seat.
   */
  async #fetchRoomToken(): Promise<RoomToken> {
    const stored = readStoredToken(this.#roomId);
    if (stored && stored.expiresAtMs - STORED_TOKEN_MARGIN_MS > Date.now()) {
      forgetStoredToken(this.#roomId);
      return stored;
    }
    const issued = await apiRequest<{ token: string; peerId: string; expiresAt: string }>('/tokens/room', {
      method: 'POST',
      body: { roomId: this.#roomId },
    });
    return { token: issued.token, peerId: issued.peerId, expiresAtMs: Date.parse(issued.expiresAt) };
  }

  #rememberToken(): void {
    const token = this.#signaling.token;
    if (token) storeToken(this.#roomId, token);
  }

  /** STUN (and TURN when configured) from the API; without them host candidates still connect on a LAN. */
  async #fetchIceServers(): Promise<RTCIceServer[]> {
    try {
      return (await apiRequest<IceServersAnswer>('/ice-servers')).iceServers;
    } catch {
      return [];
    }
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        this.#selfPeerId = message.peerId;
        this.#resumed = message.resumed;
        this.#rememberToken();
        this.#status = 'joined';
        // The others dropped their links to this peer when its socket closed (or will replace them when they see a
        // new DTLS fingerprint), so every link starts afresh, and this peer — the latest to join — offers.
        for (const peerId of [...this.#links.keys()]) this.#closeLink(peerId);
        this.#presence.clear();
        for (const peer of message.peers) {
          this.#presence.set(peer.peerId, peer);
          this.#openLink(peer.peerId, 'offerer');
        }
        break;
      }
      case 'peer-joined': {
        this.#presence.set(message.peer.peerId, message.peer);
        this.#closeLink(message.peer.peerId);
        this.#openLink(message.peer.peerId, 'answerer');
        break;
      }
      case 'peer-left': {
        this.#presence.delete(message.peerId);
        this.#closeLink(message.peerId);
        break;
      }
      case 'signal':
        void this.#onSignal(message.from, message.data);
        return;
      case 'error':
        if (message.code === 'room_full') this.#problem = message.message;
        else console.warn(`room: ${message.code}: ${message.message}`);
        break;
      case 'pong':
        return;
    }
    this.#emit();
  }

  async #onSignal(from: string, data: SignalData): Promise<void> {
    let entry = this.#links.get(from);
    if ('sdp' in data && data.sdp.type === 'offer') {
      const offer = data.sdp as RTCSessionDescriptionInit;
      // An offer to the side that offered, or one from another RTCPeerConnection: the remote peer started over.
      if (entry && (entry.link.role === 'offerer' || entry.link.isFromNewConnection(offer))) {
        this.#closeLink(from);
        entry = undefined;
      }
      if (!entry) {
        if (!this.#presence.has(from)) this.#presence.set(from, { peerId: from });
        entry = this.#openLink(from, 'answerer');
        this.#emit();
      }
    }
    if (!entry) return;
    try {
      await entry.link.handleSignal(data);
    } catch (error) {
      console.warn(`room: signaling with ${from} failed: ${String(error)}`);
    }
  }

  #openLink(peerId: string, role: LinkRole): LinkEntry {
    const link = new PeerLink(peerId, role, this.#iceServers, this.#localStream, {
      signal: (data) => this.#signaling.signal(peerId, data),
      track: (stream) => {
        const entry = this.#links.get(peerId);
        if (entry?.link !== link) return;
        entry.stream = stream;
        this.#emit();
      },
      stateChange: (state) => this.#onLinkState(peerId, link, state),
    });
    const entry: LinkEntry = {
      link,
      adaptation: initialAdaptation(),
      appliedLevel: null,
      lastSender: null,
      rttMs: null,
      lossFraction: null,
      stream: null,
      reportedConnected: false,
    };
    this.#links.set(peerId, entry);
    this.#reporter.addEvent({ ts: Date.now(), remotePeerId: peerId, type: 'attempted' });
    link.start().catch((error) => console.warn(`room: offer to ${peerId} failed: ${String(error)}`));
    return entry;
  }

  #closeLink(peerId: string): void {
    const entry = this.#links.get(peerId);
    if (!entry) return;
    this.#links.delete(peerId);
    entry.link.close();
    this.#reporter.addEvent({ ts: Date.now(), remotePeerId: peerId, type: entry.reportedConnected ? 'closed' : 'failed' });
  }

  #onLinkState(peerId: string, link: PeerLink, state: RTCPeerConnectionState): void {
    const entry = this.#links.get(peerId);
    if (entry?.link !== link) return;
    if (state === 'connected' && !entry.reportedConnected) {
      entry.reportedConnected = true;
      const setupMs = link.connectedAtMs === null ? undefined : Math.round(link.connectedAtMs - link.startedAtMs);
      this.#reporter.addEvent({ ts: Date.now(), remotePeerId: peerId, type: 'connected', ...(setupMs === undefined ? {} : { setupMs }) });
      // Read stats at once so RTT and the sender's encoding are known without waiting for the next tick.
      void this.#sampleLink(peerId, entry);
    }
    this.#emit();
  }

  async #sampleStats(): Promise<void> {
    await Promise.all([...this.#links.entries()].map(([peerId, entry]) => this.#sampleLink(peerId, entry)));
    this.#emit();
  }

  async #sampleLink(peerId: string, entry: LinkEntry): Promise<void> {
    const { link } = entry;
    if (link.closed || link.pc.connectionState !== 'connected') return;
    let report: RTCStatsReport;
    try {
      report = await link.pc.getStats();
    } catch {
      return;
    }
    const reading = readLinkStats(report.values() as Iterable<Record<string, unknown> & { type: string; id: string }>);
    const quality = linkQuality(entry.lastSender, reading);
    entry.lastSender = reading.sender ?? entry.lastSender;
    entry.rttMs = quality.rttMs ?? entry.rttMs;
    entry.lossFraction = quality.lossFraction;
    const step = adaptBitrate(entry.adaptation, quality);
    entry.adaptation = step.state;
    if (entry.appliedLevel !== step.state.level) {
      if (await applyEncoding(link.pc, step.encoding)) entry.appliedLevel = step.state.level;
    }
    const setupMs = link.connectedAtMs === null ? null : link.connectedAtMs - link.startedAtMs;
    this.#reporter.addSample(toStatsSample(Date.now(), peerId, link.pc.connectionState, reading, setupMs));
  }

  #onEnded(reason: SignalingEndReason, message: string | null): void {
    forgetStoredToken(this.#roomId);
    this.#status = 'ended';
    this.#endReason = reason;
    if (reason === 'room_full') {
      this.#problem ??= message ?? 'This room is full.';
    } else if (reason === 'replaced') {
      this.#problem = 'You joined this call from another tab or window, so this one has left the call.';
    } else if (reason === 'removed') {
      this.#problem = 'The host removed you from this call.';
    } else if (reason === 'gave_up') {
      this.#problem = `Lost the connection to the room${message ? ` (${message})` : ''}. Reload the page to join again.`;
    }
    for (const peerId of [...this.#links.keys()]) this.#closeLink(peerId);
    this.#presence.clear();
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    for (const track of this.#localStream?.getTracks() ?? []) track.stop();
    void this.#reporter.stop();
    this.#emit();
  }

  #peerView(peer: PeerInfo): RemotePeerView {
    const entry = this.#links.get(peer.peerId);
    const level = entry?.adaptation.level ?? 0;
    const encoding = BITRATE_LADDER[level] as EncodingLevel;
    const link = entry?.link;
    return {
      peerId: peer.peerId,
      displayName: peer.displayName ?? null,
      role: link?.role ?? null,
      connectionState: link?.pc.connectionState ?? 'none',
      iceConnectionState: link?.pc.iceConnectionState ?? 'none',
      rttMs: entry?.rttMs ?? null,
      lossFraction: entry?.lossFraction ?? null,
      level,
      maxBitrateBps: encoding.maxBitrateBps,
      scaleResolutionDownBy: encoding.scaleResolutionDownBy,
      setupMs: link?.connectedAtMs != null ? Math.round(link.connectedAtMs - link.startedAtMs) : null,
      stream: entry?.stream ?? null,
    };
  }

  #emit(): void {
    this.#onChange(this.view);
  }
}

const STORED_TOKEN_MARGIN_MS = 15_000;
const storageKey = (roomId: string) => `vibestream.roomToken.${roomId}`;

function readStoredToken(roomId: string): RoomToken | null {
  try {
    const raw = window.sessionStorage.getItem(storageKey(roomId));
    const parsed = raw ? (JSON.parse(raw) as Partial<RoomToken>) : null;
    if (typeof parsed?.token !== 'string' || typeof parsed.peerId !== 'string' || typeof parsed.expiresAtMs !== 'number') return null;
    return { token: parsed.token, peerId: parsed.peerId, expiresAtMs: parsed.expiresAtMs };
  } catch {
    return null;
  }
}

function storeToken(roomId: string, token: RoomToken): void {
  try {
    window.sessionStorage.setItem(storageKey(roomId), JSON.stringify(token));
  } catch {
    // Storage unavailable: a reload simply joins as a new peer.
  }
}

function forgetStoredToken(roomId: string): void {
  try {
    window.sessionStorage.removeItem(storageKey(roomId));
  } catch {
    // see storeToken
  }
}

/** Sets maxBitrate and scaleResolutionDownBy on the link's video sender; false when it has no encodings yet. */
async function applyEncoding(pc: RTCPeerConnection, encoding: EncodingLevel): Promise<boolean> {
  const sender = pc.getSenders().find((candidate) => candidate.track?.kind === 'video');
  if (!sender) return true;
  const parameters = sender.getParameters();
  const [first] = parameters.encodings ?? [];
  if (!first) return false;
  first.maxBitrate = encoding.maxBitrateBps;
  first.scaleResolutionDownBy = encoding.scaleResolutionDownBy;
  try {
    await sender.setParameters(parameters);
    return true;
  } catch {
    return false;
  }
}
