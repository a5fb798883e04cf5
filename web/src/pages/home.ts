// The catalog: public videos, searchable by text and filterable by tag, paged with the API's cursor.
// The filters live in the URL (`/?q=…&tag=…`), so a search can be bookmarked, shared and reloaded; without
// JavaScript the same form still submits as a plain GET.
import { ApiError, api } from '../api';
import type { Video } from '../api-types';
import { byId, el } from '../dom';
import { describeDuration, formatDate, formatDuration, formatLanguage, formatPrice, hueOf } from '../format';
import { mountLayout } from '../layout';

mountLayout();

const PAGE_SIZE = 12;
/** Wait this long after the last keystroke before searching, so typing a word costs one request, not five. */
const SEARCH_DEBOUNCE_MS = 300;

const form = byId<HTMLFormElement>('catalog-filters');
const searchInput = byId<HTMLInputElement>('search-q');
const tagInput = byId<HTMLInputElement>('filter-tag');
const knownTags = byId<HTMLDataListElement>('known-tags');
const list = byId<HTMLUListElement>('video-list');
const status = byId('catalog-status');
const loadMoreButton = byId<HTMLButtonElement>('load-more');

interface Filters {
  q: string;
  tag: string;
}

let filters: Filters = readFiltersFromUrl();
let nextCursor: string | null = null;
let shownCount = 0;
let inFlight: AbortController | null = null;
const seenTags = new Set<string>();

function readFiltersFromUrl(): Filters {
  const params = new URLSearchParams(window.location.search);
  return { q: params.get('q')?.trim() ?? '', tag: params.get('tag')?.trim() ?? '' };
}

function writeFiltersToUrl({ q, tag }: Filters): void {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (tag) params.set('tag', tag);
  const query = params.toString();
  window.history.replaceState(null, '', query ? `/?${query}` : '/');
}

function filtersFromForm(): Filters {
  return { q: searchInput.value.trim(), tag: tagInput.value.trim().replace(/^#/, '') };
}

function renderVideo(video: Video): HTMLLIElement {
  const headingId = `video-${video.id}-title`;
  const price = formatPrice(video.priceCents, video.currency);
  // The artwork repeats price and duration visually; assistive technology reads them from the text below.
  const artwork = el(
    'div',
    { class: 'video-card__art', 'aria-hidden': 'true' },
    // The poster covers the gradient, which stays as the placeholder while it loads or when a video has none.
    video.posterUrl ? el('img', { class: 'video-card__poster', src: video.posterUrl, alt: '', loading: 'lazy', decoding: 'async' }) : null,
    el('span', { class: video.priceCents > 0 ? 'video-card__price video-card__price--paid' : 'video-card__price' }, price),
    video.durationSeconds !== null ? el('span', { class: 'video-card__duration' }, formatDuration(video.durationSeconds)) : null,
  );
  // CSSOM writes are not inline style attributes, so the strict style policy does not apply to them.
  artwork.style.setProperty('--hue', String(hueOf(video.id)));

  const tags = video.tags.length
    ? el(
        'ul',
        { class: 'tag-list', 'aria-label': 'Tags' },
        ...video.tags.map((tag) =>
          el(
            'li',
            {},
            el('button', { type: 'button', class: 'tag', 'data-tag': tag, 'aria-label': `Show videos tagged ${tag}` }, `#${tag}`),
          ),
        ),
      )
    : null;

  return el(
    'li',
    {},
    el(
      'article',
      { class: 'video-card', 'aria-labelledby': headingId, tabindex: '-1', 'data-video-id': video.id },
      artwork,
      el(
        'div',
        { class: 'video-card__body' },
        el(
          'h3',
          { class: 'video-card__title', id: headingId },
          el('a', { class: 'video-card__link', href: `/watch/${encodeURIComponent(video.id)}` }, video.title),
        ),
        el(
          'p',
          { class: 'video-card__meta' },
          el('span', { class: 'video-card__creator' }, video.creatorName),
          el('span', {}, formatLanguage(video.language)),
          el('span', { class: 'visually-hidden' }, `, ${price}`),
          video.durationSeconds !== null ? el('span', { class: 'visually-hidden' }, `, ${describeDuration(video.durationSeconds)}`) : null,
        ),
        video.description ? el('p', { class: 'video-card__description' }, video.description) : null,
        tags,
        el('p', { class: 'video-card__date' }, 'Added ', el('time', { datetime: video.createdAt }, formatDate(video.createdAt))),
      ),
    ),
  );
}

function rememberTags(videos: Video[]): void {
  const before = seenTags.size;
  for (const video of videos) for (const tag of video.tags) seenTags.add(tag);
  if (seenTags.size === before) return;
  knownTags.replaceChildren(...[...seenTags].sort().map((tag) => el('option', { value: tag })));
}

function summary(): string {
  const { q, tag } = filters;
  const scope = [q && `matching “${q}”`, tag && `tagged #${tag}`].filter(Boolean).join(' and ');
  if (shownCount === 0) return scope ? `No videos ${scope}.` : 'No videos have been published yet.';
  const count = `${shownCount} video${shownCount === 1 ? '' : 's'}`;
  return scope ? `Showing ${count} ${scope}.` : `Showing ${count}.`;
}

function showError(error: unknown, retry: () => void): void {
  const message = error instanceof ApiError ? error.message : 'The catalog could not be loaded.';
  const retryButton = el('button', { type: 'button', class: 'button button--small button--quiet' }, 'Try again');
  retryButton.addEventListener('click', retry);
  status.replaceChildren(el('span', { class: 'catalog__error' }, message), ' ', retryButton);
}

/** Loads the first page for the current filters (`append` false) or the next page (`append` true). */
async function load(append: boolean): Promise<void> {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  list.setAttribute('aria-busy', 'true');
  loadMoreButton.disabled = true;
  if (!append) status.textContent = 'Loading videos…';

  try {
    const page = await api.listVideos(
      { q: filters.q, tag: filters.tag, limit: PAGE_SIZE, cursor: append ? (nextCursor ?? undefined) : undefined },
      controller.signal,
    );
    const cards = page.items.map(renderVideo);
    if (append) list.append(...cards);
    else list.replaceChildren(...cards);
    shownCount = (append ? shownCount : 0) + page.items.length;
    nextCursor = page.nextCursor;
    rememberTags(page.items);
    status.textContent = summary();
    // After "Load more", move focus to the first new video so keyboard users continue where the list grew.
    if (append) cards[0]?.querySelector<HTMLElement>('article')?.focus();
  } catch (error) {
    if (controller.signal.aborted) return;
    showError(error, () => void load(append));
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      list.removeAttribute('aria-busy');
      loadMoreButton.disabled = false;
      loadMoreButton.hidden = nextCursor === null;
    }
  }
}

function applyFilters(next: Filters): void {
  if (next.q === filters.q && next.tag === filters.tag) return;
  filters = next;
  nextCursor = null;
  writeFiltersToUrl(filters);
  void load(false);
}

let debounceTimer: number | undefined;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  window.clearTimeout(debounceTimer);
  applyFilters(filtersFromForm());
});

form.addEventListener('reset', () => {
  window.clearTimeout(debounceTimer);
  // The reset empties the inputs after this event; apply the empty filters explicitly.
  applyFilters({ q: '', tag: '' });
});

searchInput.addEventListener('input', () => {
  window.clearTimeout(debounceTimer);
  debounceTimer = window.setTimeout(() => applyFilters(filtersFromForm()), SEARCH_DEBOUNCE_MS);
});

tagInput.addEventListener('change', () => applyFilters(filtersFromForm()));

list.addEventListener('click', (event) => {
  const tagButton = (event.target as Element).closest<HTMLButtonElement>('button[data-tag]');
  if (!tagButton) return;
  tagInput.value = tagButton.dataset.tag ?? '';
  applyFilters(filtersFromForm());
  tagInput.focus();
});

loadMoreButton.addEventListener('click', () => void load(true));

searchInput.value = filters.q;
tagInput.value = filters.tag;
void load(false);
