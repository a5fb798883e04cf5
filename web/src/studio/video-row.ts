// One row of the studio's table: poster, title and the actions on the video (edit, watch, delete), then status,
// visibility, duration, date, views, revenue and price.

import { refreshSession } from '../api';
import type { Video } from '../api-types';
import { el } from '../dom';
import { describeDuration, formatDate, formatDuration, formatLanguage } from '../format';
import { session } from '../session';
import { formatMoney } from './money';
import type { VideoPrices, VideoStats } from './types';

export interface RowActions {
  edit: (video: Video) => void;
  remove: (video: Video) => void;
}

const STATUS_LABELS: Record<Video['status'], string> = {
  draft: 'Draft',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

const VISIBILITY_LABELS: Record<Video['visibility'], string> = {
  public: 'Public',
  unlisted: 'Unlisted',
  private: 'Private',
};

/** GET with the creator's access token, refreshing the session once if the token has just expired. */
async function fetchWithSession(url: string): Promise<Response> {
  const send = () => fetch(url, { headers: session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {} });
  const response = await send();
  if (response.status === 401 && (await refreshSession())) return send();
  return response;
}

/**
 * The poster comes from the video's file route. A public or unlisted, free and ready video's poster is an open,
 * cacheable file: a plain image. For drafts, private and paid videos the route wants the creator's credentials,
 * which an <img> cannot send: those are fetched with the session and shown through a blob: URL.
 */
function posterOf(video: Video, prices: VideoPrices | undefined): HTMLElement {
  const frame = el('div', { class: 'studio-thumb', 'aria-hidden': 'true' });
  const posterUrl = video.posterUrl;
  if (!posterUrl) return frame;
  const image = el('img', { class: 'studio-thumb__image', alt: '', decoding: 'async' });
  image.addEventListener('load', () => frame.classList.add('studio-thumb--loaded'));
  image.addEventListener('error', () => image.remove());
  frame.append(image);
  const open = video.status === 'ready' && video.visibility !== 'private' && prices !== undefined && !prices.purchase && !prices.rental;
  if (open) {
    image.src = posterUrl;
    return frame;
  }
  void fetchWithSession(posterUrl)
    .then(async (response) => {
      if (!response.ok) return image.remove();
      const objectUrl = URL.createObjectURL(await response.blob());
      image.addEventListener('load', () => URL.revokeObjectURL(objectUrl), { once: true });
      image.src = objectUrl;
    })
    .catch(() => image.remove());
  return frame;
}

function statusCell(video: Video): HTMLElement {
  return el(
    'td',
    {},
    el('span', { class: `status-badge status-badge--${video.status}`, 'data-status': video.status }, STATUS_LABELS[video.status]),
    video.status === 'failed' && video.statusReason ? el('p', { class: 'studio-row__reason' }, video.statusReason) : null,
  );
}

function revenueText(stats: VideoStats | undefined): string {
  if (!stats) return '—';
  if (stats.revenue.length === 0) {
    // Nothing sold: zero in the currency it is priced in, or a dash for a free video.
    const currency = stats.prices.purchase?.currency ?? stats.prices.rental?.currency;
    return currency ? formatMoney(0, currency) : '—';
  }
  return stats.revenue.map((line) => formatMoney(line.revenueCents, line.currency)).join(' + ');
}

/** One line per way to buy: "Buy $4.99", "Rent $1.99 · 48 h"; "Free" when neither. */
function priceLines(prices: VideoPrices | undefined): HTMLElement[] {
  if (!prices) return [el('span', {}, '—')];
  const lines: HTMLElement[] = [];
  if (prices.purchase)
    lines.push(el('span', { class: 'studio-row__price' }, `Buy ${formatMoney(prices.purchase.amount, prices.purchase.currency)}`));
  if (prices.rental) {
    const hours = prices.rental.rentalHours;
    const price = formatMoney(prices.rental.amount, prices.rental.currency);
    lines.push(el('span', { class: 'studio-row__price' }, `Rent ${price}${hours ? ` · ${hours} h` : ''}`));
  }
  return lines.length ? lines : [el('span', {}, 'Free')];
}

export function renderVideoRow(video: Video, stats: VideoStats | undefined, actions: RowActions): HTMLTableRowElement {
  const meta = [formatLanguage(video.language), ...video.tags.map((tag) => `#${tag}`)].join(' · ');
  const editButton = el('button', { type: 'button', class: 'studio-action', 'data-action': 'edit' }, 'Edit');
  editButton.addEventListener('click', () => actions.edit(video));
  const deleteButton = el('button', { type: 'button', class: 'studio-action studio-action--danger', 'data-action': 'delete' }, 'Delete');
  deleteButton.addEventListener('click', () => actions.remove(video));
  const watchPath = `/watch/${encodeURIComponent(video.id)}`;

  return el(
    'tr',
    { 'data-video-id': video.id },
    el(
      'th',
      { scope: 'row', class: 'studio-row__video' },
      el(
        'div',
        { class: 'studio-row__identity' },
        posterOf(video, stats?.prices),
        el(
          'div',
          { class: 'studio-row__text' },
          el('a', { href: watchPath, class: 'studio-row__title' }, video.title),
          el('span', { class: 'studio-row__meta' }, meta),
          el(
            'span',
            { class: 'studio-row__actions' },
            editButton,
            // Only a ready video has something to play.
            video.status === 'ready' ? el('a', { href: watchPath, class: 'studio-action' }, 'Watch') : null,
            deleteButton,
          ),
        ),
      ),
    ),
    statusCell(video),
    el('td', { 'data-field': 'visibility' }, VISIBILITY_LABELS[video.visibility]),
    el(
      'td',
      { class: 'numeric' },
      video.durationSeconds === null
        ? '—'
        : el('span', { title: describeDuration(video.durationSeconds) }, formatDuration(video.durationSeconds)),
    ),
    el('td', {}, el('time', { datetime: video.createdAt }, formatDate(video.createdAt))),
    el('td', { class: 'numeric', 'data-field': 'views' }, stats ? stats.views.toLocaleString() : '—'),
    el('td', { class: 'numeric', 'data-field': 'revenue' }, revenueText(stats)),
    el('td', { 'data-field': 'price' }, ...priceLines(stats?.prices)),
  );
}
