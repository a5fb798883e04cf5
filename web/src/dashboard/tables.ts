// Tables of the dashboard: regions, problem sessions, a session's minutes and connection events, and the data
// behind each chart (its text alternative). Real <table>s with <th scope> headers, wrapped in a focusable
// scroll region so wide tables stay usable on a phone and from the keyboard. The revenue page builds its table
// with `dataTable` too.
import type { BreakdownRow, PeerSession, SessionConnectionEvent, SessionMinute } from '../api-types';
import { el } from '../dom';
import { type EmptyStateContent, emptyState } from './empty-state';
import {
  countryName,
  describeMos,
  formatBytes,
  formatCount,
  formatDateTime,
  formatMos,
  formatMs,
  formatPercent,
  formatRecent,
  formatTime,
  NO_DATA,
  shortId,
} from './format';

type Cell = Node | string;

export interface Column<T> {
  header: string;
  cell: (row: T) => Cell;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** This column names the row: rendered as <th scope="row">. */
  rowHeader?: boolean;
}

export interface TableOptions<T> {
  caption: string;
  /** Show the caption to screen readers only (the section heading already says it). */
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  /** Shown instead of a table without rows: a short line, or an empty state saying why and what fills it. */
  empty: string | EmptyStateContent;
  rowAttributes?: (row: T) => Record<string, string>;
  /** The table element's id, for pages and tests that address it. */
  id?: string;
  /** Extra classes of the table element, e.g. `data-table--compact`. */
  className?: string;
}

export function dataTable<T>({ caption, captionHidden, columns, rows, empty, rowAttributes, id, className }: TableOptions<T>): HTMLElement {
  if (rows.length === 0) return typeof empty === 'string' ? el('p', { class: 'empty-state' }, empty) : emptyState(empty, 'compact');
  const table = el(
    'table',
    { class: className ? `data-table ${className}` : 'data-table', id },
    el('caption', { class: captionHidden ? 'visually-hidden' : null }, caption),
    el(
      'thead',
      {},
      el('tr', {}, ...columns.map((column) => el('th', { scope: 'col', class: column.numeric ? 'numeric' : null }, column.header))),
    ),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el(
          'tr',
          rowAttributes?.(row) ?? {},
          ...columns.map((column) =>
            el(
              column.rowHeader ? 'th' : 'td',
              { scope: column.rowHeader ? 'row' : null, class: column.numeric ? 'numeric' : null },
              column.cell(row),
            ),
          ),
        ),
      ),
    ),
  );
  // tabindex lets keyboard users scroll a table wider than the screen; the label names the region.
  return el('div', { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-label': caption }, table);
}

export function regionTable(rows: readonly BreakdownRow[], empty: string | EmptyStateContent = 'No sessions in this range.'): HTMLElement {
  // Busiest first (by sessions, or samples where a server leaves sessions out).
  const sorted = [...rows].sort((a, b) => (b.sessions ?? b.samples) - (a.sessions ?? a.samples) || b.samples - a.samples);
  // A server that does not count sessions per group leaves the field out; the column goes with it.
  const hasSessions = rows.some((row) => typeof row.sessions === 'number');
  return dataTable<BreakdownRow>({
    caption: 'Quality and delivery by region (country)',
    captionHidden: true,
    rows: sorted,
    empty,
    rowAttributes: (row) => ({ 'data-country': row.key }),
    columns: [
      {
        header: 'Region',
        rowHeader: true,
        cell: (row) =>
          el(
            'span',
            { class: 'region-cell' },
            countryName(row.key),
            ' ',
            el('span', { class: 'muted' }, row.key || NO_DATA),
            row.key
              ? el(
                  'button',
                  {
                    type: 'button',
                    class: 'link-button',
                    'data-filter-country': row.key,
                    'aria-label': `Show only ${countryName(row.key)}`,
                  },
                  'Filter',
                )
              : null,
          ),
      },
      ...(hasSessions ? [{ header: 'Sessions', numeric: true, cell: (row: BreakdownRow) => formatCount(row.sessions) }] : []),
      { header: 'Samples', numeric: true, cell: (row) => formatCount(row.samples) },
      { header: 'RTT avg', numeric: true, cell: (row) => formatMs(row.rttAvgMs) },
      { header: 'Loss', numeric: true, cell: (row) => formatPercent(row.lossRate) },
      { header: 'MOS avg', numeric: true, cell: (row) => formatMos(row.mosAvg) },
      { header: 'P2P offload', numeric: true, cell: (row) => formatPercent(row.offloadRatio, 1) },
      { header: 'From peers', numeric: true, cell: (row) => formatBytes(row.bytesFromPeers) },
      { header: 'Over HTTP', numeric: true, cell: (row) => formatBytes(row.bytesFromHttp) },
    ],
  });
}

/**
 * The problem sessions, fitting a 1280 px wide page without scrolling: compact cells, headers that may wrap, the
 * last-seen time without the date when it is today. Narrower screens scroll the table.
 */
export function sessionsTable(rows: readonly PeerSession[], empty: string | EmptyStateContent = 'No sessions in this range.'): HTMLElement {
  return dataTable<PeerSession>({
    caption: 'Sessions with the most problems, worst first',
    captionHidden: true,
    rows,
    empty,
    className: 'data-table--compact',
    rowAttributes: (row) => ({ 'data-session-id': row.sessionId, class: 'clickable-row' }),
    columns: [
      {
        header: 'Session',
        rowHeader: true,
        cell: (row) =>
          el(
            'button',
            {
              type: 'button',
              class: 'link-button mono',
              'data-open-session': row.sessionId,
              'aria-haspopup': 'dialog',
              'aria-label': `Details of session ${row.sessionId}`,
              title: row.sessionId,
            },
            shortId(row.sessionId),
          ),
      },
      { header: 'Video', cell: (row) => el('span', { class: 'mono', title: row.videoId ?? '' }, shortId(row.videoId)) },
      { header: 'Region', cell: (row) => (row.country ? `${countryName(row.country)} (${row.country})` : NO_DATA) },
      {
        header: 'Last seen',
        cell: (row) => el('time', { datetime: row.lastSeenAt, title: formatDateTime(row.lastSeenAt) }, formatRecent(row.lastSeenAt)),
      },
      { header: 'MOS', numeric: true, cell: (row) => formatMos(row.mos) },
      { header: 'RTT', numeric: true, cell: (row) => formatMs(row.rttMs) },
      { header: 'Loss', numeric: true, cell: (row) => formatPercent(row.lossRate) },
      { header: 'P2P offload', numeric: true, cell: (row) => formatPercent(row.offloadRatio, 1) },
      { header: 'Relay only', cell: (row) => (row.relayOnly ? 'Yes' : 'No') },
      { header: 'Freezes', numeric: true, cell: (row) => formatCount(row.freezes) },
      { header: 'Problem score', numeric: true, cell: (row) => formatCount(row.problemScore) },
    ],
  });
}

export function sessionFacts(session: PeerSession): HTMLElement {
  const facts: [string, Cell][] = [
    ['Session', el('span', { class: 'mono' }, session.sessionId)],
    ['Peer', el('span', { class: 'mono' }, session.peerId)],
    ['Video', el('span', { class: 'mono' }, session.videoId ?? NO_DATA)],
    ['Region', session.country ? `${countryName(session.country)} (${session.country})` : NO_DATA],
    ['Edge location', session.colo ?? NO_DATA],
    ['First seen', formatDateTime(session.firstSeenAt)],
    ['Last seen', formatDateTime(session.lastSeenAt)],
    ['Samples', formatCount(session.samples)],
    ['MOS', `${formatMos(session.mos)} (${describeMos(session.mos)})`],
    ['Quality score', `${formatCount(session.score)}${session.tier ? ` (${session.tier})` : ''}`],
    ['RTT', formatMs(session.rttMs)],
    ['Loss', formatPercent(session.lossRate)],
    ['P2P offload', formatPercent(session.offloadRatio, 1)],
    ['Relay only', session.relayOnly ? 'Yes' : 'No'],
    ['Freezes', formatCount(session.freezes)],
    ['Problem score', formatCount(session.problemScore)],
  ];
  return el('dl', { class: 'facts' }, ...facts.map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
}

export function minutesTable(minutes: readonly SessionMinute[]): HTMLElement {
  return dataTable<SessionMinute>({
    caption: 'Per-minute statistics',
    captionHidden: true,
    rows: minutes,
    empty: 'No per-minute statistics for this session.',
    columns: [
      { header: 'Minute', rowHeader: true, cell: (row) => el('time', { datetime: row.minute }, formatTime(row.minute)) },
      { header: 'Samples', numeric: true, cell: (row) => formatCount(row.samples) },
      { header: 'RTT avg', numeric: true, cell: (row) => formatMs(row.rttAvgMs) },
      { header: 'Loss', numeric: true, cell: (row) => formatPercent(row.lossRate) },
      { header: 'MOS', numeric: true, cell: (row) => formatMos(row.mosAvg) },
      { header: 'Score', numeric: true, cell: (row) => formatCount(row.scoreAvg) },
      { header: 'Received', numeric: true, cell: (row) => formatBytes(row.bytesReceived) },
      { header: 'From peers', numeric: true, cell: (row) => formatBytes(row.bytesFromPeers) },
      { header: 'Over HTTP', numeric: true, cell: (row) => formatBytes(row.bytesFromHttp) },
      { header: 'Freezes', numeric: true, cell: (row) => formatCount(row.freezes) },
    ],
  });
}

const EVENT_LABELS: Record<SessionConnectionEvent['type'], string> = {
  attempted: 'Attempted',
  connected: 'Connected',
  failed: 'Failed',
  closed: 'Closed',
};

export function eventsTable(events: readonly SessionConnectionEvent[]): HTMLElement {
  return dataTable<SessionConnectionEvent>({
    caption: 'Connection events',
    captionHidden: true,
    rows: events,
    empty: 'No connection events for this session.',
    columns: [
      { header: 'Time', rowHeader: true, cell: (row) => el('time', { datetime: row.ts }, formatTime(row.ts)) },
      { header: 'Remote peer', cell: (row) => el('span', { class: 'mono', title: row.remotePeerId }, shortId(row.remotePeerId)) },
      { header: 'Event', cell: (row) => el('span', { class: `event event--${row.type}` }, EVENT_LABELS[row.type] ?? row.type) },
      { header: 'Local candidate', cell: (row) => row.localCandidateType ?? NO_DATA },
      { header: 'Remote candidate', cell: (row) => row.remoteCandidateType ?? NO_DATA },
      { header: 'Protocol', cell: (row) => row.protocol?.toUpperCase() ?? NO_DATA },
      { header: 'Setup', numeric: true, cell: (row) => formatMs(row.setupMs) },
    ],
  });
}

/** Two-column table of (label, value): the text alternative of a bar or doughnut chart. */
export function pairsTable(caption: string, headers: [string, string], pairs: readonly [string, string][]): HTMLElement {
  return dataTable<[string, string]>({
    caption,
    rows: pairs,
    empty: 'No data in this range.',
    columns: [
      { header: headers[0], rowHeader: true, cell: (pair) => pair[0] },
      { header: headers[1], numeric: true, cell: (pair) => pair[1] },
    ],
  });
}
