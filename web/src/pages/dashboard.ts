// The operator dashboard (/dashboard/, admins only): fleet-wide WebRTC quality and P2P delivery from the
// analytics API, polled while the tab is visible.
//
// Opening fast: the summary request goes out first and the overview (KPI tiles, gauge, MOS and candidate-type
// charts) is painted the moment it answers, without waiting for the trends, tables and alerts requested after
// it (on the first load they are sent once it has answered). Chart.js is a separate chunk, preloaded by the
// page's HTML (web/vite.config.ts), whose download overlaps that first request. `performance.mark('first-chart')`
// is set when the first chart has drawn (dashboard/charts.ts), and `window.__dashboard` exposes the charts and
// load counters to tests and benchmarks.
import { roleAtLeast } from '../../../src/domain/roles';
import { ApiError, api } from '../api';
import type { Alert, AnalyticsFilters, AnalyticsSummary, Breakdown, ExportReport, Page, PeerSession, Timeseries, User } from '../api-types';
import { type AnalyticsSource, chooseAnalyticsSource, downloadExport } from '../dashboard/analytics-api';
import type { DashboardCharts, TrendPoint, TrendSpec } from '../dashboard/charts';
import { command, type EmptyStateContent, isLocalStack, setChartEmpty } from '../dashboard/empty-state';
import {
  analyticsFilters,
  BUCKET_MS,
  type DashboardFilters,
  DEFAULT_RANGE,
  filtersToSearch,
  fromDateTimeLocal,
  normaliseCountry,
  normaliseVideoId,
  type RangeId,
  type ResolvedRange,
  readFilters,
  resolveRange,
  toDateTimeLocal,
} from '../dashboard/filters';
import {
  countryName,
  describeMos,
  formatAgo,
  formatBytes,
  formatCount,
  formatDateTime,
  formatMetric,
  formatMos,
  formatMs,
  formatNumber,
  formatPercent,
  MOS_BAND_LABELS,
  shortId,
} from '../dashboard/format';
import { eventsTable, minutesTable, pairsTable, regionTable, sessionFacts, sessionsTable } from '../dashboard/tables';
import { byId, el } from '../dom';
import { mountLayout } from '../layout';
import { session } from '../session';

mountLayout();

/** Live data is re-read this often while the tab is visible (the brief is "at least every 30 s"). */
const POLL_INTERVAL_MS = 15_000;
const PROBLEM_SESSIONS_SHOWN = 10;

interface Trend extends TrendSpec {
  metric: 'rtt' | 'loss' | 'mos' | 'activePeers' | 'offload';
  /** What its empty state says is missing when the range has sessions: "No {readings} in this range." */
  readings: string;
}

const TRENDS: readonly Trend[] = [
  { metric: 'rtt', label: 'Round-trip time (avg)', readings: 'round-trip times', unit: 'ms', colour: 1 },
  { metric: 'loss', label: 'Packet loss', readings: 'packet loss figures', unit: 'ratio', colour: 5 },
  { metric: 'mos', label: 'MOS (avg)', readings: 'MOS estimates', unit: 'mos', colour: 2, min: 1, max: 4.5 },
  { metric: 'activePeers', label: 'Active peers', readings: 'active peers', unit: 'count', colour: 3 },
  { metric: 'offload', label: 'P2P offload', readings: 'P2P delivery figures', unit: 'ratio', colour: 4, min: 0, max: 1 },
];

// ─── Elements ─────────────────────────────────────────────────────────────────────────────────────────────────

const body = byId('dashboard-body');
const accessDenied = byId('access-denied');
const statusLine = byId('dashboard-status');
const updatedAgo = byId('updated-ago');
const liveToggle = byId<HTMLInputElement>('live-toggle');
const refreshButton = byId<HTMLButtonElement>('refresh-now');
const form = byId<HTMLFormElement>('dashboard-filters');
const customRange = byId('custom-range');
const rangeFrom = byId<HTMLInputElement>('range-from');
const rangeTo = byId<HTMLInputElement>('range-to');
const videoInput = byId<HTMLInputElement>('filter-video');
const knownVideos = byId<HTMLDataListElement>('known-videos');
const countrySelect = byId<HTMLSelectElement>('filter-country');
const trendGrid = byId('trend-charts');
const regionPanel = byId('region-table');
const alertsPanel = byId('alerts');
const sessionsPanel = byId('sessions-table');
const dialog = byId<HTMLDialogElement>('session-dialog');
const dialogTitle = byId('session-dialog-title');
const dialogBody = byId('session-dialog-body');
const summaryCanvases = {
  connectionSuccess: byId<HTMLCanvasElement>('chart-connection-success'),
  mosDistribution: byId<HTMLCanvasElement>('chart-mos-distribution'),
  candidateTypes: byId<HTMLCanvasElement>('chart-candidate-types'),
};

// ─── State ────────────────────────────────────────────────────────────────────────────────────────────────────

/** What tests and benchmarks read (`window.__dashboard`); the page itself never reads it back. */
interface DashboardProbe {
  /** Chart.js instances by name, once Chart.js has loaded. */
  charts: DashboardCharts['charts'];
  /** Completed loads (each poll or filter change is one). */
  loads: number;
  updatedAt: number | null;
  filters: DashboardFilters;
  /** The API query behind the data on screen (what the exports send). */
  query: AnalyticsFilters | null;
  summary: AnalyticsSummary | null;
}

declare global {
  interface Window {
    __dashboard?: DashboardProbe;
  }
}

let filters = readFilters(window.location.search);
const probe: DashboardProbe = { charts: {}, loads: 0, updatedAt: null, filters, query: null, summary: null };
window.__dashboard = probe;

let source: AnalyticsSource | null = null;
let inFlight: AbortController | null = null;
/** The query behind the data on screen: exports use it, so a CSV matches what is shown. */
let shownQuery: { filters: AnalyticsFilters; range: ResolvedRange } | null = null;
let pollTimer: number | undefined;
const knownCountries = new Set<string>();
const knownVideoIds = new Set<string>();
/** Trend data by metric, kept for the data tables (built when opened). */
const trendData = new Map<string, { points: TrendPoint[]; spec: Trend }>();

let chartsPromise: Promise<DashboardCharts> | null = null;
function loadCharts(): Promise<DashboardCharts> {
  chartsPromise ??= import('../dashboard/charts').then(({ DashboardCharts }) => {
    const charts = new DashboardCharts();
    probe.charts = charts.charts;
    return charts;
  });
  return chartsPromise;
}

// ─── Access ───────────────────────────────────────────────────────────────────────────────────────────────────

function redirectToLogin(): void {
  window.location.replace(`/login/?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
}

function showAccessDenied(user: User | null): void {
  stopPolling();
  inFlight?.abort();
  body.hidden = true;
  byId('access-denied-user').textContent = user ? `${user.displayName} (${user.role})` : 'a user without the admin role';
  accessDenied.hidden = false;
  updatedAgo.textContent = '';
  liveToggle.closest('label')?.setAttribute('hidden', '');
  refreshButton.hidden = true;
}

/** Whether this session may see the dashboard; redirects or explains when not. The API enforces it regardless. */
async function confirmAdmin(): Promise<boolean> {
  if (!session.user && !session.refreshToken) {
    redirectToLogin();
    return false;
  }
  let user = session.user;
  if (!user || !roleAtLeast(user.role, 'admin')) {
    // The cached role may be stale (promoted since, or only a refresh token in this tab): ask the API.
    try {
      user = await api.me();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        redirectToLogin();
        return false;
      }
      if (!user) {
        showError(error);
        return false;
      }
    }
  }
  if (!roleAtLeast(user.role, 'admin')) {
    showAccessDenied(user);
    return false;
  }
  return true;
}

// ─── Rendering ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * What an empty chart or table says: why it is empty and what would fill it. `what` names the missing data
 * where the range has sessions but not this kind of reading ("round-trip times").
 */
function noData(what?: string): EmptyStateContent {
  if (filters.videoId || filters.country) {
    return {
      title: `No ${what ?? 'peer sessions'} match these filters in this range.`,
      detail: ['Try a longer time range, or clear the video and region filters.'],
    };
  }
  if (what) return { title: `No ${what} in this range.`, detail: ['Try a longer time range.'] };
  return {
    title: 'No peer sessions in this range yet.',
    // Viewers' players report while they watch; on a development stack the simulator stands in for them.
    detail: isLocalStack()
      ? ['Start the simulator with ', command('npm run simulate'), ' or watch a video.']
      : ['Players report here while people watch videos. Try a longer time range.'],
  };
}

const hasSessions = () => (probe.summary?.sessions ?? 0) > 0;

function chartCard(canvas: HTMLElement): Element {
  return canvas.closest('.chart-card') ?? canvas;
}

function setKpi(name: string, value: string, detail?: string): void {
  const valueElement = document.querySelector<HTMLElement>(`[data-kpi="${name}"]`);
  if (valueElement) valueElement.textContent = value;
  const detailElement = document.querySelector<HTMLElement>(`[data-kpi-detail="${name}"]`);
  if (detailElement && detail !== undefined) detailElement.textContent = detail;
}

function fillDataTable(name: string, table: HTMLElement): void {
  const details = document.querySelector<HTMLDetailsElement>(`[data-table-for="${name}"]`);
  if (!details) return;
  details.querySelector('.table-scroll, .empty-state, [data-empty-state]')?.remove();
  details.append(table);
}

async function renderSummary(summary: AnalyticsSummary): Promise<void> {
  probe.summary = summary;
  const { connections, rttMs, mos, p2p } = summary;
  setKpi('activePeers', formatCount(summary.activePeers));
  setKpi('sessions', formatCount(summary.sessions), `${formatCount(summary.samples)} samples`);
  setKpi(
    'connectionSuccess',
    formatPercent(connections.successRate, 1),
    connections.attempted > 0
      ? `${formatCount(connections.connected)} of ${formatCount(connections.attempted)} attempts · setup ${formatMs(connections.setupMsAvg)}`
      : 'no connection attempts',
  );
  setKpi('rtt', formatMs(rttMs.avg), `p50 ${formatMs(rttMs.p50)} · p95 ${formatMs(rttMs.p95)}`);
  setKpi('loss', formatPercent(summary.lossRate));
  setKpi('jitter', formatMs(summary.jitterMsAvg));
  setKpi(
    'mos',
    formatMos(mos.avg),
    mos.avg === null ? 'ITU-T G.107 estimate, 1–4.5' : `${describeMos(mos.avg)} (ITU-T G.107 estimate, 1–4.5)`,
  );
  setKpi('offload', formatPercent(p2p.offloadRatio, 1));
  const totalBytes = p2p.bytesFromPeers + p2p.bytesFromHttp;
  setKpi(
    'bytes',
    `${formatBytes(p2p.bytesFromPeers)} / ${formatBytes(p2p.bytesFromHttp)}`,
    `${formatBytes(totalBytes)} delivered in total`,
  );
  byId('bytes-split').style.setProperty('--share', String(totalBytes > 0 ? p2p.bytesFromPeers / totalBytes : 0));
  setKpi('freezes', formatCount(summary.freezes));

  // Text alternatives first: they do not wait for Chart.js.
  summaryCanvases.connectionSuccess.setAttribute(
    'aria-label',
    `Connection success rate: ${formatPercent(connections.successRate, 1)} (${formatCount(connections.connected)} of ${formatCount(connections.attempted)} attempts connected)`,
  );
  const bands = (['excellent', 'good', 'fair', 'poor', 'bad'] as const).map(
    (band) => [MOS_BAND_LABELS[band], mos.distribution[band]] as const,
  );
  summaryCanvases.mosDistribution.setAttribute(
    'aria-label',
    `MOS distribution in samples: ${bands.map(([label, count]) => `${label} ${formatCount(count)}`).join(', ')}`,
  );
  fillDataTable(
    'mosDistribution',
    pairsTable(
      'Samples per MOS band',
      ['Band', 'Samples'],
      bands.map(([label, count]) => [label, formatCount(count)]),
    ),
  );
  const candidates = (['host', 'srflx', 'prflx', 'relay'] as const).map((type) => [type, summary.candidateTypes[type] ?? 0] as const);
  const candidateTotal = candidates.reduce((sum, [, count]) => sum + count, 0);
  const share = (count: number) => formatPercent(candidateTotal ? count / candidateTotal : null, 1);
  summaryCanvases.candidateTypes.setAttribute(
    'aria-label',
    `ICE candidate types of selected pairs: ${candidates.map(([type, count]) => `${type} ${share(count)}`).join(', ')}`,
  );
  fillDataTable(
    'candidateTypes',
    pairsTable(
      'Selected candidate pairs by type',
      ['Candidate type', 'Share (count)'],
      candidates.map(([type, count]) => [type, `${share(count)} (${formatCount(count)})`]),
    ),
  );

  const noSessions = summary.sessions === 0;
  setChartEmpty(chartCard(summaryCanvases.mosDistribution), bands.every(([, count]) => count === 0) ? noData() : null);
  setChartEmpty(
    chartCard(summaryCanvases.candidateTypes),
    candidateTotal > 0
      ? null
      : noSessions
        ? noData()
        : {
            title: 'No peer connections in this range.',
            detail: ['Candidate types are counted when two viewers of the same video connect to each other.'],
          },
  );

  const charts = await loadCharts();
  charts.summary(summaryCanvases, summary);
}

function buildTrendCards(): void {
  trendGrid.replaceChildren(
    ...TRENDS.map((trend) => {
      const details = el('details', { class: 'chart-card__data', 'data-table-for': trend.metric }, el('summary', {}, 'Data table'));
      // Long series: build the table only when someone opens it (and refresh it while open).
      details.addEventListener('toggle', () => {
        if (details.open) renderTrendTable(trend.metric);
      });
      return el(
        'figure',
        { class: 'chart-card card', 'data-trend': trend.metric },
        el(
          'figcaption',
          { class: 'chart-card__head' },
          el('span', { class: 'chart-card__title' }, trend.label),
          el('span', { class: 'chart-card__latest', 'data-latest': trend.metric }),
          el(
            'button',
            {
              type: 'button',
              class: 'button button--small button--quiet',
              'data-export': 'timeseries',
              'data-metric': trend.metric,
              'aria-label': `Export ${trend.label} as CSV`,
            },
            'CSV',
          ),
        ),
        el(
          'div',
          { class: 'chart-card__canvas' },
          el('canvas', { id: `chart-trend-${trend.metric}`, role: 'img', 'aria-label': `${trend.label}: no data yet` }),
        ),
        details,
      );
    }),
  );
}

function renderTrendTable(metric: string): void {
  const data = trendData.get(metric);
  if (!data) return;
  fillDataTable(
    metric,
    pairsTable(
      `${data.spec.label} per interval`,
      ['Interval start', data.spec.label],
      data.points.map((point) => [formatDateTime(point.x), formatMetric(data.spec.unit, point.y)]),
    ),
  );
}

async function renderTrend(trend: Trend, series: Timeseries, range: ResolvedRange): Promise<void> {
  const points: TrendPoint[] = series.points.map((point) => ({ x: Date.parse(point.t), y: point.value }));
  trendData.set(trend.metric, { points, spec: trend });
  const values = points.map((point) => point.y).filter((value): value is number => value !== null);
  const latest = values.length ? (values[values.length - 1] as number) : null;
  const format = (value: number | null) => formatMetric(trend.unit, value);
  const latestElement = document.querySelector(`[data-latest="${trend.metric}"]`);
  if (latestElement) latestElement.textContent = latest === null ? '' : `latest ${format(latest)}`;
  const canvas = byId<HTMLCanvasElement>(`chart-trend-${trend.metric}`);
  canvas.setAttribute(
    'aria-label',
    values.length
      ? `${trend.label} from ${formatDateTime(range.fromMs)} to ${formatDateTime(range.toMs)}: latest ${format(latest)}, ` +
          `lowest ${format(Math.min(...values))}, highest ${format(Math.max(...values))}`
      : `${trend.label}: no data in this range`,
  );
  if (document.querySelector<HTMLDetailsElement>(`[data-table-for="${trend.metric}"]`)?.open) renderTrendTable(trend.metric);
  setChartEmpty(chartCard(canvas), values.length ? null : noData(hasSessions() ? trend.readings : undefined));
  const charts = await loadCharts();
  charts.trend(trend.metric, canvas, trend, points, { fromMs: range.fromMs, toMs: range.toMs, bucketMs: BUCKET_MS[range.bucket] });
}

function rememberCountries(countries: Iterable<string | null>): void {
  const before = knownCountries.size;
  for (const country of countries) if (country && /^[A-Z]{2}$/.test(country)) knownCountries.add(country);
  if (filters.country) knownCountries.add(filters.country);
  if (knownCountries.size === before && countrySelect.options.length > 1) return;
  const sorted = [...knownCountries].sort((a, b) => countryName(a).localeCompare(countryName(b)));
  countrySelect.replaceChildren(
    el('option', { value: '' }, 'All regions'),
    ...sorted.map((code) => el('option', { value: code }, `${countryName(code)} (${code})`)),
  );
  countrySelect.value = filters.country;
}

function rememberVideos(videoIds: Iterable<string | null>): void {
  const before = knownVideoIds.size;
  for (const id of videoIds) if (id) knownVideoIds.add(id);
  if (knownVideoIds.size === before) return;
  knownVideos.replaceChildren(...[...knownVideoIds].sort().map((id) => el('option', { value: id })));
}

function renderRegions(breakdown: Breakdown): void {
  rememberCountries(breakdown.rows.map((row) => row.key));
  regionPanel.replaceChildren(regionTable(breakdown.rows, noData()));
}

function renderSessions(items: PeerSession[]): void {
  rememberVideos(items.map((item) => item.videoId));
  rememberCountries(items.map((item) => item.country));
  sessionsPanel.replaceChildren(sessionsTable(items, noData()));
}

/** At most this many session links per rule; the rest are counted. */
const ALERT_SESSIONS_LISTED = 6;

function sessionLink(sessionId: string): HTMLElement {
  return el(
    'button',
    {
      type: 'button',
      class: 'link-button mono',
      'data-open-session': sessionId,
      'aria-haspopup': 'dialog',
      'aria-label': `Details of session ${sessionId}`,
      title: sessionId,
    },
    shortId(sessionId),
  );
}

function fleetScope(scopeKey: string): string {
  const filter = scopeKey.replace(/^fleet:?/, '');
  return filter ? `Fleet, ${filter.split(',').join(', ').replace(/=/g, ' ')}` : 'Whole fleet';
}

/**
 * Firing alerts grouped by rule: a session rule can fire for many sessions at once, and one line per session
 * would bury the rest of the page. Each group names the rule, how many alerts fire, the range of values, and
 * links into the drill-down of the affected sessions.
 */
function renderAlerts(page: Page<Alert>): void {
  if (page.items.length === 0) {
    alertsPanel.replaceChildren(el('p', { class: 'empty-state empty-state--ok' }, 'No alerts firing.'));
    return;
  }
  const groups = new Map<string, Alert[]>();
  for (const alert of page.items) groups.set(alert.ruleId, [...(groups.get(alert.ruleId) ?? []), alert]);
  const items = [...groups.values()].map((alerts) => {
    const first = alerts[0] as Alert;
    const values = alerts.map((alert) => alert.value).filter((value): value is number => value !== null);
    const low = values.length ? Math.min(...values) : null;
    const high = values.length ? Math.max(...values) : null;
    const valueText = low === high ? formatNumber(low) : `${formatNumber(low)} to ${formatNumber(high)}`;
    // ISO 8601 UTC strings sort in time order.
    const since = alerts.map((alert) => alert.startedAt).sort()[0] ?? first.startedAt;
    const sessions = alerts.filter((alert) => alert.scope === 'session').map((alert) => alert.scopeKey);
    const fleet = alerts.filter((alert) => alert.scope === 'fleet').map((alert) => fleetScope(alert.scopeKey));
    return el(
      'li',
      { class: 'alert-item', 'data-rule-id': first.ruleId },
      el(
        'div',
        { class: 'alert-item__head' },
        el('p', { class: 'alert-item__name' }, first.ruleName),
        el('span', { class: 'alert-item__count' }, alerts.length === 1 ? '1 firing' : `${alerts.length} firing`),
      ),
      el(
        'p',
        { class: 'alert-item__detail' },
        `${first.metric} ${valueText}`,
        first.threshold === null ? '' : ` (threshold ${formatNumber(first.threshold)})`,
        ' · since ',
        el('time', { datetime: since }, formatDateTime(since)),
      ),
      fleet.length ? el('p', { class: 'alert-item__detail' }, fleet.join('; ')) : null,
      sessions.length
        ? el(
            'p',
            { class: 'alert-item__sessions' },
            sessions.length === 1 ? 'Session ' : 'Sessions ',
            ...sessions.slice(0, ALERT_SESSIONS_LISTED).flatMap((id) => [sessionLink(id), ' ']),
            sessions.length > ALERT_SESSIONS_LISTED ? `and ${sessions.length - ALERT_SESSIONS_LISTED} more` : '',
          )
        : null,
    );
  });
  alertsPanel.replaceChildren(
    el('ul', { class: 'alert-list' }, ...items),
    page.nextCursor ? el('p', { class: 'panel__hint' }, `Counting the ${page.items.length} most recent firing alerts.`) : '',
  );
}

function panelError(panel: HTMLElement, error: unknown, what: string): void {
  panel.replaceChildren(el('p', { class: 'panel-error' }, `${what} could not be loaded: ${errorMessage(error)}`));
}

function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 404) return 'this server does not provide it yet';
    return error.message;
  }
  return 'something went wrong';
}

function showError(error: unknown): void {
  const retry = el('button', { type: 'button', class: 'button button--small button--quiet' }, 'Try again');
  retry.addEventListener('click', () => void load());
  statusLine.replaceChildren(
    el('span', { class: 'dashboard__error' }, `The dashboard could not be updated: ${errorMessage(error)}`),
    ' ',
    retry,
  );
}

// ─── Loading and polling ──────────────────────────────────────────────────────────────────────────────────────

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Runs one panel's request and renderer; reports its failure in the panel instead of failing the whole load. */
async function panel<T>(
  request: Promise<T>,
  render: (value: T) => void | Promise<void>,
  onError: (error: unknown) => void,
  signal: AbortSignal,
) {
  try {
    const value = await request;
    if (!signal.aborted) await render(value);
  } catch (error) {
    if (signal.aborted || isAbort(error)) return;
    onError(error);
    throw error;
  }
}

async function load(): Promise<void> {
  const api = source;
  if (!api) return;
  window.clearTimeout(pollTimer);
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const { signal } = controller;
  const range = resolveRange(filters, Date.now());
  const query = analyticsFilters(filters, range);
  body.setAttribute('aria-busy', 'true');
  updatedAgo.textContent = probe.updatedAt === null ? 'Loading…' : 'Updating…';

  // The summary is requested first and rendered as soon as it arrives: it carries the first chart.
  // (Its failure is reported in the status line once everything has settled, below.)
  const summaryRequest = api.summary(query, signal);
  const summary = panel(summaryRequest, renderSummary, () => {}, signal);
  // On the first load the other panels wait until the summary has answered: sent together, their queries
  // would share the server (and its one database) with the summary and hold back the first chart.
  if (probe.loads === 0) await summaryRequest.catch(() => {});
  if (signal.aborted) return;
  const trends = TRENDS.map((trend) =>
    panel(
      api.timeseries(query, trend.metric, range.bucket, signal),
      (series) => renderTrend(trend, series, range),
      (error) => {
        const latest = document.querySelector(`[data-latest="${trend.metric}"]`);
        if (latest) latest.textContent = `unavailable: ${errorMessage(error)}`;
      },
      signal,
    ),
  );
  const regions = panel(
    api.breakdown(query, 'country', signal),
    renderRegions,
    (error) => panelError(regionPanel, error, 'Regions'),
    signal,
  );
  const sessions = panel(
    api.sessions(query, { sort: 'problem', limit: PROBLEM_SESSIONS_SHOWN }, signal),
    (page) => renderSessions(page.items),
    (error) => panelError(sessionsPanel, error, 'Sessions'),
    signal,
  );
  const alerts = panel(api.alerts('firing', signal), renderAlerts, (error) => panelError(alertsPanel, error, 'Alerts'), signal);

  const results = await Promise.allSettled([summary, ...trends, regions, sessions, alerts]);
  if (signal.aborted) return;
  inFlight = null;
  body.removeAttribute('aria-busy');
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.some((error) => error instanceof ApiError && error.status === 403)) {
    showAccessDenied(session.user);
    return;
  }
  const summaryFailure = results[0]?.status === 'rejected' ? (results[0] as PromiseRejectedResult).reason : null;
  if (summaryFailure) showError(summaryFailure);
  else if (failures.length) statusLine.textContent = `Some panels could not be updated (${failures.length}); they show why.`;
  else statusLine.textContent = '';
  shownQuery = { filters: query, range };
  probe.query = query;
  probe.loads += 1;
  if (failures.length < results.length) probe.updatedAt = Date.now();
  showFreshness();
  schedulePoll();
}

function pollingActive(): boolean {
  return liveToggle.checked && document.visibilityState === 'visible' && resolveRange(filters, Date.now()).live;
}

function schedulePoll(): void {
  window.clearTimeout(pollTimer);
  if (!pollingActive() || inFlight) return;
  const dueIn = probe.updatedAt === null ? 0 : Math.max(0, probe.updatedAt + POLL_INTERVAL_MS - Date.now());
  pollTimer = window.setTimeout(() => void load(), dueIn);
}

function stopPolling(): void {
  window.clearTimeout(pollTimer);
}

function showFreshness(): void {
  if (inFlight) return;
  const parts = [probe.updatedAt === null ? 'Not updated yet' : `Updated ${formatAgo(Date.now() - probe.updatedAt)}`];
  if (!resolveRange(filters, Date.now()).live) parts.push('fixed range');
  else if (!liveToggle.checked) parts.push('live updates off');
  else if (document.visibilityState !== 'visible') parts.push('paused while hidden');
  updatedAgo.textContent = parts.join(' · ');
}

// ─── Filters ──────────────────────────────────────────────────────────────────────────────────────────────────

function selectedRange(): RangeId {
  const checked = form.querySelector<HTMLInputElement>('input[name="range"]:checked');
  return (checked?.value as RangeId | undefined) ?? DEFAULT_RANGE;
}

function showFiltersInForm(): void {
  for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="range"]')) radio.checked = radio.value === filters.range;
  const range = resolveRange(filters, Date.now());
  customRange.hidden = filters.range !== 'custom';
  rangeFrom.value = toDateTimeLocal(range.fromMs);
  rangeTo.value = toDateTimeLocal(range.toMs);
  videoInput.value = filters.videoId;
  rememberCountries([]);
  countrySelect.value = filters.country;
}

function filtersFromForm(): DashboardFilters | null {
  const range = selectedRange();
  const next: DashboardFilters = {
    range,
    fromMs: null,
    toMs: null,
    videoId: normaliseVideoId(videoInput.value),
    country: normaliseCountry(countrySelect.value),
  };
  if (range === 'custom') {
    const fromMs = fromDateTimeLocal(rangeFrom.value);
    const toMs = fromDateTimeLocal(rangeTo.value);
    if (fromMs === null || toMs === null || fromMs >= toMs) {
      statusLine.replaceChildren(el('span', { class: 'dashboard__error' }, 'Choose a “from” time before the “to” time.'));
      return null;
    }
    next.fromMs = fromMs;
    next.toMs = toMs;
  }
  return next;
}

function applyFilters(next: DashboardFilters | null): void {
  if (!next) return;
  const changed = filtersToSearch(next) !== filtersToSearch(filters) || next.range !== filters.range;
  filters = next;
  probe.filters = filters;
  if (!changed) return;
  window.history.replaceState(null, '', `/dashboard/${filtersToSearch(filters)}`);
  statusLine.textContent = '';
  void load();
}

form.addEventListener('change', (event) => {
  const target = event.target as HTMLElement;
  if (target instanceof HTMLInputElement && target.name === 'range') {
    customRange.hidden = target.value !== 'custom';
    if (target.value === 'custom') {
      // Start from the range on screen; it is applied with the "Apply" button.
      rangeFrom.focus();
      return;
    }
    applyFilters(filtersFromForm());
  } else if (target === countrySelect) {
    applyFilters(filtersFromForm());
  }
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  applyFilters(filtersFromForm());
});

form.addEventListener('reset', (event) => {
  event.preventDefault();
  filters = { range: DEFAULT_RANGE, fromMs: null, toMs: null, videoId: '', country: '' };
  probe.filters = filters;
  showFiltersInForm();
  window.history.replaceState(null, '', '/dashboard/');
  void load();
});

regionPanel.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-filter-country]');
  if (!button) return;
  countrySelect.value = button.dataset.filterCountry ?? '';
  applyFilters(filtersFromForm());
  countrySelect.focus();
});

liveToggle.addEventListener('change', () => {
  if (liveToggle.checked && (probe.updatedAt === null || Date.now() - probe.updatedAt >= POLL_INTERVAL_MS)) void load();
  else schedulePoll();
  showFreshness();
});

refreshButton.addEventListener('click', () => void load());

document.addEventListener('visibilitychange', () => {
  // Hidden tabs do not poll; coming back catches up at once when the data is due.
  if (document.visibilityState === 'visible') schedulePoll();
  else stopPolling();
  showFreshness();
});

// ─── Drill-down ───────────────────────────────────────────────────────────────────────────────────────────────

let dialogRequest: AbortController | null = null;
let dialogOpener: HTMLElement | null = null;

async function openSession(sessionId: string, opener: HTMLElement | null): Promise<void> {
  if (!source) return;
  dialogRequest?.abort();
  const controller = new AbortController();
  dialogRequest = controller;
  dialogOpener = opener;
  dialogTitle.textContent = `Session ${sessionId}`;
  dialogBody.replaceChildren(el('p', { class: 'empty-state', role: 'status' }, 'Loading…'));
  dialogBody.setAttribute('aria-busy', 'true');
  if (!dialog.open) dialog.showModal();
  try {
    const detail = await source.session(sessionId, controller.signal);
    if (controller.signal.aborted) return;
    dialogBody.replaceChildren(
      sessionFacts(detail.session),
      el('h3', {}, 'Per minute'),
      minutesTable(detail.minutes),
      el('h3', {}, 'Connection events'),
      eventsTable(detail.events),
    );
  } catch (error) {
    if (controller.signal.aborted || isAbort(error)) return;
    dialogBody.replaceChildren(el('p', { class: 'panel-error' }, `This session could not be loaded: ${errorMessage(error)}`));
  } finally {
    if (dialogRequest === controller) dialogBody.removeAttribute('aria-busy');
  }
}

sessionsPanel.addEventListener('click', (event) => {
  const row = (event.target as Element).closest<HTMLTableRowElement>('tr[data-session-id]');
  if (!row?.dataset.sessionId) return;
  void openSession(row.dataset.sessionId, row.querySelector<HTMLElement>('button[data-open-session]'));
});

alertsPanel.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-open-session]');
  if (button?.dataset.openSession) void openSession(button.dataset.openSession, button);
});

dialog.addEventListener('click', (event) => {
  // The close button, or a click on the backdrop (the dialog element itself, outside its content).
  if ((event.target as Element).closest('[data-close-dialog]') || event.target === dialog) dialog.close();
});

dialog.addEventListener('close', () => {
  dialogRequest?.abort();
  dialogOpener?.focus();
});

// ─── Export ───────────────────────────────────────────────────────────────────────────────────────────────────

body.addEventListener('click', async (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-export]');
  if (!button || !shownQuery) return;
  const report = button.dataset.export as ExportReport;
  const query: Record<string, string | number | undefined> = { ...shownQuery.filters };
  if (report === 'timeseries') {
    query.metric = button.dataset.metric;
    query.bucket = shownQuery.range.bucket;
  } else if (report === 'breakdown') {
    query.by = 'country';
  } else if (report === 'sessions') {
    // Every session of the range, worst first (the table shows the top few).
    query.sort = 'problem';
  }
  const label = button.textContent;
  button.disabled = true;
  button.textContent = 'Exporting…';
  try {
    const name = [report, query.metric ?? query.by, new Date().toISOString().slice(0, 19).replace(/:/g, '')].filter(Boolean).join('-');
    const filename = await downloadExport(report, query, `vibestream-${name}.csv`);
    statusLine.textContent = `Downloaded ${filename}.`;
  } catch (error) {
    statusLine.replaceChildren(el('span', { class: 'dashboard__error' }, `The export failed: ${errorMessage(error)}`));
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
});

// ─── Start ────────────────────────────────────────────────────────────────────────────────────────────────────

session.subscribe((user) => {
  // Signed out here or in another tab: the dashboard is for signed-in admins only.
  if (!user) redirectToLogin();
  else if (!roleAtLeast(user.role, 'admin')) showAccessDenied(user);
});

async function start(): Promise<void> {
  buildTrendCards();
  showFiltersInForm();
  // A signed-in tab with a cached admin role starts Chart.js and the data right away; the API has the last word.
  if (session.user && roleAtLeast(session.user.role, 'admin')) void loadCharts();
  const [allowed, chosen] = await Promise.all([confirmAdmin(), chooseAnalyticsSource()]);
  if (!allowed) return;
  source = chosen;
  void loadCharts();
  window.setInterval(showFreshness, 1000);
  await load();
}

void start();
