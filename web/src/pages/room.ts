// The call room page (/room/{roomId}, served by the Worker from this page's shell): a signed-in member joins a
// small mesh call — camera and microphone, one video tile per peer, who is here, leave. The call itself
// (signaling, RTCPeerConnections, bitrate adaptation, stats) lives in room/call.ts; this file only renders it.
//
// Rooms are owned and invite-only by default (src/domain/rooms/access.ts). /room/ without an id is the lobby:
// "Start a call" creates a room and lands its host in it. An invite link is /room/{roomId}#invite=…; the page
// posts the secret to POST /rooms/{roomId}/join and then drops it from the address bar. The host sees the link
// with a Copy button and the controls: open to anyone signed in, lock, remove a member.
//
// Test hook: `window.__vibestreamRoom` is a read-only getter returning a fresh plain snapshot of the call on
// every read — status, own peer id, problem text, and per remote peer its connection and ICE states, last RTT,
// loss, bitrate level and setup time, plus the analytics counters. Tests and benchmarks read it with
// `page.evaluate` instead of scraping the DOM; nothing on it can change the call.
import '../room/room.css';
import type { CreatedRoomModel, RoomInviteModel, RoomModel } from '../../../src/workers/room-schemas';
import { ApiError, apiRequest } from '../api';
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
const problemTitle = byId('room-problem-title');
const retryButton = byId<HTMLButtonElement>('room-retry');
const callSection = byId('room-call');
const leftSection = byId('room-left');
const tiles = byId('room-tiles');
const presenceList = byId('room-presence');
const countLabel = byId('room-count');
const leaveButton = byId<HTMLButtonElement>('room-leave');
const micToggle = byId<HTMLInputElement>('room-mic');
const cameraToggle = byId<HTMLInputElement>('room-camera');
const lobby = byId('room-lobby');
const startButton = byId<HTMLButtonElement>('room-start');
const myRooms = byId('room-mine');
const refused = byId('room-refused');
const hostPanel = byId('room-host');
const inviteInput = byId<HTMLInputElement>('room-invite-link');
const inviteCopy = byId<HTMLButtonElement>('room-invite-copy');
const inviteNew = byId<HTMLButtonElement>('room-invite-new');
const openToggle = byId<HTMLInputElement>('room-open');
const lockToggle = byId<HTMLInputElement>('room-lock');
const hostStatus = byId('room-host-status');
const memberList = byId('room-members');

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

function showProblem(text: string, canRetry: boolean, title = 'Could not join'): void {
  problemTitle.textContent = title;
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
  refreshHostOnPresence(view.roomId, view);
  if (view.status === 'ended') {
    callSection.hidden = true;
    tiles.replaceChildren();
    tileElements.clear();
    if (view.endReason === 'left') {
      leftSection.hidden = false;
    } else if (view.problem) {
      // A full room stays full for a while, and a removed member stays removed: no retry that would only fail.
      showProblem(view.problem, view.endReason !== 'room_full' && view.endReason !== 'replaced' && view.endReason !== 'removed');
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

// ─── Invite links and host controls ──────────────────────────────────────────────────────────────────────────

/** The invite secret of an invite link (#invite=…); `?invite=` is read too, for links typed by hand. */
function inviteFromUrl(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('invite');
  return fromHash ?? new URLSearchParams(window.location.search).get('invite');
}

// The API shows an invite link once (on create and on "New link"); the host's tab keeps it for this session.
const inviteKey = (id: string) => `vibestream.roomInvite.${id}`;

function showRefusal(text: string): void {
  statusLine.textContent = '';
  byId('room-refused-text').textContent = text;
  refused.hidden = false;
}

function refusalText(error: unknown): string {
  if (error instanceof ApiError && error.status === 404) return 'This call does not exist. Check the link, or ask the host for a new one.';
  if (error instanceof ApiError && error.code === 'room_forbidden') return error.message;
  return `Could not open this call${error instanceof Error ? ` (${error.message})` : ''}. Reload to try again.`;
}

function renderHost(room: RoomModel): void {
  hostPanel.hidden = false;
  inviteInput.value = sessionStorage.getItem(inviteKey(room.id)) ?? '';
  inviteCopy.disabled = inviteInput.value === '';
  openToggle.checked = room.access === 'open';
  lockToggle.checked = room.locked;
  const others = (room.members ?? []).filter((member) => member.role !== 'host');
  if (others.length === 0) {
    memberList.replaceChildren(el('li', { class: 'room__muted' }, 'No members besides you yet.'));
    return;
  }
  memberList.replaceChildren(
    ...others.map((member) => {
      const remove = el('button', { type: 'button', class: 'button button--small button--quiet' }, 'Remove');
      remove.setAttribute('aria-label', `Remove ${member.displayName}`);
      remove.addEventListener('click', () => void removeMember(room.id, member.userId, member.displayName, remove));
      return el('li', { 'data-user-id': member.userId }, el('span', {}, member.displayName), remove);
    }),
  );
}

async function refreshHost(id: string): Promise<void> {
  try {
    renderHost(await apiRequest<RoomModel>(`/rooms/${id}`));
  } catch {
    // The panel keeps what it showed; the next change refreshes it again.
  }
}

async function changeSettings(id: string, change: { access?: 'invite' | 'open'; locked?: boolean }, done: string): Promise<void> {
  openToggle.disabled = lockToggle.disabled = true;
  try {
    renderHost(await apiRequest<RoomModel>(`/rooms/${id}`, { method: 'PATCH', body: change }));
    hostStatus.textContent = done;
  } catch (error) {
    hostStatus.textContent = `Could not change the call: ${error instanceof Error ? error.message : String(error)}`;
    await refreshHost(id);
  } finally {
    openToggle.disabled = lockToggle.disabled = false;
  }
}

async function removeMember(id: string, userId: string, name: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    await apiRequest<null>(`/rooms/${id}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' });
    hostStatus.textContent = `${name} was removed and cannot rejoin.`;
  } catch (error) {
    hostStatus.textContent = `Could not remove ${name}: ${error instanceof Error ? error.message : String(error)}`;
  }
  await refreshHost(id);
}

function bindHostControls(id: string): void {
  inviteCopy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(inviteInput.value);
      hostStatus.textContent = 'Invite link copied.';
    } catch {
      // Clipboard refused (no permission, insecure context): select it for a manual copy instead.
      inviteInput.select();
      hostStatus.textContent = 'Press Ctrl+C (⌘C) to copy the selected link.';
    }
  });
  inviteNew.addEventListener('click', async () => {
    inviteNew.disabled = true;
    try {
      const invite = await apiRequest<RoomInviteModel>(`/rooms/${id}/invite`, { method: 'POST' });
      sessionStorage.setItem(inviteKey(id), invite.inviteUrl);
      inviteInput.value = invite.inviteUrl;
      inviteCopy.disabled = false;
      hostStatus.textContent = 'New invite link made; the old one no longer works.';
    } catch (error) {
      hostStatus.textContent = `Could not make a new link: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      inviteNew.disabled = false;
    }
  });
  openToggle.addEventListener('change', () =>
    changeSettings(
      id,
      { access: openToggle.checked ? 'open' : 'invite' },
      openToggle.checked ? 'Anyone signed in may join now.' : 'Only people with the link may join now.',
    ),
  );
  lockToggle.addEventListener('change', () =>
    changeSettings(id, { locked: lockToggle.checked }, lockToggle.checked ? 'Locked: nobody new may join.' : 'Unlocked.'),
  );
}

// ─── Lobby ────────────────────────────────────────────────────────────────────────────────────────────────────

async function showLobby(): Promise<void> {
  statusLine.textContent = '';
  byId('room-name').textContent = '';
  byId('room-heading').textContent = 'Calls';
  lobby.hidden = false;
  startButton.addEventListener('click', async () => {
    startButton.disabled = true;
    startButton.textContent = 'Starting…';
    try {
      const created = await apiRequest<CreatedRoomModel>('/rooms', { method: 'POST', body: {} });
      sessionStorage.setItem(inviteKey(created.room.id), created.inviteUrl);
      window.location.assign(`/room/${encodeURIComponent(created.room.id)}`);
    } catch (error) {
      startButton.disabled = false;
      startButton.textContent = 'Start a call';
      showProblem(error instanceof Error ? error.message : String(error), false, 'Could not start a call');
    }
  });
  try {
    const { items } = await apiRequest<{ items: RoomModel[] }>('/rooms');
    byId('room-mine-empty').hidden = items.length > 0;
    myRooms.replaceChildren(
      ...items.map((room) =>
        el(
          'li',
          {},
          el('a', { href: `/room/${encodeURIComponent(room.id)}` }, `${room.title} · ${room.id}`),
          el('span', { class: 'room__role' }, room.role === 'host' ? 'you host' : 'member'),
        ),
      ),
    );
  } catch {
    byId('room-mine-empty').textContent = 'Your calls could not be loaded.';
  }
}

// ─── Start ────────────────────────────────────────────────────────────────────────────────────────────────────

function start(roomId: string): void {
  problem.hidden = true;
  leftSection.hidden = true;
  call = new RoomCall({ roomId, displayName: session.user?.displayName, onChange: render });
  void call.start();
}

/** Joins with the invite link if there is one, checks the room admits the caller, shows the host panel, calls. */
async function enter(roomId: string): Promise<void> {
  const invite = inviteFromUrl();
  try {
    if (invite) {
      await apiRequest<RoomModel>(`/rooms/${roomId}/join`, { method: 'POST', body: { inviteToken: invite } });
      // Joined: the secret has done its work and should not linger in the address bar or history.
      history.replaceState(null, '', `/room/${encodeURIComponent(roomId)}`);
    }
    const room = await apiRequest<RoomModel>(`/rooms/${roomId}`);
    byId('room-heading').textContent = room.title;
    document.title = `${room.title} · VibeStream`;
    if (room.role === 'host') {
      renderHost(room);
      bindHostControls(room.id);
    }
  } catch (error) {
    showRefusal(refusalText(error));
    return;
  }
  start(roomId);
}

let lastPeerCount = -1;
/** The host's member list follows the call: someone new in the call is a new member to show. */
function refreshHostOnPresence(roomId: string, view: CallView): void {
  if (hostPanel.hidden || view.peers.length === lastPeerCount) return;
  lastPeerCount = view.peers.length;
  void refreshHost(roomId);
}

const roomId = roomIdFromPath();
byId('room-name').textContent = roomId ?? '';
const signedIn = session.user !== null || session.refreshToken !== null;
const onLobby = /^\/room\/?(index\.html)?$/.test(window.location.pathname);
if (!signedIn) {
  statusLine.textContent = '';
  // Both auth pages send the user back here afterwards, invite fragment included.
  const next = `?next=${encodeURIComponent(window.location.pathname + window.location.search + window.location.hash)}`;
  byId('room-sign-in-link').setAttribute('href', `/login/${next}`);
  byId('room-sign-up-link').setAttribute('href', `/signup/${next}`);
  if (onLobby) {
    byId('room-sign-in-title').textContent = 'Sign in to start a call';
    byId('room-sign-in-text').textContent = 'Calls are for signed-in members, so everyone knows who they are talking to.';
  }
  signIn.hidden = false;
} else if (onLobby) {
  void showLobby();
} else if (!roomId) {
  statusLine.textContent = '';
  showProblem('This is not a valid room address. Room names use letters, digits, "-" and "_" (at most 64).', false);
} else {
  void enter(roomId);
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
