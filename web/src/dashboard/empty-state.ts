// Empty states of the dashboard and revenue pages. A chart with nothing to draw shows a sentence saying why and
// what would fill it, in place of its canvas, rather than an empty axis box that reads as broken. Styles are in
// dashboard/dashboard.css.
import { el } from '../dom';

export interface EmptyStateContent {
  /** What is missing, in one sentence: "No peer sessions in this range yet." */
  title: string;
  /** What makes data appear (text, links, code). */
  detail?: readonly (Node | string)[];
}

/** A block with the title and detail; `compact` is the one-line variant for tables and small panels. */
export function emptyState({ title, detail }: EmptyStateContent, variant: 'chart' | 'panel' | 'compact' = 'panel'): HTMLElement {
  return el(
    'div',
    { class: `empty-note empty-note--${variant}`, 'data-empty-state': '' },
    el('p', { class: 'empty-note__title' }, title),
    detail?.length ? el('p', { class: 'empty-note__detail' }, ...detail) : null,
  );
}

/**
 * Shows `content` in place of the chart of a `.chart-card` (or the chart again when `content` is null). The canvas
 * stays where it is, invisible (dashboard.css): Chart.js keeps its instance and draws into it again when a later
 * poll brings data. (Hiding it with `display` would fight Chart.js, which sets an inline `display` on its canvas
 * and puts back the one it found when a chart is destroyed.) The card's "Data table" disclosure is hidden with it,
 * as it would only repeat the sentence.
 */
export function setChartEmpty(card: Element, content: EmptyStateContent | null): void {
  const frame = card.querySelector<HTMLElement>('.chart-card__canvas');
  if (!frame) return;
  frame.querySelector(':scope > [data-empty-state]')?.remove();
  const empty = content !== null;
  frame.classList.toggle('chart-card__canvas--empty', empty);
  const canvas = frame.querySelector('canvas');
  if (empty) canvas?.setAttribute('aria-hidden', 'true');
  else canvas?.removeAttribute('aria-hidden');
  const data = card.querySelector<HTMLElement>('.chart-card__data');
  if (data) data.hidden = empty;
  if (content) frame.append(emptyState(content, 'chart'));
}

/** Inline code for a command the reader can run, e.g. `npm run simulate`. */
export function command(text: string): HTMLElement {
  return el('code', {}, text);
}

/** A local development stack (where developer commands such as the simulator make sense to suggest). */
export function isLocalStack(): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);
}
