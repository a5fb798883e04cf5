// The call room page (/room/{roomId}, served by the Worker from this page's shell): a signed-in member joins a
// small mesh call — camera and microphone, one video tile per peer, who is here, leave. The call itself
// (signaling, RTCPeerConnections, bitrate adaptation, stats) lives in room/call.ts; this file only renders it.
//
// Test hook: `window.__vibestreamRoom` is a read-only getter returning a fresh plain snapshot of the call on
// every read — status, own peer id, problem text, and per remote peer its connection and ICE states, last RTT,
// loss, bitrate level and setup time, plus the analytics counters. Tests and benchmarks read it with
// `page.evaluate` instead of scraping the DOM; nothing on it can change the call.
import '../room/room.css';
import { byId, el } from '../dom';
import { mountLayout } from '../layout';
import { type CallView, type RemotePeerView, RoomCall } from '../room/call';
import { session } from '../session';

mountLayout();

/** The same rule as the API's room ids (RoomTokenBody in src/workers/schemas.ts). */
const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const statusLine = byId('room-status');
const signIn = byId('room-sign-in');
const problem = byId('room-problem');
const problemText = byId('room-problem-text');
const retryButton = byId<HTMLButtonElement>('room-retry');
const callSection = byId('room-call');
const leftSection = byId('room-left');
const tiles = byId('room-tiles');
const presenceList = byId('room-presence');
const countLabel = byId('room-count');
const leaveButton = byId<HTMLButtonElement>('room-leave');
const micToggle = byId<HTMLInputElement>('room-mic');
const cameraToggle = byId<HTMLInputElement>('room-camera');

function roomIdFromPath(): string | null {
  const match = /^\/room\/([^/]+)\/?$/.exec(window.location.pathname);
  if (!match?.[1]) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return ROOM_ID_PATTERN.test(decoded) ? decoded : null;
}

const STATUS_TEXT: Record<CallView['status'], string> = {
  starting: 'Waiting for your camera and microphone…',
  connecting: 'Joining the call…',
  joined: 'In the call',
  reconnecting: 'Connection lost — reconnecting…',
  ended: 'Not in the call',
};

const STATE_TEXT: Record<RemotePeerView['connectionState'], string> = {
  none: 'waiting',
  new: 'waiting',
  connecting: 'connecting…',
  connected: 'connected',
  disconnected: 'reconnecting…',
  failed: 'failed',
  closed: 'closed',
};

function peerName(peer: { displayName: string | null; peerId: string }): string {
  return peer.displayName ?? `Guest ${peer.peerId.slice(-4)}`;
}

function showProblem(text: string, canRetry: boolean): void {
  problemText.textContent = text;
  retryButton.hidden = !canRetry;
  problem.hidden = false;
}

// ─── Tiles ────────────────────────────────────────────────────────────────────────────────────────────────────

const tileElements = new Map<string, { item: HTMLLIElement; video: HTMLVideoElement; label: HTMLElement }>();

function tileFor(key: string, local: boolean): { item: HTMLLIElement; video: HTMLVideoElement; label: HTMLElement } {
  let tile = tileElements.get(key);
  if (!tile) {
    // The local preview is muted (no echo of one's own voice); remote tiles play their audio.
    const video = el('video', { autoplay: true, playsinline: true, ...(local ? { muted: true } : {}) });
    video.muted = local;
    const label = el('span', { class: 'room-tile__label' });
    const item = el('li', { class: `room-tile${local ? ' room-tile--local' : ''}`, 'data-peer-id': key }, video, label);
    tile = { item, video, label };
    tileElements.set(key, tile);
  }
  return tile;
}

function attach(video: HTMLVideoElement, stream: MediaStream | null): void {
  if (video.srcObject === stream) return;
  video.srcObject = stream;
  // Autoplay of a tile with sound may need a user gesture; the call is unaffected if it is refused.
  if (stream) video.play().catch(() => undefined);
}

function renderTiles(view: CallView): void {
  const wanted: HTMLLIElement[] = [];
  if (view.localStream) {
    const local = tileFor('local', true);
    local.label.textContent = `You (${session.user?.displayName ?? 'me'})`;
    attach(local.video, view.localStream);
    wanted.push(local.item);
  }
  for (const peer of view.peers) {
    const tile = tileFor(peer.peerId, false);
    tile.label.textContent = peerName(peer);
    attach(tile.video, peer.stream);
    wanted.push(tile.item);
  }
  for (const [key, tile] of tileElements) {
    if (!wanted.includes(tile.item)) {
      tile.video.srcObject = null;
      tileElements.delete(key);
    }
  }
  tiles.replaceChildren(...wanted);
}

function renderPresence(view: CallView): void {
  const self = el(
    'li',
    { class: 'room-peer' },
    el('span', {}, `${session.user?.displayName ?? 'You'} (you)`),
    el('span', { class: 'room-peer__state', 'data-state': 'connected' }, view.status === 'joined' ? 'here' : '…'),
  );
  const others = view.peers.map((peer) => {
    const rtt = peer.connectionState === 'connected' && peer.rttMs !== null ? ` · ${Math.round(peer.rttMs)} ms` : '';
    return el(
      'li',
      { class: 'room-peer', 'data-peer-id': peer.peerId },
      el('span', {}, peerName(peer)),
      el('span', { class: 'room-peer__state', 'data-state': peer.connectionState }, `${STATE_TEXT[peer.connectionState]}${rtt}`),
    );
  });
  presenceList.replaceChildren(self, ...others);
  countLabel.textContent = `(${view.peers.length + 1})`;
}

function render(view: CallView): void {
  statusLine.textContent = STATUS_TEXT[view.status];
  if (view.status === 'ended') {
    callSection.hidden = true;
    tiles.replaceChildren();
    tileElements.clear();
    if (view.endReason === 'left') {
      leftSection.hidden = false;
    } else if (view.problem) {
      // A full room stays full for a while: no retry button that would only fail again at once.
      showProblem(view.problem, view.endReason !== 'room_full' && view.endReason !== 'replaced');
    }
    return;
  }
  callSection.hidden = view.status === 'starting';
  renderTiles(view);
  renderPresence(view);
}

// ─── Test hook ────────────────────────────────────────────────────────────────────────────────────────────────

declare global {
  interface Window {
    /** Read-only snapshot of the call for tests (see the comment at the top of this file). */
    readonly __vibestreamRoom?: ReturnType<typeof snapshot>;
  }
}

let call: RoomCall | null = null;

function snapshot() {
  if (!call) return { status: 'not_started' as const, roomId: roomIdFromPath(), selfPeerId: null, peers: [] };
  const view = call.view;
  return {
    roomId: view.roomId,
    status: view.status,
    selfPeerId: view.selfPeerId,
    endReason: view.endReason,
    problem: view.problem,
    reconnects: view.reconnects,
    resumed: view.resumed,
    hasLocalMedia: view.localStream !== null,
    peers: view.peers.map(({ stream, ...peer }) => ({ ...peer, hasRemoteMedia: stream !== null && stream.getTracks().length > 0 })),
    analytics: { ...call.analytics },
  };
}

Object.defineProperty(window, '__vibestreamRoom', { get: snapshot, configurable: false, enumerable: false });

// ─── Start ────────────────────────────────────────────────────────────────────────────────────────────────────

function start(roomId: string): void {
  problem.hidden = true;
  leftSection.hidden = true;
  call = new RoomCall({ roomId, displayName: session.user?.displayName, onChange: render });
  void call.start();
}

const roomId = roomIdFromPath();
byId('room-name').textContent = roomId ?? '';
if (!roomId) {
  statusLine.textContent = '';
  showProblem('This is not a valid room address. Room names use letters, digits, "-" and "_" (at most 64).', false);
} else if (!session.user && !session.refreshToken) {
  statusLine.textContent = '';
  // Both auth pages send the user back here afterwards.
  const next = `?next=${encodeURIComponent(window.location.pathname)}`;
  byId('room-sign-in-link').setAttribute('href', `/login/${next}`);
  byId('room-sign-up-link').setAttribute('href', `/signup/${next}`);
  signIn.hidden = false;
} else {
  start(roomId);
}

leaveButton.addEventListener('click', () => {
  leaveButton.disabled = true;
  void call?.leave();
});
retryButton.addEventListener('click', () => window.location.reload());
byId('room-rejoin').addEventListener('click', () => window.location.reload());
micToggle.addEventListener('change', () => call?.setTrackEnabled('audio', micToggle.checked));
cameraToggle.addEventListener('change', () => call?.setTrackEnabled('video', cameraToggle.checked));
// The last stats batch goes out with `keepalive`, so closing the tab does not lose the end of the call.
window.addEventListener('pagehide', () => call?.flushOnUnload());
