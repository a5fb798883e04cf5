// "Up next" beside the player: recommendations built around the video being watched. Signed-in viewers get their
// personal list (GET /api/v1/recommendations?context=…); signed-out visitors, or a session that cannot be
// refreshed, get the video's similar videos (GET /api/v1/videos/{id}/similar). Each entry links to its watch page
// and says why it is there ("Because you watched …", "Popular near you").
import { ApiError, api, apiRequest } from '../api';
import { el } from '../dom';
import { formatDuration } from '../format';
import { session } from '../session';

export interface UpNextItem {
  video: { id: string; title: string; creatorId: string; creatorName: string; durationSeconds: number | null; posterUrl: string | null };
  score: number;
  reason: { kind: string; videoId?: string; region?: string };
  explanation: string;
  p2pBoosted: boolean;
}

interface UpNextList {
  items: UpNextItem[];
  region: string;
  coldStart: boolean;
}

const LIMIT = 8;
let instances = 0;

async function fetchUpNext(videoId: string, signal?: AbortSignal): Promise<UpNextItem[]> {
  if (session.user || session.refreshToken) {
    try {
      const list = await apiRequest<UpNextList>('/recommendations', { query: { context: videoId, limit: LIMIT }, signal });
      return list.items;
    } catch (error) {
      // The session could not be refreshed: fall through to what anyone may see.
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
  }
  const list = await apiRequest<UpNextList>(`/videos/${encodeURIComponent(videoId)}/similar`, {
    query: { limit: LIMIT },
    auth: false,
    signal,
  });
  return list.items;
}

/**
 * A new catalog has no viewing history yet, so neither trends nor neighbours: rather than an empty column, the
 * newest free videos of the public catalog (paid ones would only ask to be bought).
 */
async function newestFreeVideos(videoId: string, signal?: AbortSignal): Promise<UpNextItem[]> {
  const page = await api.listVideos({ limit: LIMIT * 3 }, signal);
  return page.items
    .filter((video) => video.id !== videoId && video.priceCents === 0)
    .slice(0, LIMIT)
    .map((video) => ({ video, score: 0, reason: { kind: 'new' }, explanation: 'New on VibeStream', p2pBoosted: false }));
}

function entry(item: UpNextItem): HTMLLIElement {
  const meta = [item.video.creatorName, item.video.durationSeconds ? formatDuration(item.video.durationSeconds) : null]
    .filter(Boolean)
    .join(' · ');
  return el(
    'li',
    { class: 'up-next-item' },
    el(
      'a',
      { class: 'up-next-link', href: `/watch/${encodeURIComponent(item.video.id)}` },
      item.video.posterUrl ? el('img', { class: 'up-next-poster', src: item.video.posterUrl, alt: '', loading: 'lazy' }) : null,
      el('span', { class: 'up-next-title' }, item.video.title),
      meta ? el('span', { class: 'up-next-meta' }, meta) : null,
    ),
    el('p', { class: 'up-next-why' }, item.explanation),
  );
}

/** Fills `container` with the "Up next" list for `videoId`; never throws (a failure is shown in place). */
export async function renderUpNext(container: HTMLElement, videoId: string): Promise<void> {
  instances += 1;
  const headingId = `up-next-heading-${instances}`;
  const status = el('p', { class: 'up-next-status', role: 'status' }, 'Loading suggestions…');
  const section = el(
    'section',
    { class: 'up-next', 'aria-labelledby': headingId, 'aria-busy': 'true' },
    el('h2', { id: headingId }, 'Up next'),
    status,
  );
  container.replaceChildren(section);
  try {
    let items = await fetchUpNext(videoId);
    if (items.length === 0) items = await newestFreeVideos(videoId);
    if (items.length === 0) {
      status.textContent = 'Nothing to suggest yet.';
    } else {
      status.remove();
      section.append(el('ol', { class: 'up-next-list' }, ...items.map(entry)));
    }
  } catch (error) {
    status.textContent =
      error instanceof ApiError && error.status === 404 ? 'No suggestions for this video.' : 'Suggestions could not be loaded.';
  } finally {
    section.removeAttribute('aria-busy');
  }
}
