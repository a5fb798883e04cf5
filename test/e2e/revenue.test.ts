// The revenue page in Chromium over a ledger holding two captured payments and one refund of this run, posted
// with the real posting rules (src/domain/payments/ledger.ts) straight into this server's D1. The page's numbers
// are checked against the API's report, which the workers tests check against the ledger.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { d1Execute } from '../../dev/lib/d1';
import { capturePosting, creatorShareOf, type LedgerTransaction, refundPosting } from '../../src/domain/payments/ledger';
import { type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';

const execFileAsync = promisify(execFile);
const baseUrl = inject('baseUrl');
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const runTag = Math.random().toString(36).slice(2, 10);

interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; role: string };
}

/** What web/src/pages/revenue.ts exposes for tests (`window.__revenue`), as far as this file reads it. */
declare global {
  interface Window {
    __revenue?: {
      loads: number;
      report: { groupBy: string } | null;
      chart: { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } | null;
    };
  }
}

let browser: Browser;
let context: BrowserContext | undefined;
let admin: Session;
let creator: SignedUpUser;
let viewer: SignedUpUser;

const sqlText = (value: string | number | null) =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;

function postingSql(tx: LedgerTransaction, videoId: string): string {
  const rows = [
    `INSERT INTO ledger_transactions (id, payment_id, kind, provider, currency, occurred_at, created_at) VALUES (${[tx.id, tx.paymentId, tx.kind, tx.provider, tx.currency, tx.occurredAt, tx.occurredAt].map(sqlText).join(', ')})`,
    ...tx.lines.map(
      (line, index) =>
        `INSERT INTO ledger_entries (id, transaction_id, account, amount, currency, memo, payment_id, provider, creator_id, video_id, occurred_at) VALUES (${[
          `${tx.id}#${index}`,
          tx.id,
          line.account,
          line.amount,
          tx.currency,
          line.memo,
          tx.paymentId,
          tx.provider,
          creator.user.id,
          videoId,
          tx.occurredAt,
        ]
          .map(sqlText)
          .join(', ')})`,
    ),
  ];
  return rows.join(';\n');
}

async function seedLedger() {
  const now = Date.now();
  const ctx = (paymentId: string, provider: 'stripe' | 'paypal', occurredAt: number) => ({
    paymentId,
    provider,
    creatorId: creator.user.id,
    currency: 'USD',
    occurredAt,
  });
  const share = creatorShareOf(1299, 'video_purchase');
  const txs = [
    capturePosting(ctx(`pay_e2e${runTag}a`, 'stripe', now - 3_600_000), 1299, 68, share),
    capturePosting(ctx(`pay_e2e${runTag}b`, 'paypal', now - 2 * 86_400_000), 1299, 59, share),
    refundPosting(ctx(`pay_e2e${runTag}b`, 'paypal', now - 86_400_000), { gross: 1299, creatorShare: share }, 0, 1299),
  ];
  await d1Execute(
    { remote: false, persistTo: inject('persistDir') },
    { command: txs.map((tx) => postingSql(tx, `vid_e2erev${runTag}`)).join(';\n') },
  );
}

beforeAll(async () => {
  const [connected, operator, seller, plain] = await Promise.all([
    connectBrowser(inject('browserWsEndpoint')),
    signUp(baseUrl, { displayName: 'Ledger Keeper' }),
    signUp(baseUrl, { displayName: 'Paid Creator', role: 'creator' }),
    signUp(baseUrl, { displayName: 'Just Watching' }),
  ]);
  browser = connected;
  creator = seller;
  viewer = plain;
  await execFileAsync(
    process.execPath,
    [
      '--import',
      'tsx',
      'dev/admin.ts',
      'set-role',
      '--email',
      operator.user.email,
      '--role',
      'admin',
      '--persist-to',
      inject('persistDir'),
    ],
    { cwd: PROJECT_ROOT, timeout: 30_000 },
  );
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: operator.user.email, password: operator.password }),
  });
  admin = (await login.json()) as Session;
  await seedLedger();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function signedInPage(auth: Session): Promise<Page> {
  context = await newTestContext(browser, { baseURL: baseUrl, viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  await context.addInitScript((session) => {
    sessionStorage.setItem('vibestream.accessToken', session.accessToken);
    sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 900_000));
    sessionStorage.setItem('vibestream.user', JSON.stringify(session.user));
    localStorage.setItem('vibestream.refreshToken', session.refreshToken);
  }, auth);
  return context.newPage();
}

async function apiReport(auth: Session, query: string) {
  const response = await fetch(`${baseUrl}/api/v1/reports/revenue?${query}`, { headers: { Authorization: `Bearer ${auth.accessToken}` } });
  return (await response.json()) as {
    rows: { key: string; creatorEarnings: number; gross: number }[];
    totals: { gross: number; currency: string }[];
  };
}

describe('revenue page', () => {
  it('shows a creator their own earnings per provider, charted, and exports the same rows as CSV', async () => {
    const page = await signedInPage(creator);
    const errors = collectConsoleErrors(page);
    await page.goto('/revenue/?groupBy=provider', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window.__revenue?.loads ?? 0) > 0 && window.__revenue?.chart !== null);
    expect(await page.textContent('#revenue-scope')).toBe('Your earnings');
    const expected = await apiReport(creator, 'groupBy=provider');
    expect(expected.rows.map((row) => row.key)).toEqual(['paypal', 'stripe']);
    // PayPal was refunded in full: the creator keeps nothing of it; Stripe's 80 % share stays.
    expect(expected.rows.map((row) => row.creatorEarnings)).toEqual([0, 1039]);
    const rowKeys = await page.$$eval('#revenue-rows tbody tr', (rows) => rows.map((row) => row.getAttribute('data-key')));
    expect(rowKeys).toEqual(['paypal', 'stripe']);
    const chart = await page.evaluate(() => window.__revenue?.chart?.data);
    expect(chart?.labels).toEqual(['paypal', 'stripe']);
    expect(chart?.datasets.map((dataset) => dataset.label)).toEqual(['Creator earnings']);
    expect(chart?.datasets[0]?.data).toEqual([0, 10.39]);
    const gross = await page.getAttribute('[data-kpi="gross"]', 'data-minor');
    expect(Number(gross)).toBe(expected.totals[0]?.gross);
    expect(await page.$('[data-kpi="platformNet"]')).toBeNull();

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#revenue-export')]);
    // The browser runs in another process (connected remotely): save the download here before reading it.
    const saved = join(await mkdtemp(join(tmpdir(), 'vibestream-revenue-')), 'revenue.csv');
    await download.saveAs(saved);
    const csv = await readFile(saved, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('key,currency,gross,refunds,chargebacks,creatorEarnings,payments');
    expect(csv).toContain('stripe,USD,1299,0,0,1039,1');
    expect(errors).toEqual([]);
  });

  it('tells a creator without sales that the range is empty and how sales happen', async () => {
    const newcomer = await signUp(baseUrl, { displayName: 'New Creator', role: 'creator' });
    const page = await signedInPage(newcomer);
    const errors = collectConsoleErrors(page);
    await page.goto('/revenue/?range=7', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window.__revenue?.loads ?? 0) > 0);
    const explanation = page.locator('#revenue-empty [data-empty-state]');
    expect(await explanation.locator('.empty-note__title').textContent()).toMatch(/^No sales between \S.* and \S.*\.$/);
    const detail = await explanation.locator('.empty-note__detail').textContent();
    expect(detail).toContain('You have no sales in the past year.');
    expect(detail).toContain('buys or rents one of your videos');
    expect(await explanation.getByRole('link', { name: 'Creator studio' }).getAttribute('href')).toBe('/studio/');
    expect(await page.locator('[data-kpi]').count()).toBe(0);
    // The chart gives way to a sentence (no empty axis box); the table says it has no rows.
    const chartCard = page.locator('.chart-card');
    expect(await chartCard.locator('[data-empty-state]').isVisible()).toBe(true);
    expect(await chartCard.locator('[data-empty-state]').textContent()).toContain('Nothing to chart between');
    expect(await chartCard.locator('canvas').isHidden()).toBe(true);
    expect(await page.locator('#revenue-table').textContent()).toContain('No rows: nothing was paid, refunded or charged back');
    expect(await page.locator('#revenue-rows').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('explains an empty range to a creator who has sales elsewhere', async () => {
    const page = await signedInPage(creator);
    // The ledger of this file is in USD only.
    await page.goto('/revenue/?currency=EUR', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window.__revenue?.loads ?? 0) > 0);
    const explanation = page.locator('#revenue-empty [data-empty-state]');
    expect(await explanation.locator('.empty-note__title').textContent()).toMatch(/^No sales in EUR between \S.* and \S.*\.$/);
    expect(await explanation.locator('.empty-note__detail').textContent()).toBe(
      'Sales appear here once a buyer pays; refunds show as negative lines.',
    );
    expect(await page.locator('.chart-card canvas').isHidden()).toBe(true);

    // The same creator's range with sales: no explanation, the chart is drawn, a refund shows as a negative amount.
    await page.fill('#revenue-currency', '');
    await page.selectOption('#revenue-group', 'provider');
    await page.click('#revenue-filters button[type="submit"]');
    await page.waitForFunction(() => window.__revenue?.report?.groupBy === 'provider' && (window.__revenue?.loads ?? 0) > 1);
    expect(await page.locator('#revenue-empty').textContent()).toBe('');
    expect(await page.locator('.chart-card canvas').isVisible()).toBe(true);
    expect(await page.locator('#revenue-rows tr[data-key="paypal"] td:nth-child(4)').textContent()).toMatch(/^-\$12\.99$/);
  });

  it('gives admins the platform figures and regroups by day; viewers are turned away', async () => {
    const page = await signedInPage(admin);
    await page.goto('/revenue/', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window.__revenue?.loads ?? 0) > 0);
    expect(await page.textContent('#revenue-scope')).toBe('All creators');
    expect(await page.$('[data-kpi="platformNet"]')).not.toBeNull();
    await page.selectOption('#revenue-group', 'creator');
    await page.click('#revenue-filters button[type="submit"]');
    await page.waitForFunction(() => window.__revenue?.report?.groupBy === 'creator');
    const keys = await page.$$eval('#revenue-rows tbody tr', (rows) => rows.map((row) => row.getAttribute('data-key')));
    expect(keys).toContain(creator.user.id);
    expect(page.url()).toContain('groupBy=creator');

    const denied = await signedInPage(viewer);
    await denied.goto('/revenue/', { waitUntil: 'domcontentloaded' });
    await denied.waitForSelector('#revenue-denied:not([hidden])');
    expect(await denied.isHidden('#revenue-body')).toBe(true);
  });
});
