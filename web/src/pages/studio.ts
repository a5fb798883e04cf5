// The creator studio (/studio/): the signed-in creator's own videos, whatever their status or visibility, with
// views and earnings at a glance; edit a video's details and prices, delete it, or go and watch it. Each page of
// GET /me/videos is followed by one GET /me/videos/stats for the videos on it.
import { roleAtLeast } from '../../../src/domain/roles';
import { ApiError, apiRequest } from '../api';
import type { Page, Video } from '../api-types';
import { byId, el } from '../dom';
import { mountLayout } from '../layout';
import { session } from '../session';
import { openEditor } from '../studio/edit-dialog';
import type { VideoStats, VideoStatsList } from '../studio/types';
import { renderVideoRow } from '../studio/video-row';

mountLayout();

const PAGE_SIZE = 20;

const rows = byId<HTMLTableSectionElement>('studio-rows');
const tableWrap = byId('studio-table-wrap');
const emptyState = byId('studio-empty');
const statusLine = byId('studio-status');
const errorLine = byId('studio-error');
const moreButton = byId<HTMLButtonElement>('studio-more');
const deleteDialog = byId<HTMLDialogElement>('delete-dialog');
const deleteConfirm = byId<HTMLButtonElement>('delete-confirm');
const deleteError = byId('delete-error');

const videos = new Map<string, Video>();
const stats = new Map<string, VideoStats>();
let nextCursor: string | null = null;
let loadedFor: string | null = null;
let loading: AbortController | null = null;
let deleting: Video | null = null;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Please try again.';
}

function showError(message: string): void {
  errorLine.textContent = message;
}

function renderRow(video: Video): HTMLTableRowElement {
  return renderVideoRow(video, stats.get(video.id), { edit, remove: confirmDelete });
}

function replaceRow(video: Video): void {
  rows.querySelector(`tr[data-video-id="${CSS.escape(video.id)}"]`)?.replaceWith(renderRow(video));
}

function renderListState(): void {
  const count = videos.size;
  tableWrap.hidden = count === 0;
  // A list that failed to load is not an empty one: the error says what happened instead.
  emptyState.hidden = count > 0 || nextCursor !== null || errorLine.textContent !== '';
  moreButton.hidden = nextCursor === null;
  statusLine.textContent = count === 0 ? '' : `${count} ${count === 1 ? 'video' : 'videos'}${nextCursor ? ' shown' : ''}`;
}

async function fetchStats(ids: string[], signal?: AbortSignal): Promise<void> {
  if (ids.length === 0) return;
  const list = await apiRequest<VideoStatsList>('/me/videos/stats', { query: { ids: ids.join(',') }, signal });
  for (const item of list.items) stats.set(item.videoId, item);
}

async function loadPage(cursor: string | null): Promise<void> {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  moreButton.disabled = true;
  rows.parentElement?.setAttribute('aria-busy', 'true');
  if (!cursor) statusLine.textContent = 'Loading your videos…';
  try {
    const page = await apiRequest<Page<Video>>('/me/videos', { query: { limit: PAGE_SIZE, cursor }, signal: controller.signal });
    try {
      await fetchStats(
        page.items.map((video) => video.id),
        controller.signal,
      );
    } catch (error) {
      if (controller.signal.aborted) return;
      // The list is still worth showing; its figures say "—" until a reload.
      showError(`Views and revenue could not be loaded: ${messageOf(error)}`);
    }
    if (controller.signal.aborted) return;
    for (const video of page.items) {
      videos.set(video.id, video);
      rows.append(renderRow(video));
    }
    nextCursor = page.nextCursor;
  } catch (error) {
    if (controller.signal.aborted) return;
    showError(messageOf(error));
  } finally {
    if (loading === controller) {
      loading = null;
      moreButton.disabled = false;
      rows.parentElement?.removeAttribute('aria-busy');
      renderListState();
    }
  }
}

function edit(video: Video): void {
  const current = videos.get(video.id) ?? video;
  const prices = stats.get(video.id)?.prices ?? { purchase: null, rental: null };
  openEditor(current, prices, async ({ video: saved, pricesChanged }) => {
    videos.set(saved.id, saved);
    if (pricesChanged) {
      try {
        await fetchStats([saved.id]);
      } catch (error) {
        showError(`Saved, but the new figures could not be loaded: ${messageOf(error)}`);
      }
    }
    replaceRow(saved);
    statusLine.textContent = `Saved “${saved.title}”.`;
  });
}

function confirmDelete(video: Video): void {
  deleting = videos.get(video.id) ?? video;
  byId('delete-video-title').textContent = deleting.title;
  deleteError.textContent = '';
  deleteDialog.showModal();
  deleteDialog.querySelector<HTMLButtonElement>('[data-close]')?.focus();
}

deleteConfirm.addEventListener('click', async () => {
  const video = deleting;
  if (!video) return;
  deleteConfirm.disabled = true;
  deleteConfirm.textContent = 'Deleting…';
  try {
    await apiRequest<void>(`/videos/${encodeURIComponent(video.id)}`, { method: 'DELETE' });
    videos.delete(video.id);
    stats.delete(video.id);
    rows.querySelector(`tr[data-video-id="${CSS.escape(video.id)}"]`)?.remove();
    deleteDialog.close();
    renderListState();
    statusLine.textContent = `Deleted “${video.title}”.`;
  } catch (error) {
    deleteError.textContent = messageOf(error);
  } finally {
    deleteConfirm.disabled = false;
    deleteConfirm.textContent = 'Delete video';
  }
});

for (const button of deleteDialog.querySelectorAll('[data-close]')) button.addEventListener('click', () => deleteDialog.close());
deleteDialog.addEventListener('close', () => {
  deleting = null;
});

moreButton.addEventListener('click', () => {
  if (nextCursor) void loadPage(nextCursor);
});

function reset(): void {
  loading?.abort();
  loading = null;
  videos.clear();
  stats.clear();
  nextCursor = null;
  rows.replaceChildren();
  errorLine.textContent = '';
  statusLine.textContent = '';
}

function renderAccess(): void {
  const user = session.user;
  const allowed = user !== null && roleAtLeast(user.role, 'creator');
  byId('studio-denied').hidden = allowed;
  byId('studio-body').hidden = !allowed;
  byId('studio-upload').hidden = !allowed;
  const deniedText = byId('studio-denied-text');
  if (!user) {
    deniedText.replaceChildren(
      'The studio is where creators manage their videos. ',
      el('a', { href: `/login/?next=${encodeURIComponent('/studio/')}` }, 'Sign in'),
      ' with a creator account to use it.',
    );
  } else if (!allowed) {
    deniedText.textContent = `The studio is where creators manage their videos. You are signed in as ${user.displayName}, a viewer account.`;
  }
  if (allowed && loadedFor !== user.id) {
    reset();
    loadedFor = user.id;
    void loadPage(null);
  } else if (!allowed) {
    reset();
    loadedFor = null;
  }
}

session.subscribe(renderAccess);
renderAccess();
