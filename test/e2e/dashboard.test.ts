// The operator dashboard against real analytics: 20 simulated peer sessions (dev/simulate.ts, backfilled over
// the last 20 seconds and posted through the real ingest API) on two videos of this run, then the page in
// Chromium. The simulator reports which session watched which video from which country, so the filtered numbers
// on the page are checked against that ground truth, not just against "something changed".
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { runSimulation, type SimulationReport } from '../../dev/simulate';
import { createVideo, type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';

const execFileAsync = promisify(execFile);
const baseUrl = inject('baseUrl');
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** Two videos only this file reports on, so counts filtered by them cannot include anyone else's data. */
const runTag = Math.random().toString(36).slice(2, 10);
// Two published videos of one creator (created in beforeAll): ingest tokens exist only for videos one may watch.
let VIDEO_A: string;
let VIDEO_B: string;
const PEERS = 20;
const SECONDS = 20;
/** Chosen so that video A has sessions from at least two countries (asserted below). */
const SEED = 2026;
const ALERT_RULE_NAME = `Round trip measured (${runTag})`;

/** What web/src/pages/dashboard.ts exposes for tests (`window.__dashboard`), as far as this file reads it. */
declare global {
  interface Window {
    __dashboard?: {
      loads: number;
      charts: Record<
        string,
        {
          data: { datasets: { data: unknown[] }[] };
          getDatasetMeta(index: number): { data: { options: { radius: number } }[] };
          config: { plugins?: { id: string }[] };
        }
      >;
      query: Record<string, string> | null;
      summary: { sessions: number; samples: number } | null;
    };
  }
}

interface AuthResult {
  user: { id: string; email: string; displayName: string; role: string; createdAt: string };
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

let browser: Browser;
let context: BrowserContext | undefined;
let admin: AuthResult;
let viewer: SignedUpUser;
let report: SimulationReport;

async function login(email: string, password: string): Promise<AuthResult> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as AuthResult;
}

/** There is no API to make the first admin: the operator CLI does it, straight against this server's D1. */
async function makeAdmin(email: string): Promise<void> {
  await execFileAsync(
    process.execPath,
    ['--import', 'tsx', 'dev/admin.ts', 'set-role', '--email', email, '--role', 'admin', '--persist-to', inject('persistDir')],
    { cwd: PROJECT_ROOT, timeout: 30_000 },
  );
}

async function adminGet<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = new URL(`/api/v1${path}`, baseUrl);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  const response = await fetch(url, { headers: { Authorization: `Bearer ${admin.accessToken}` } });
  if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function adminPost(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.accessToken}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
}

/** Aggregators flush to D1 a few seconds after a batch (FLUSH_DELAY_MS); wait until every sample is counted. */
async function waitForRollups(expectedSamples: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let samples = 0;
  while (Date.now() < deadline) {
    // A fresh `to` each time: identical summary URLs are served from a 30 s edge cache.
    const to = Date.now();
    ({ samples } = await adminGet<{ samples: number }>('/analytics/summary', { from: to - 15 * 60_000, to }));
    if (samples >= expectedSamples) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`rollups hold ${samples} of ${expectedSamples} samples after ${timeoutMs} ms`);
}

beforeAll(async () => {
  const [connected, operator, simulatorAccount, plainViewer, creator] = await Promise.all([
    connectBrowser(inject('browserWsEndpoint')),
    signUp(baseUrl, { displayName: 'Night Operator' }),
    signUp(baseUrl, { displayName: 'Simulated Viewers' }),
    signUp(baseUrl, { displayName: 'Curious Viewer' }),
    signUp(baseUrl, { displayName: 'Dashboard Creator', role: 'creator' }),
  ]);
  const publish = async (letter: string) =>
    (await createVideo(baseUrl, creator.accessToken, { title: `Dashboard ${runTag} ${letter}`, visibility: 'public' })).id;
  [VIDEO_A, VIDEO_B] = await Promise.all([publish('a'), publish('b')]);
  browser = connected;
  viewer = plainViewer;
  await makeAdmin(operator.user.email);
  admin = await login(operator.user.email, operator.password);
  expect(admin.user.role).toBe('admin');
  // A session rule every simulated session breaks, so the alerts panel has something firing to show.
  await adminPost('/alerts/rules', { name: ALERT_RULE_NAME, metric: 'rttMs', comparator: 'gt', threshold: 0, scope: 'session' });
  report = await runSimulation({
    url: baseUrl,
    accessToken: simulatorAccount.accessToken,
    peers: PEERS,
    seconds: SECONDS,
    seed: SEED,
    videoIds: [VIDEO_A, VIDEO_B],
    timing: 'backfill',
    concurrency: 8,
  });
  expect(report.requests['5xx']).toBe(0);
  expect(report.sessions).toHaveLength(PEERS);
  await waitForRollups(report.samplesSent);
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

/** A page whose tab is already signed in with `auth` (the session store's own keys, as after signing in). */
async function signedInPage(auth: AuthResult | SignedUpUser, viewport = { width: 1400, height: 1000 }): Promise<Page> {
  context = await newTestContext(browser, { baseURL: baseUrl, viewport, acceptDownloads: true });
  const stored = { ...auth, expiresIn: 'expiresIn' in auth ? auth.expiresIn : 900 };
  await context.addInitScript((session) => {
    sessionStorage.setItem('vibestream.accessToken', session.accessToken);
    sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + session.expiresIn * 1000));
    sessionStorage.setItem('vibestream.user', JSON.stringify(session.user));
    localStorage.setItem('vibestream.refreshToken', session.refreshToken);
  }, stored);
  return context.newPage();
}

/** Waits until the dashboard has completed more than `after` loads; returns the new count. */
async function loaded(page: Page, after = 0): Promise<number> {
  const handle = await page.waitForFunction((n) => {
    const loads = window.__dashboard?.loads ?? 0;
    return loads > n ? loads : null;
  }, after);
  return Number(await handle.jsonValue());
}

const kpi = (page: Page, name: string) => page.locator(`[data-kpi="${name}"]`).textContent();

function sessionsWhere(predicate: (session: SimulationReport['sessions'][number]) => boolean): number {
  return report.sessions.filter(predicate).length;
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length) records.push([...record, field]);
  const [header = [], ...rows] = records;
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

describe('operator dashboard', () => {
  it('is served as a static page under the site-wide content security policy', async () => {
    const [page, home] = await Promise.all([fetch(`${baseUrl}/dashboard/`), fetch(`${baseUrl}/`)]);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Operator dashboard</h1>');
    await home.body?.cancel();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toBe(home.headers.get('content-security-policy'));
  });

  it('sends an anonymous visitor to sign in, and back to the dashboard afterwards', async () => {
    context = await newTestContext(browser, { baseURL: baseUrl });
    const page = await context.newPage();
    await page.goto('/dashboard/');
    await page.waitForURL(`${baseUrl}/login/?next=%2Fdashboard%2F`);
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
  });

  it('tells a signed-in viewer that the dashboard is for admins only', async () => {
    const page = await signedInPage(viewer);
    await page.goto('/dashboard/');
    const notice = page.locator('#access-denied');
    await notice.waitFor();
    expect(await notice.getByRole('heading').textContent()).toBe('Admins only');
    expect(await notice.textContent()).toContain('Curious Viewer');
    expect(await page.locator('#dashboard-body').isHidden()).toBe(true);
    expect(await page.locator('#site-header').getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    // The API agrees: the page's refusal is a courtesy, the 403 is the rule.
    const status = await page.evaluate(async () => {
      const token = sessionStorage.getItem('vibestream.accessToken');
      return (await fetch('/api/v1/analytics/summary', { headers: { Authorization: `Bearer ${token}` } })).status;
    });
    expect(status).toBe(403);
  });

  it('paints the simulated sessions: KPIs, every chart with data, and the first chart within 2 s', async () => {
    const page = await signedInPage(admin);
    const errors = collectConsoleErrors(page);
    await page.goto('/dashboard/?range=15m');
    await loaded(page);
    expect(await page.locator('#site-header').getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');

    const firstChartMs = await page.evaluate(() => performance.getEntriesByName('first-chart', 'mark')[0]?.startTime ?? null);
    expect(firstChartMs).not.toBeNull();
    expect(firstChartMs).toBeLessThan(2000);

    const summary = await page.evaluate(() => window.__dashboard?.summary);
    expect(summary?.sessions).toBeGreaterThanOrEqual(PEERS);
    expect(summary?.samples).toBeGreaterThanOrEqual(report.samplesSent);
    expect(await kpi(page, 'sessions')).toBe(new Intl.NumberFormat('en-US').format(summary?.sessions ?? 0));
    expect(await kpi(page, 'connectionSuccess')).toMatch(/^\d+(\.\d)? %$/);
    expect(await kpi(page, 'rtt')).toMatch(/^\d+(\.\d)? ms$/);
    expect(await kpi(page, 'mos')).toMatch(/^[1-4]\.\d\d$/);
    expect(await kpi(page, 'offload')).toMatch(/^\d+(\.\d)? %$/);

    const charts = await page.evaluate(() =>
      Object.entries(window.__dashboard?.charts ?? {}).map(([name, chart]) => {
        const data = (chart.data.datasets[0]?.data ?? []) as unknown[];
        const values = data.map((point) => (typeof point === 'number' ? point : (point as { y: number | null }).y));
        return { name, points: data.length, withValue: values.filter((value) => typeof value === 'number' && value > 0).length };
      }),
    );
    expect(charts.map((chart) => chart.name).sort()).toEqual(
      ['activePeers', 'candidateTypes', 'connectionSuccess', 'loss', 'mos', 'mosDistribution', 'offload', 'rtt'].sort(),
    );
    for (const chart of charts) expect(chart.withValue, `${chart.name} has data`).toBeGreaterThan(0);

    // Every chart is a drawn canvas with a text alternative that describes data, not the placeholder.
    const canvases = await page.locator('canvas').evaluateAll((elements) =>
      elements.map((canvas) => ({
        width: (canvas as HTMLCanvasElement).width,
        label: canvas.getAttribute('aria-label') ?? '',
        role: canvas.getAttribute('role'),
      })),
    );
    expect(canvases).toHaveLength(8);
    for (const canvas of canvases) {
      expect(canvas.width).toBeGreaterThan(0);
      expect(canvas.role).toBe('img');
      expect(canvas.label).not.toMatch(/no data/);
    }
    expect(await page.locator('#region-table th[scope="col"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#updated-ago').textContent()).toMatch(/^Updated \d+ s ago/);
    // Every panel answered: nothing reports a failure.
    expect(await page.locator('#dashboard-status').textContent()).toBe('');
    const alertNames = await page.locator('#alerts .alert-item__name').allTextContents();
    expect(alertNames.length).toBeGreaterThan(0);
    expect(alertNames).toContain(ALERT_RULE_NAME);
    // The site's CSP (web/public/_headers) holds: Chart.js needs no eval and the page no inline script.
    expect(errors.filter((error) => /Content Security Policy|uncaught/i.test(error))).toEqual([]);
  });

  it('shows why a chart is empty in place of the chart, for a range without data', async () => {
    const page = await signedInPage(admin, { width: 1280, height: 800 });
    // A day long past: nothing reports into it, whatever else the other tests send.
    await page.goto('/dashboard/?from=2001-02-03T00:00:00.000Z&to=2001-02-04T00:00:00.000Z');
    await loaded(page);
    expect(await kpi(page, 'sessions')).toBe('0');
    const cards = page.locator('.chart-card');
    expect(await cards.count()).toBe(7);
    for (const card of await cards.all()) {
      const empty = card.locator('[data-empty-state]');
      expect(await empty.isVisible()).toBe(true);
      expect(await empty.locator('.empty-note__title').textContent()).toBe('No peer sessions in this range yet.');
      expect(await empty.locator('.empty-note__detail').textContent()).toBe('Start the simulator with npm run simulate or watch a video.');
      // No empty axis box: the canvas is not shown, nor the data table that would only repeat the sentence.
      expect(await card.locator('canvas').isHidden()).toBe(true);
      expect(await card.locator('details').count()).toBe(await card.locator('details[hidden]').count());
    }
    expect(await page.locator('#sessions-table').textContent()).toContain('No peer sessions in this range yet.');
    expect(await page.locator('#region-table').textContent()).toContain('No peer sessions in this range yet.');
  });

  it('says the filters match nothing when a video filter leaves no data', async () => {
    const page = await signedInPage(admin, { width: 1280, height: 800 });
    await page.goto(`/dashboard/?range=15m&videoId=vid_e2edash${runTag}none`);
    await loaded(page);
    const messages = await page.locator('.chart-card [data-empty-state] .empty-note__title').allTextContents();
    expect(messages).toHaveLength(7);
    expect(new Set(messages)).toEqual(new Set(['No peer sessions match these filters in this range.']));
  });

  it('draws a series of one value as a visible dot with its value printed', async () => {
    // The range ends inside the first minute with a round-trip time for video A: that chart holds one value.
    const to = Date.now();
    const series = await adminGet<{ points: { t: string; value: number | null }[] }>('/analytics/timeseries', {
      metric: 'rtt',
      bucket: '1m',
      videoId: VIDEO_A,
      from: new Date(to - 15 * 60_000).toISOString(),
      to: new Date(to).toISOString(),
    });
    // A session's first seconds may carry no round-trip time yet (no selected candidate pair).
    const first = series.points.find((point) => point.value !== null);
    const firstMinute = Date.parse(first?.t ?? '');
    expect(Number.isFinite(firstMinute)).toBe(true);
    const from = new Date(firstMinute - 10 * 60_000).toISOString();
    const until = new Date(firstMinute + 30_000).toISOString();

    const page = await signedInPage(admin, { width: 1280, height: 800 });
    await page.goto(`/dashboard/?from=${from}&to=${until}&videoId=${VIDEO_A}`);
    await loaded(page);
    const trends = await page.evaluate(() =>
      ['rtt', 'loss', 'mos', 'activePeers', 'offload'].map((name) => {
        const chart = window.__dashboard?.charts[name];
        const points = (chart?.data.datasets[0]?.data ?? []) as { y: number | null }[];
        const valued = points.flatMap((point, index) => (point.y === null ? [] : [index]));
        return {
          name,
          values: valued.length,
          radii: valued.map((index) => chart?.getDatasetMeta(0).data[index]?.options.radius ?? 0),
          labelled: chart?.config.plugins?.some((plugin) => plugin.id === 'dotValueLabel') ?? false,
        };
      }),
    );
    expect(trends.find((trend) => trend.name === 'rtt')?.values).toBe(1);
    for (const trend of trends) {
      expect(trend.values, `${trend.name} has data`).toBeGreaterThan(0);
      for (const radius of trend.radii) expect(radius, `${trend.name} point radius`).toBeGreaterThan(0);
      expect(trend.labelled).toBe(true);
    }
    // The value is printed too: in the card's head, and (by the label plugin) beside the dot.
    const value = first?.value as number;
    expect(await page.locator('[data-latest="rtt"]').textContent()).toBe(`latest ${Math.round(value)} ms`);
    expect(await page.locator('[data-trend="rtt"] canvas').isVisible()).toBe(true);
  });

  it('fits the problem sessions table and lines the page up with the header at 1280 px', async () => {
    const page = await signedInPage(admin, { width: 1280, height: 800 });
    await page.goto('/dashboard/?range=15m');
    await loaded(page);
    expect(await page.locator('#sessions-table tbody tr').count()).toBeGreaterThan(0);
    const layout = await page.evaluate(() => {
      const scroller = document.querySelector('#sessions-table .table-scroll') as HTMLElement;
      const box = (selector: string) => document.querySelector(selector)?.getBoundingClientRect();
      return {
        tableWidth: scroller.scrollWidth,
        visibleWidth: scroller.clientWidth,
        pageWidth: document.documentElement.scrollWidth,
        logoLeft: box('.site-header .brand')?.left,
        titleLeft: box('main h1')?.left,
        headerRight: box('.site-header__inner > :last-child')?.right,
        contentRight: box('#dashboard-filters')?.right,
      };
    });
    expect(layout.tableWidth).toBeLessThanOrEqual(layout.visibleWidth);
    expect(layout.pageWidth).toBeLessThanOrEqual(1280);
    expect(layout.titleLeft).toBeCloseTo(layout.logoLeft ?? Number.NaN, 0);
    expect(layout.contentRight).toBeCloseTo(layout.headerRight ?? Number.NaN, 0);
  });

  it('narrows every number to a video, then to a region, as the simulated sessions say', async () => {
    const videoSessions = sessionsWhere((s) => s.videoId === VIDEO_A);
    const countries = [...new Set(report.sessions.filter((s) => s.videoId === VIDEO_A).map((s) => s.country))];
    // The seed gives video A viewers in several countries, so the region filter must change the count again.
    expect(countries.length).toBeGreaterThan(1);
    const country = countries[0] as string;
    const regionSessions = sessionsWhere((s) => s.videoId === VIDEO_A && s.country === country);
    expect(videoSessions).toBeGreaterThan(regionSessions);

    const page = await signedInPage(admin);
    await page.goto('/dashboard/?range=15m');
    let loads = await loaded(page);
    const allSessions = await kpi(page, 'sessions');

    await page.getByLabel('Video id').fill(VIDEO_A);
    await page.getByLabel('Video id').press('Enter');
    loads = await loaded(page, loads);
    expect(new URL(page.url()).searchParams.get('videoId')).toBe(VIDEO_A);
    expect(await kpi(page, 'sessions')).toBe(String(videoSessions));
    expect(await kpi(page, 'sessions')).not.toBe(allSessions);

    await page.getByLabel('Region', { exact: true }).selectOption(country);
    await loaded(page, loads);
    expect(new URL(page.url()).searchParams.get('country')).toBe(country);
    expect(await kpi(page, 'sessions')).toBe(String(regionSessions));
    // The region table follows the filter: only that country is left.
    const regionRows = await page
      .locator('#region-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-country')));
    expect(regionRows).toEqual([country]);
  });

  it('opens the drill-down of the worst session: its minutes and connection events', async () => {
    const page = await signedInPage(admin);
    await page.goto('/dashboard/?range=15m');
    await loaded(page);
    const firstRow = page.locator('#sessions-table tbody tr').first();
    const sessionId = await firstRow.getAttribute('data-session-id');
    expect(report.sessions.map((s) => s.sessionId)).toContain(sessionId);

    await firstRow.getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('table').first().waitFor();
    expect(await dialog.getByRole('heading', { level: 2 }).textContent()).toBe(`Session ${sessionId}`);
    const minuteRows = await dialog.getByRole('table', { name: 'Per-minute statistics' }).locator('tbody tr').count();
    const eventTypes = await dialog.getByRole('table', { name: 'Connection events' }).locator('tbody tr td:nth-child(3)').allTextContents();
    expect(minuteRows).toBeGreaterThan(0);
    // Every simulated peer attempts connections when it joins.
    expect(eventTypes).toContain('Attempted');

    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await dialog.isVisible()).toBe(false);
  });

  it('exports the region table as CSV holding the same rows as the API’s JSON report', async () => {
    const page = await signedInPage(admin);
    await page.goto('/dashboard/?range=15m');
    await loaded(page);
    const query = await page.evaluate(() => window.__dashboard?.query);
    expect(query?.from).toBeTruthy();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export the region table as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    // The browser runs as a shared server (connectBrowser): the file is streamed back rather than read in place.
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    const csvRows = parseCsv(Buffer.concat(chunks).toString('utf8'));

    const json = await adminGet<{ rows: Record<string, unknown>[] }>('/analytics/breakdown', { ...query, by: 'country' });
    expect(json.rows.length).toBeGreaterThan(1);
    expect(csvRows).toHaveLength(json.rows.length);
    const byKey = new Map(csvRows.map((row) => [row.key, row]));
    for (const row of json.rows) {
      const csv = byKey.get(String(row.key));
      expect(csv, `CSV row for ${String(row.key)}`).toBeDefined();
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'number') expect(Number(csv?.[column]), `${String(row.key)}.${column}`).toBeCloseTo(value, 6);
        else expect(csv?.[column], `${String(row.key)}.${column}`).toBe(value === null ? '' : String(value));
      }
    }
    expect(await page.locator('#dashboard-status').textContent()).toBe(`Downloaded ${download.suggestedFilename()}.`);
  });

  it('polls while visible, and pauses while the tab is hidden', async () => {
    const page = await signedInPage(admin);
    await page.clock.install();
    await page.goto('/dashboard/?range=15m');
    let loads = await loaded(page);

    await page.clock.fastForward(16_000);
    loads = await loaded(page, loads);

    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(await page.locator('#updated-ago').textContent()).toContain('paused while hidden');
    await page.clock.fastForward(40_000);
    expect(await page.evaluate(() => window.__dashboard?.loads)).toBe(loads);

    // Back in view with stale data: it catches up at once.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await loaded(page, loads);
  });
});
