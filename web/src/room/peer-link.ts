// One RTCPeerConnection of the mesh: this page and one remote peer, negotiated through the room's relay.
//
// Who offers: the peer that joined (or rejoined) later offers to everyone already in the room — it learns them
// from `welcome`, and they learn about it from `peer-joined` before its offer can reach them (the room relays
// in order on each socket). So two peers never offer to each other at once and no glare handling is needed;
// later renegotiation (an ICE restart after `failed`) also comes only from the offering side.
//
// Remote ICE candidates that arrive before the remote description is set are queued and added right after it
// (addIceCandidate rejects them earlier). An offer that carries another DTLS fingerprint than the current
// remote description comes from a brand-new RTCPeerConnection on the other side (it reloaded, or its signaling
// reconnected); the owner replaces this link instead of renegotiating, see `isFromNewConnection`.
import type { SignalData } from '../../../src/shared/room-protocol';

export type LinkRole = 'offerer' | 'answerer';

export interface PeerLinkEvents {
  signal(data: SignalData): void;
  track(stream: MediaStream): void;
  stateChange(state: RTCPeerConnectionState): void;
}

function fingerprintOf(sdp: string | undefined): string | null {
  return /^a=fingerprint:(.+)$/m.exec(sdp ?? '')?.[1]?.trim() ?? null;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly startedAtMs = performance.now();
  /** performance.now() when the connection first reached `connected`. */
  connectedAtMs: number | null = null;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #closed = false;
  #restartingIce = false;

  constructor(
    readonly remotePeerId: string,
    readonly role: LinkRole,
    iceServers: RTCIceServer[],
    localStream: MediaStream | null,
    private readonly events: PeerLinkEvents,
  ) {
    // max-bundle: one transport for audio and video from the start, so ICE gathers (and signals) half the
    // candidates it would for separate m-line transports.
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    // Both sides add their tracks up front. On the answering side the transceivers addTrack creates are matched
    // to the offer's m-lines when it is applied (JSEP §5.10), so the answer is sendrecv without renegotiation.
    for (const track of localStream?.getTracks() ?? []) this.pc.addTrack(track, localStream as MediaStream);
    this.pc.addEventListener('icecandidate', (event) => {
      const found = event.candidate;
      // Only the fields the room protocol knows: its schema is strict.
      this.events.signal({
        candidate: found
          ? {
              candidate: found.candidate,
              sdpMid: found.sdpMid,
              sdpMLineIndex: found.sdpMLineIndex,
              usernameFragment: found.usernameFragment,
            }
          : null,
      });
    });
    this.pc.addEventListener('track', (event) => {
      this.events.track(event.streams[0] ?? new MediaStream([event.track]));
    });
    this.pc.addEventListener('connectionstatechange', () => {
      const state = this.pc.connectionState;
      if (state === 'connected' && this.connectedAtMs === null) this.connectedAtMs = performance.now();
      if (state === 'connected') this.#restartingIce = false;
      // An ICE restart is the offerer's to start (see above); the answerer simply answers the new offer.
      if (state === 'failed' && this.role === 'offerer' && !this.#restartingIce) void this.restartIce();
      this.events.stateChange(state);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async start(): Promise<void> {
    if (this.role !== 'offerer') return;
    await this.#sendOffer(false);
  }

  /** True when `offer` comes from another RTCPeerConnection than the one this link negotiated with. */
  isFromNewConnection(offer: RTCSessionDescriptionInit): boolean {
    const current = fingerprintOf(this.pc.remoteDescription?.sdp);
    return current !== null && current !== fingerprintOf(offer.sdp);
  }

  async handleSignal(data: SignalData): Promise<void> {
    if (this.#closed) return;
    if ('sdp' in data) {
      const description = data.sdp as RTCSessionDescriptionInit;
      if (description.type === 'offer') {
        await this.pc.setRemoteDescription(description);
        await this.#flushCandidates();
        await this.pc.setLocalDescription();
        const answer = this.pc.localDescription;
        if (answer) this.events.signal({ sdp: { type: 'answer', sdp: answer.sdp } });
      } else if (description.type === 'answer') {
        // A late duplicate answer (after a restart settled) would throw in `stable`; there is nothing to apply.
        if (this.pc.signalingState !== 'have-local-offer') return;
        await this.pc.setRemoteDescription(description);
        await this.#flushCandidates();
      }
      return;
    }
    const candidate = data.candidate;
    if (candidate === null) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate().catch(() => undefined);
      return;
    }
    if (!this.pc.remoteDescription) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    // A candidate of an earlier ICE generation is rejected after a restart; that is harmless.
    await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  async restartIce(): Promise<void> {
    if (this.#closed || this.role !== 'offerer') return;
    this.#restartingIce = true;
    await this.#sendOffer(true).catch(() => undefined);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pendingCandidates = [];
    this.pc.close();
  }

  async #sendOffer(iceRestart: boolean): Promise<void> {
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    this.events.signal({ sdp: { type: 'offer', sdp: offer.sdp } });
  }

  async #flushCandidates(): Promise<void> {
    const queued = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of queued) await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }
}
