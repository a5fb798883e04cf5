// /watch/{videoId}: the P2P player page. Loads the video's catalog entry and integrity manifest, gets ICE servers
// and an analytics session when signed in, then starts the P2P player (watch/p2p-player.ts) and keeps the
// delivery panel live. Signed-out viewers play too (and share), without stats or peer reports.

import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import {
  DEFAULT_SHARING,
  type NetworkHints,
  parseSharingSettings,
  type SharingSettings,
  type UploadDecision,
} from '../../../src/domain/playback/upload-policy';
import type { StatsSample } from '../../../src/domain/quality/types';
import type { PlayerProbe } from '../../../src/shared/player-probe';
import { ApiError, apiRequest } from '../api';
import type { Video } from '../api-types';
import { byId, el } from '../dom';
import { formatDuration } from '../format';
import { StatsReporter } from '../ingest/stats-reporter';
import { mountLayout } from '../layout';
import { session } from '../session';
import { playerSamples, trackPeerConnections } from '../watch/connection-stats';
import { createP2PPlayer } from '../watch/p2p-player';
import { mountPurchasePanel, settlePaymentReturn, type VideoPrices } from '../watch/purchase-panel';
import { mountSeekPreview } from '../watch/seek-preview';
import { renderUpNext } from '../watch/up-next';

mountLayout();

const SHARING_STORAGE_KEY = 'vibestream.sharing';
// Only if GET /ice-servers cannot be reached.
const FALLBACK_STUN: RTCIceServer[] = [{ urls: 'stun:stun.cloudflare.com:3478' }];

function videoIdFromPath(): string | null {
  const match = /^\/watch\/([^/]+)\/?$/.exec(window.location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

function showError(message: string): void {
  const box = byId('watch-error');
  box.textContent = message;
  box.hidden = false;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function networkHints(): NetworkHints {
  const connection = (navigator as Navigator & { connection?: { type?: string; saveData?: boolean } }).connection;
  return { cellular: connection?.type === 'cellular', saveData: connection?.saveData === true };
}

function loadSharing(): SharingSettings {
  try {
    return parseSharingSettings(JSON.parse(localStorage.getItem(SHARING_STORAGE_KEY) ?? 'null'));
  } catch {
    return { ...DEFAULT_SHARING };
  }
}

function bindSharingForm(initial: SharingSettings, onChange: (settings: SharingSettings) => void): void {
  const form = byId<HTMLFormElement>('sharing-form');
  const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;
  (form.querySelector(`input[name="mode"][value="${initial.mode}"]`) as HTMLInputElement).checked = true;
  field<HTMLSelectElement>('maxUploadKbps').value = initial.maxUploadKbps ? String(initial.maxUploadKbps) : '';
  field<HTMLSelectElement>('maxUploadBytesPerSession').value = initial.maxUploadBytesPerSession
    ? String(initial.maxUploadBytesPerSession)
    : '';
  field<HTMLInputElement>('shareOnMetered').checked = initial.shareOnMetered;
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('change', () => {
    const data = new FormData(form);
    const settings = parseSharingSettings({
      mode: data.get('mode'),
      maxUploadKbps: Number(data.get('maxUploadKbps')) || null,
      maxUploadBytesPerSession: Number(data.get('maxUploadBytesPerSession')) || null,
      shareOnMetered: data.get('shareOnMetered') === 'on',
    });
    localStorage.setItem(SHARING_STORAGE_KEY, JSON.stringify(settings));
    onChange(settings);
  });
}

const SHARING_MESSAGES: Record<Exclude<UploadDecision, { upload: true }>['reason'], string> = {
  consume_only: 'You only receive: nothing is uploaded from this browser.',
  metered_network: 'Not sharing on a cellular or data-saver connection.',
  rate_cap: 'Sharing paused: at your upload limit.',
  session_cap: 'Sharing stopped: this session reached its upload allowance.',
};

/**
 * Recommendation signals (POST /api/v1/interactions): `complete` when the video ends, otherwise one `view` with
 * the share watched when the viewer leaves the page (sent with keepalive so it survives the navigation).
 */
function recordViewing(element: HTMLVideoElement, videoId: string): void {
  let watchedFraction = 0;
  let completed = false;
  element.addEventListener('timeupdate', () => {
    if (element.duration > 0) watchedFraction = Math.max(watchedFraction, Math.min(1, element.currentTime / element.duration));
  });
  element.addEventListener('ended', () => {
    if (completed) return;
    completed = true;
    void apiRequest('/interactions', { method: 'POST', body: { videoId, kind: 'complete' } }).catch(() => {});
  });
  window.addEventListener(
    'pagehide',
    () => {
      if (completed || watchedFraction === 0 || !session.accessToken) return;
      void fetch('/api/v1/interactions', {
        method: 'POST',
        keepalive: true,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({ videoId, kind: 'view', watchFraction: Math.round(watchedFraction * 1000) / 1000 }),
      }).catch(() => {});
    },
    { once: true },
  );
}

type PlaybackAccess = { kind: 'free' } | { kind: 'entitlement_required' } | { kind: 'token'; authorize: (url: URL) => void };

/** How often the player's WebRTC readings are taken for the analytics ingest. */
const STATS_SAMPLE_INTERVAL_MS = 5000;

// Playback tokens live 10 minutes; a fresh one is fetched well before the current one expires.
const PLAYBACK_TOKEN_REFRESH_MS = 7 * 60_000;

/**
 * Paid videos need a playback token on every playlist and segment request (`?pt=`); the API issues it only to
 * viewers with an entitlement (402 otherwise). Free videos answer `required: false`.
 */
async function playbackAccess(videoId: string): Promise<PlaybackAccess> {
  type Issued = { token: string | null; required: boolean };
  const issue = () => apiRequest<Issued>(`/videos/${encodeURIComponent(videoId)}/playback-token`, { method: 'POST' });
  let issued: Issued;
  try {
    issued = await issue();
  } catch (error) {
    if (error instanceof ApiError && error.status === 402) return { kind: 'entitlement_required' };
    return { kind: 'free' };
  }
  if (!issued.required || !issued.token) return { kind: 'free' };
  let token = issued.token;
  window.setInterval(() => {
    void issue()
      .then((next) => {
        if (next.token) token = next.token;
      })
      .catch(() => {});
  }, PLAYBACK_TOKEN_REFRESH_MS);
  return { kind: 'token', authorize: (url) => url.searchParams.set('pt', token) };
}

/** In place of the player: a heading, one sentence and ways on (never a dead end). */
function showState(title: string, text: string, actions: { label: string; href: string }[]): void {
  document.title = `${title} · VibeStream`;
  byId('watch').hidden = true;
  byId('watch-state-title').textContent = title;
  byId('watch-state-text').textContent = text;
  byId('watch-state-actions').replaceChildren(
    ...actions.map((action, index) => el('a', { class: index === 0 ? 'button' : 'button button--quiet', href: action.href }, action.label)),
  );
  byId('watch-state').hidden = false;
}

function showInfo(message: string): void {
  const box = byId('watch-info');
  box.textContent = message;
  box.hidden = false;
}

const BACK_TO_CATALOG = { label: 'Back to the catalog', href: '/' };

function signInAction(): { label: string; href: string } {
  return { label: 'Sign in', href: `/login/?next=${encodeURIComponent(window.location.pathname)}` };
}

/**
 * Starts playback as a click on a card asks for: with sound where the browser allows it, otherwise muted with an
 * Unmute button (browsers refuse audible autoplay without a recent gesture on the page).
 */
async function autoplay(element: HTMLVideoElement): Promise<void> {
  try {
    await element.play();
    return;
  } catch (error) {
    if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') return;
  }
  element.muted = true;
  const unmute = byId<HTMLButtonElement>('watch-unmute');
  unmute.hidden = false;
  unmute.addEventListener(
    'click',
    () => {
      element.muted = false;
      unmute.hidden = true;
    },
    { once: true },
  );
  element.addEventListener('volumechange', () => {
    if (!element.muted) unmute.hidden = true;
  });
  await element.play().catch(() => {});
}

async function start(): Promise<void> {
  const videoId = videoIdFromPath();
  if (!videoId) {
    showState('Video not found', 'This address does not name a video.', [BACK_TO_CATALOG]);
    return;
  }
  const signedIn = session.accessToken !== null;
  let video: Video;
  try {
    video = await apiRequest<Video>(`/videos/${encodeURIComponent(videoId)}`, { auth: signedIn });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'video_private') {
      showState(
        'This video is private',
        signedIn
          ? 'Only its creator can watch it. Ask them to share it with you or make it public.'
          : 'Only its creator can watch it. Are you its creator? Sign in.',
        signedIn ? [BACK_TO_CATALOG] : [signInAction(), BACK_TO_CATALOG],
      );
    } else if (error instanceof ApiError && error.status === 404) {
      showState('Video not found', 'This video does not exist, was removed, or is not published yet.', [BACK_TO_CATALOG]);
    } else {
      showState('Could not load this video', 'VibeStream could not be reached. Check your connection and reload the page.', [
        { label: 'Reload', href: window.location.pathname },
        BACK_TO_CATALOG,
      ]);
    }
    return;
  }
  document.title = `${video.title} · VibeStream`;
  byId('watch-title').textContent = video.title;
  byId('watch-creator').textContent = video.creatorName;
  byId('watch-duration').textContent = video.durationSeconds ? formatDuration(video.durationSeconds) : '';
  byId('watch-description').textContent = video.description;
  byId('watch').hidden = false;
  const playerElement = byId<HTMLVideoElement>('player');
  // A published, non-private video's poster is an open file. A private or unpublished one's opens only with the
  // editor playback token its creator gets below, which an early request could not carry.
  const posterIsOpen = video.visibility !== 'private' && video.status === 'ready';
  if (video.posterUrl && posterIsOpen) playerElement.poster = video.posterUrl;
  void renderUpNext(byId('up-next'), video.id).catch(() => {
    byId('up-next').textContent = 'No suggestions right now.';
  });

  // Back from a provider's checkout: wait for the payment to settle, then say what happened.
  const returned = signedIn
    ? await settlePaymentReturn({ onWaiting: () => showInfo('Confirming your payment with the provider…') })
    : { kind: 'none' as const };
  if (returned.kind === 'cancelled') showInfo('Checkout cancelled. Nothing was charged.');
  else if (returned.kind === 'failed') {
    byId('watch-info').hidden = true;
    showError(returned.message);
  } else if (returned.kind === 'pending') showInfo('Your payment is still being confirmed. This page plays the video once it is.');
  else if (returned.kind === 'paid') showInfo('Thank you! Enjoy the video.');

  const hlsBase = new URL(`/api/v1/videos/${encodeURIComponent(video.id)}/hls/`, window.location.origin);
  const manifestUrl = new URL('manifest.json', hlsBase).href;
  const prices = await apiRequest<VideoPrices>(`/videos/${encodeURIComponent(video.id)}/prices`, { auth: signedIn }).catch(() => null);
  const isPaid = prices !== null && (prices.purchase !== null || prices.rental !== null);
  const access = signedIn ? await playbackAccess(video.id) : isPaid ? { kind: 'entitlement_required' as const } : { kind: 'free' as const };
  if (access.kind === 'entitlement_required') {
    const offer = byId('watch-offer');
    mountPurchasePanel(offer, { videoId: video.id, title: video.title, prices: prices ?? { purchase: null, rental: null }, signedIn });
    offer.hidden = false;
    playerElement.controls = false;
    // Nothing is delivered or shared before the video is bought: no delivery stats, no sharing settings.
    for (const panel of document.querySelectorAll<HTMLElement>('.watch__delivery, .watch__sharing')) panel.hidden = true;
    return;
  }
  if (video.storyboard && video.durationSeconds) {
    playerElement.parentElement?.after(mountSeekPreview(playerElement, video.storyboard, video.durationSeconds));
  }
  const authorize = access.kind === 'token' ? access.authorize : undefined;
  if (video.posterUrl && !posterIsOpen && authorize) {
    const posterUrl = new URL(video.posterUrl, window.location.origin);
    authorize(posterUrl);
    playerElement.poster = posterUrl.href;
  }
  const manifestRequestUrl = new URL(manifestUrl);
  authorize?.(manifestRequestUrl);
  const manifestResponse = await fetch(manifestRequestUrl, {
    headers: signedIn && session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {},
  });
  if (!manifestResponse.ok) {
    showError(
      video.status === 'ready'
        ? 'This video cannot be played right now. Try again in a moment.'
        : 'This video is still being processed: it plays here once it is ready.',
    );
    return;
  }
  const manifest = (await manifestResponse.json()) as IntegrityManifest;
  // Once the video is stored on IPFS the manifest names each segment's CID, and peer segments are checked
  // against it too (the importer is loaded only then).
  const hasContentIds = manifest.renditions.some((rendition) => rendition.segments.some((segment) => segment.cid));
  const contentIdOf = hasContentIds ? (await import('../../../src/shared/content-id')).kuboDefaultCid : undefined;

  // Signed in: STUN plus TURN credentials; anonymous: STUN only.
  const iceServers = await apiRequest<{ iceServers: RTCIceServer[] }>('/ice-servers', { auth: signedIn })
    .then((result) => result.iceServers)
    .catch(() => FALLBACK_STUN);

  trackPeerConnections();
  const sharing = loadSharing();
  const reportedPeers: string[] = [];
  let uploadDecision: UploadDecision | null = null;
  const trackerUrl = new URL(`/api/v1/tracker/${encodeURIComponent(video.id)}`, window.location.origin);
  trackerUrl.protocol = trackerUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  const element = byId<HTMLVideoElement>('player');
  // Paid: the token rides on the master playlist URL; the edge writes it into every URI it lists from there. The
  // player puts it on the tracker's announce URL too (`authorize`): paid and private swarms need it.
  const masterUrl = new URL('master.m3u8', hlsBase);
  authorize?.(masterUrl);
  const player = createP2PPlayer({
    video: element,
    videoId: video.id,
    masterUrl: masterUrl.href,
    manifestUrl,
    manifest,
    trackerUrl: trackerUrl.href,
    iceServers,
    sharing,
    network: networkHints(),
    authorize,
    contentIdOf,
    onBadPeer: (peerId, rejected, reportKey) => {
      reportedPeers.push(peerId);
      if (!signedIn) return;
      void apiRequest(`/tracker/${encodeURIComponent(video.id)}/reports`, {
        method: 'POST',
        body: { peerId, reportKey, segment: rejected.path ?? undefined },
      }).catch(() => {
        // The segment was already discarded and refetched; a lost report only delays the tracker's block.
      });
    },
    onUploadDecision: (decision) => {
      uploadDecision = decision;
    },
  });
  bindSharingForm(sharing, (settings) => player.setSharing(settings));

  const probe: PlayerProbe = {
    videoId: video.id,
    counters: player.counters,
    rejected: player.rejected,
    reportedPeers,
    uploadDecision: null,
    samplesAccepted: 0,
    levelHeights: [],
    currentLevelHeight: null,
    connectedPeerIds: [],
    ended: false,
  };
  window.__vibestreamPlayer = probe;
  element.addEventListener('ended', () => {
    probe.ended = true;
  });

  if (signedIn) recordViewing(element, video.id);

  if (signedIn) {
    // Playback does not depend on analytics: the reporter keeps failed batches and never throws.
    const reporter = new StatsReporter<StatsSample>({ videoId: video.id });
    let firstReading = true;
    const takeReading = async () => {
      for (const sample of await playerSamples(player.counters)) reporter.addSample(sample);
      // The first reading goes out at once so the session shows up while the viewer is still watching.
      if (firstReading) await reporter.flush();
      firstReading = false;
      probe.samplesAccepted = reporter.counters.samplesAccepted;
    };
    const sampler = window.setInterval(() => void takeReading(), STATS_SAMPLE_INTERVAL_MS);
    reporter.start();
    window.addEventListener(
      'pagehide',
      () => {
        window.clearInterval(sampler);
        void takeReading().then(() => reporter.stop());
      },
      { once: true },
    );
  }

  const render = () => {
    const { counters } = player;
    const total = counters.p2pBytes + counters.httpBytes;
    byId('stat-offload').textContent = total > 0 ? `${Math.round((counters.p2pBytes / total) * 100)} %` : '–';
    byId('stat-peers').textContent = String(counters.peersConnected);
    byId('stat-verified').textContent = String(counters.verifiedSegments);
    byId('stat-rejected').textContent = String(counters.rejectedSegments);
    byId('stat-uploaded').textContent = formatBytes(counters.uploadedBytes);
    const level = player.hls.levels[player.hls.currentLevel];
    probe.levelHeights = player.hls.levels.map((candidate) => candidate.height);
    probe.currentLevelHeight = level?.height ?? null;
    probe.connectedPeerIds = [...player.peers];
    byId('stat-level').textContent = level ? `${level.height}p${player.hls.autoLevelEnabled ? ' (auto)' : ''}` : 'Auto';
    probe.uploadDecision = uploadDecision;
    byId('sharing-status').textContent =
      !uploadDecision || uploadDecision.upload ? 'Sharing with other viewers.' : SHARING_MESSAGES[uploadDecision.reason];
  };
  window.setInterval(render, 1000);
  render();
  void autoplay(element);
}

void start();
