// The revenue page (/revenue/, creators and admins): GET /api/v1/reports/revenue as tiles, a stacked Chart.js bar
// chart of creator earnings and platform revenue per group, a table, and the same report as CSV. Creators get
// their own rows only (the API decides; the page just shows what it is given). Amounts are minor units.
import { roleAtLeast } from '../../../src/domain/roles';
import { ApiError, api, apiRequest } from '../api';
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

function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

function query(format?: 'csv'): Record<string, string> {
  const data = new FormData(form);
  const days = Number(data.get('range') ?? 30);
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

function renderKpis(report: RevenueReport) {
  const kpis = byId('revenue-kpis');
  kpis.replaceChildren();
  if (report.totals.length === 0) {
    kpis.append(el('div', { class: 'kpi' }, el('dt', {}, 'Gross'), el('dd', { class: 'kpi__value', 'data-kpi': 'gross' }, '–')));
    return;
  }
  for (const total of report.totals) {
    const tile = (label: string, key: string, value: number | undefined, detail: string) =>
      value === undefined
        ? null
        : el(
            'div',
            { class: 'kpi' },
            el('dt', {}, `${label} (${total.currency})`),
            el(
              'dd',
              { class: 'kpi__value', 'data-kpi': key, 'data-currency': total.currency, 'data-minor': value },
              money(value, total.currency),
            ),
            el('dd', { class: 'kpi__detail' }, detail),
          );
    kpis.append(
      ...[
        tile('Gross', 'gross', total.gross, `${total.payments} payments`),
        tile('Refunds', 'refunds', total.refunds + total.chargebacks, 'refunds and chargebacks'),
        tile('Creator earnings', 'creatorEarnings', total.creatorEarnings, 'after refunds'),
        tile('Platform net', 'platformNet', total.platformNet, 'platform share less provider fees'),
      ].filter((node): node is HTMLDivElement => node !== null),
    );
  }
}

function renderTable(report: RevenueReport) {
  const container = byId('revenue-table');
  if (report.rows.length === 0) {
    container.replaceChildren(el('p', { class: 'empty-state' }, 'No revenue in this range.'));
    return;
  }
  const admin = report.rows.some((row) => row.platformRevenue !== undefined);
  const head = [
    'Group',
    'Currency',
    'Gross',
    'Refunds',
    'Chargebacks',
    'Creator earnings',
    ...(admin ? ['Fees', 'Platform revenue', 'Platform net'] : []),
    'Payments',
  ];
  const table = el(
    'table',
    { class: 'data-table', id: 'revenue-rows' },
    el('thead', {}, el('tr', {}, ...head.map((label) => el('th', { scope: 'col' }, label)))),
    el(
      'tbody',
      {},
      ...report.rows.map((row) =>
        el(
          'tr',
          { 'data-key': row.key },
          el('th', { scope: 'row' }, row.key),
          el('td', {}, row.currency),
          el('td', {}, money(row.gross, row.currency)),
          el('td', {}, money(row.refunds, row.currency)),
          el('td', {}, money(row.chargebacks, row.currency)),
          el('td', {}, money(row.creatorEarnings, row.currency)),
          ...(admin
            ? [
                el('td', {}, money(row.fees ?? 0, row.currency)),
                el('td', {}, money(row.platformRevenue ?? 0, row.currency)),
                el('td', {}, money(row.platformNet ?? 0, row.currency)),
              ]
            : []),
          el('td', {}, row.payments),
        ),
      ),
    ),
  );
  container.replaceChildren(el('div', { class: 'table-scroll' }, table));
}

async function renderChart(report: RevenueReport) {
  // Chart.js is its own chunk: the tiles and table are painted before it has loaded.
  const { default: Chart } = await import('chart.js/auto');
  const canvas = byId<HTMLCanvasElement>('revenue-chart');
  const labels = report.rows.map((row) => (report.totals.length > 1 ? `${row.key} ${row.currency}` : row.key));
  const datasets = [
    { label: 'Creator earnings', data: report.rows.map((row) => row.creatorEarnings / 100), stack: 'split' },
    ...(report.scope === 'all' || report.rows.some((row) => row.platformRevenue !== undefined)
      ? [{ label: 'Platform revenue', data: report.rows.map((row) => (row.platformRevenue ?? 0) / 100), stack: 'split' }]
      : []),
  ];
  state.chart?.destroy();
  state.chart = new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
  }) as unknown as ChartInstance;
  canvas.setAttribute('aria-label', `Revenue by ${report.groupBy}: ${report.rows.length} groups`);
}

async function load() {
  status.textContent = 'Loading…';
  try {
    const report = await apiRequest<RevenueReport>('/reports/revenue', { query: query() });
    state.report = report;
    state.loads += 1;
    byId('revenue-scope').textContent = report.scope === 'all' ? 'All creators' : 'Your earnings';
    renderKpis(report);
    renderTable(report);
    status.textContent = `${new Date(report.from).toLocaleDateString()} – ${new Date(report.to).toLocaleDateString()}`;
    await renderChart(report);
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
