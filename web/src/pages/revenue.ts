// The revenue page (/revenue/, creators and admins): GET /api/v1/reports/revenue as tiles, a stacked Chart.js bar
// chart of creator earnings and platform revenue per group, a table, and the same report as CSV. Creators get
// their own rows only (the API decides; the page just shows what it is given). Amounts are minor units.
//
// An empty range says so in words: which dates had no sales, what puts a sale here, and for a creator with no
// sale in the past year, how sales happen. The chart and table use the dashboard's empty states and table.
import { roleAtLeast } from '../../../src/domain/roles';
import { ApiError, api, apiRequest } from '../api';
import type { BarSeries } from '../dashboard/charts';
import { type EmptyStateContent, emptyState, setChartEmpty } from '../dashboard/empty-state';
import { type Column, dataTable } from '../dashboard/tables';
import { byId, el } from '../dom';
import { mountLayout } from '../layout';
import { session } from '../session';

mountLayout();

interface RevenueRow {
  key: string;
  currency: string;
  gross: number;
  refunds: number;
  chargebacks: number;
  creatorEarnings: number;
  payments: number;
  fees?: number;
  platformRevenue?: number;
  platformNet?: number;
}

interface RevenueReport {
  from: string;
  to: string;
  groupBy: 'day' | 'provider' | 'creator' | 'video';
  scope: 'all' | 'creator';
  rows: RevenueRow[];
  totals: RevenueRow[];
}

type ChartInstance = { data: { labels: string[]; datasets: { label: string; data: number[] }[] }; update(): void; destroy(): void };

declare global {
  interface Window {
    __revenue?: { report: RevenueReport | null; chart: ChartInstance | null; loads: number };
  }
}

const state: NonNullable<Window['__revenue']> = { report: null, chart: null, loads: 0 };
window.__revenue = state;

const form = byId<HTMLFormElement>('revenue-filters');
const status = byId('revenue-status');
const DAY_MS = 86_400_000;
/** The longest range the API reports on is 366 days: "no sales in the past year" is as far back as a page can ask. */
const YEAR_DAYS = 365;

const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
/** Report days are UTC dates ("2026-12-07"). */
const utcDayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** "Refunds" tiles and cells: money going back to buyers, shown as a negative amount. */
function moneyBack(minor: number, currency: string): string {
  return money(minor === 0 ? 0 : -minor, currency);
}

/** "Dec 1 and Dec 7" in the reader's locale, with the year when the range is not all in this year. */
function describeRange(report: RevenueReport): string {
  const from = new Date(report.from);
  const to = new Date(report.to);
  const thisYear = new Date().getFullYear();
  const format = from.getFullYear() === thisYear && to.getFullYear() === thisYear ? dayFormat : dayYearFormat;
  return `${format.format(from)} and ${format.format(to)}`;
}

function query(format?: 'csv', rangeDays?: number): Record<string, string> {
  const data = new FormData(form);
  const days = rangeDays ?? Number(data.get('range') ?? 30);
  const to = Date.now();
  const currency = String(data.get('currency') ?? '')
    .trim()
    .toUpperCase();
  return {
    from: String(to - days * DAY_MS),
    to: String(to),
    groupBy: String(data.get('groupBy') ?? 'day'),
    ...(/^[A-Z]{3}$/.test(currency) ? { currency } : {}),
    ...(format ? { format } : {}),
  };
}

/**
 * Why the range is empty. A creator with no sale in the past year (one more request, made only then) is told how
 * sales happen; anyone else, what would put a line here.
 */
async function explainEmptyRange(report: RevenueReport): Promise<EmptyStateContent> {
  const currency = query().currency;
  const title = `No sales${currency ? ` in ${currency}` : ''} between ${describeRange(report)}.`;
  const meaning = 'Sales appear here once a buyer pays; refunds show as negative lines.';
  if (report.scope !== 'creator') return { title, detail: [meaning] };
  // Any sale in any currency this past year: a creator filtering on a currency they do not sell in has sales.
  const yearQuery = query(undefined, YEAR_DAYS);
  delete yearQuery.currency;
  const year = await apiRequest<RevenueReport>('/reports/revenue', { query: { ...yearQuery, groupBy: 'provider' } }).catch(() => null);
  if (!year || year.rows.length > 0) return { title, detail: [meaning] };
  return {
    title,
    detail: [
      'You have no sales in the past year. A sale happens when a viewer buys or rents one of your videos: set a buy or rent price with ',
      el('strong', {}, 'Edit'),
      ' on the video in your ',
      el('a', { href: '/studio/' }, 'Creator studio'),
      '. Each payment then appears here with your share, the day it is paid; refunds show as negative lines.',
    ],
  };
}

function renderKpis(report: RevenueReport, empty: EmptyStateContent | null) {
  const kpis = byId('revenue-kpis');
  kpis.replaceChildren();
  byId('revenue-empty').replaceChildren(...(empty ? [emptyState(empty, 'panel')] : []));
  for (const total of report.totals) {
    const tile = (label: string, key: string, minor: number | undefined, detail: string, shown = money) =>
      minor === undefined
        ? null
        : el(
            'div',
            { class: 'kpi' },
            el('dt', {}, `${label} (${total.currency})`),
            el(
              'dd',
              { class: 'kpi__value', 'data-kpi': key, 'data-currency': total.currency, 'data-minor': minor },
              shown(minor, total.currency),
            ),
            el('dd', { class: 'kpi__detail' }, detail),
          );
    kpis.append(
      ...[
        tile('Gross', 'gross', total.gross, `${total.payments} payments`),
        tile('Refunds', 'refunds', total.refunds + total.chargebacks, 'refunds and chargebacks', moneyBack),
        tile('Creator earnings', 'creatorEarnings', total.creatorEarnings, 'after refunds'),
        tile('Platform net', 'platformNet', total.platformNet, 'platform share less provider fees'),
      ].filter((node): node is HTMLDivElement => node !== null),
    );
  }
}

function renderTable(report: RevenueReport) {
  const admin = report.rows.some((row) => row.platformRevenue !== undefined);
  const amount = (header: string, minor: (row: RevenueRow) => number, back = false): Column<RevenueRow> => ({
    header,
    numeric: true,
    cell: (row) => {
      const value = minor(row);
      return back && value !== 0 ? el('span', { class: 'negative' }, moneyBack(value, row.currency)) : money(value, row.currency);
    },
  });
  const columns: Column<RevenueRow>[] = [
    { header: GROUP_HEADERS[report.groupBy], rowHeader: true, cell: (row) => row.key },
    { header: 'Currency', cell: (row) => row.currency },
    amount('Gross', (row) => row.gross),
    amount('Refunds', (row) => row.refunds, true),
    amount('Chargebacks', (row) => row.chargebacks, true),
    amount('Creator earnings', (row) => row.creatorEarnings),
    ...(admin
      ? [
          amount('Fees', (row) => row.fees ?? 0, true),
          amount('Platform revenue', (row) => row.platformRevenue ?? 0),
          amount('Platform net', (row) => row.platformNet ?? 0),
        ]
      : []),
    { header: 'Payments', numeric: true, cell: (row) => String(row.payments) },
  ];
  byId('revenue-table').replaceChildren(
    dataTable<RevenueRow>({
      caption: `Revenue by ${report.groupBy}`,
      captionHidden: true,
      id: 'revenue-rows',
      className: 'data-table--compact',
      columns,
      rows: report.rows,
      empty: { title: `No rows: nothing was paid, refunded or charged back between ${describeRange(report)}.` },
      rowAttributes: (row) => ({ 'data-key': row.key }),
    }),
  );
}

const GROUP_HEADERS: Record<RevenueReport['groupBy'], string> = {
  day: 'Day (UTC)',
  provider: 'Provider',
  creator: 'Creator',
  video: 'Video',
};

/**
 * Grouped by day, every day of the range gets a slot (empty days included), so the bars keep their place in time.
 * Only for one currency: mixed currencies are separate groups and are drawn as the API lists them.
 */
function chartRows(report: RevenueReport): RevenueRow[] {
  if (report.groupBy !== 'day' || report.totals.length !== 1 || report.rows.length === 0) return report.rows;
  const currency = report.rows[0]?.currency ?? '';
  const byDay = new Map(report.rows.map((row) => [row.key, row]));
  const days: RevenueRow[] = [];
  for (let day = Date.parse(report.from.slice(0, 10)); day < Date.parse(report.to); day += DAY_MS) {
    const key = new Date(day).toISOString().slice(0, 10);
    days.push(byDay.get(key) ?? { key, currency, gross: 0, refunds: 0, chargebacks: 0, creatorEarnings: 0, payments: 0 });
  }
  return days;
}

async function renderChart(report: RevenueReport) {
  const card = byId('revenue-chart').closest('.chart-card') ?? byId('revenue-chart');
  const showsPlatform = report.scope === 'all' || report.rows.some((row) => row.platformRevenue !== undefined);
  byId('revenue-chart-title').textContent =
    `${showsPlatform ? 'Creator earnings and platform revenue' : 'Your earnings'} by ${report.groupBy}`;
  setChartEmpty(
    card,
    report.rows.length === 0
      ? { title: `Nothing to chart between ${describeRange(report)}.`, detail: [`Each sale adds to the bar of its ${report.groupBy}.`] }
      : null,
  );
  // Chart.js is its own chunk (shared with the dashboard): the tiles and table are painted before it has loaded.
  const { stackedBars } = await import('../dashboard/charts');
  const canvas = byId<HTMLCanvasElement>('revenue-chart');
  const rows = chartRows(report);
  const label = (row: RevenueRow) => (report.groupBy === 'day' ? utcDayFormat.format(Date.parse(row.key)) : row.key);
  const labels = rows.map((row) => (report.totals.length > 1 ? `${label(row)} ${row.currency}` : label(row)));
  const series: BarSeries[] = [
    { label: 'Creator earnings', data: rows.map((row) => row.creatorEarnings / 100) },
    ...(showsPlatform ? [{ label: 'Platform revenue', data: rows.map((row) => (row.platformRevenue ?? 0) / 100) }] : []),
  ];
  // Amounts on the axis in the report's currency when it has one; plain numbers across currencies.
  const currency = report.totals.length === 1 ? report.totals[0]?.currency : undefined;
  const format = (major: number) => (currency ? money(Math.round(major * 100), currency) : major.toLocaleString());
  state.chart?.destroy();
  state.chart = stackedBars(canvas, labels, series, format) as unknown as ChartInstance;
  canvas.setAttribute('aria-label', `Revenue by ${report.groupBy}: ${report.rows.length} groups`);
}

async function load() {
  status.textContent = 'Loading…';
  try {
    const report = await apiRequest<RevenueReport>('/reports/revenue', { query: query() });
    state.report = report;
    byId('revenue-scope').textContent = report.scope === 'all' ? 'All creators' : 'Your earnings';
    renderTable(report);
    status.textContent = dayYearFormat.formatRange(new Date(report.from), new Date(report.to));
    renderKpis(report, report.rows.length === 0 ? await explainEmptyRange(report) : null);
    await renderChart(report);
    // Counted once everything of this load is on screen (tests wait for it).
    state.loads += 1;
  } catch (error) {
    status.textContent = error instanceof ApiError ? error.message : 'Could not load the report.';
  }
}

async function exportCsv() {
  const token = session.accessToken;
  const response = await fetch(`/api/v1/reports/revenue?${new URLSearchParams(query('csv'))}`, {
    headers: token ? { Authorization: `Bearer ${token}`, Accept: 'text/csv' } : {},
  });
  if (!response.ok) {
    status.textContent = `Export failed (${response.status})`;
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { href: url, download: `revenue-${query().groupBy}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function start() {
  if (!session.user && !session.refreshToken) {
    window.location.assign(`/login/?next=${encodeURIComponent('/revenue/')}`);
    return;
  }
  let user = session.user;
  try {
    user = await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      window.location.assign(`/login/?next=${encodeURIComponent('/revenue/')}`);
      return;
    }
  }
  if (!user || !roleAtLeast(user.role, 'creator')) {
    byId('revenue-denied').hidden = false;
    return;
  }
  byId('revenue-body').hidden = false;
  const params = new URLSearchParams(window.location.search);
  for (const name of ['range', 'groupBy', 'currency']) {
    const value = params.get(name);
    const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (value && field) field.value = value;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const search = new URLSearchParams(new FormData(form) as unknown as Record<string, string>);
    history.replaceState(null, '', `/revenue/?${search}`);
    void load();
  });
  byId('revenue-export').addEventListener('click', () => void exportCsv());
  await load();
}

void start();
