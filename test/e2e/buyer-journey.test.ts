// The buyer journey in Chromium against the local payment sandbox `npm run dev` starts (dev/payment-sandbox):
// viewers choose buy or rent and a provider on a paid video's watch page, pay on the provider's hosted page (a
// Stripe test card, PayPal's Approve, Coinbase's Pay), come back, and the video plays once the sandbox's signed
// webhook has gone through the Worker's payments queue. A declined card grants nothing; the creator's revenue
// page shows the three sales; an admin refund stops the buyer's playback.
//
// The shared e2e server has no payment providers, so this file starts its own sandbox and `wrangler dev` pointed
// at it (fresh state, free ports), as `npm run dev` does.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type PaymentSandbox, paypalFee, startPaymentSandbox, stripeFee } from '../../dev/payment-sandbox/sandbox';
import { creatorShareOf } from '../../src/domain/payments/ledger';
import { createVideo, type SignedUpUser, signUp } from '../support/api';
import { connectBrowser, newTestContext } from '../support/browser';
import { packageTestClip } from '../support/packaged-video';
import { seedSession } from '../support/session';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const PURCHASE = 499;
const RENTAL = 199;
const RENTAL_HOURS = 48;
// Set to a directory to keep 1280×800 screenshots of each step (e.g. BUYER_JOURNEY_SHOTS=/tmp/shots).
const SHOTS_DIR = process.env.BUYER_JOURNEY_SHOTS;

let sandbox: PaymentSandbox;
let server: WranglerDev;
let base: string;
let browser: Browser;
let creator: SignedUpUser;
let adminToken: string;
let videoId: string;
const contexts: BrowserContext[] = [];
/** Uncaught exceptions of every page this file opens. */
const pageErrors: string[] = [];

beforeAll(async () => {
  sandbox = await startPaymentSandbox({ workerUrl: () => base });
  const clip = packageTestClip({ seconds: 8, segmentSeconds: 2, renditions: '360p' });
  // The global setup has built web/dist already.
  server = await startWranglerDev({ cwd: PROJECT_ROOT, vars: sandbox.workerVars() });
  base = server.url;
  const [operator, seller] = await Promise.all([
    signUp(base, { displayName: 'Refund Desk' }),
    signUp(base, { displayName: 'Paid Creator', role: 'creator' }),
  ]);
  creator = seller;
  await execFileAsync(
    process.execPath,
    ['--import', 'tsx', 'dev/admin.ts', 'set-role', '--email', operator.user.email, '--role', 'admin', '--persist-to', server.persistDir],
    { cwd: PROJECT_ROOT, timeout: 30_000 },
  );
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: operator.user.email, password: operator.password }),
  });
  adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  // Priced before its package is uploaded, so the package is encrypted with the video's key (README "Content
  // encryption"): every play below decrypts in the player after the key route admitted the buyer.
  const prices = {
    purchase: { amount: PURCHASE, currency: 'USD' },
    rental: { amount: RENTAL, currency: 'USD', rentalHours: RENTAL_HOURS },
  };
  const video = await createVideo(base, creator.accessToken, { title: 'Knife Skills, Paid Cut', visibility: 'public', prices }, await clip);
  videoId = video.id;
  const manifest = await api(creator.accessToken, 'GET', `/videos/${videoId}/hls/manifest.json`);
  expect((manifest.body as { encryption?: unknown }).encryption).toEqual({ method: 'AES-128' });
  browser = await connectBrowser(inject('browserWsEndpoint'));
  if (SHOTS_DIR) await mkdir(SHOTS_DIR, { recursive: true });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await browser?.close();
  await server?.stop();
  await sandbox?.close();
});

async function api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS_DIR) await page.screenshot({ path: join(SHOTS_DIR, `buy-${name}.png`) });
}

async function signedInPage(user: SignedUpUser): Promise<Page> {
  const context = await newTestContext(browser, { viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await seedSession(context, user);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

/** A viewer on the paid video's watch page, which offers it instead of playing it. */
async function offeredTo(user: SignedUpUser): Promise<Page> {
  const page = await signedInPage(user);
  await page.goto(`${base}/watch/${videoId}`);
  await page.waitForSelector('.purchase button');
  return page;
}

/** Chooses a provider and buy or rent on the offer; resolves on the provider's hosted page. */
async function checkOut(page: Page, provider: 'stripe' | 'paypal' | 'coinbase', kind: 'buy' | 'rent'): Promise<void> {
  await page.check(`input[name="provider"][value="${provider}"]`);
  await page.click(kind === 'buy' ? '.purchase button:has-text("Buy for")' : '.purchase button:has-text("Rent for")');
  await page.waitForURL((url) => url.href.startsWith(`${sandbox.url}/pay/${provider}/`));
}

/** Back on the watch page after paying: it waits for the payment to settle, then the video plays. */
async function playsAfterReturn(page: Page): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${base}/watch/${videoId}`));
  await page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 30_000 });
  await page.evaluate(async () => {
    const video = document.querySelector('video') as HTMLVideoElement;
    video.muted = true;
    if (video.paused) await video.play();
  });
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, null, { timeout: 20_000 });
  expect(await page.textContent('#watch-info')).toContain('Thank you');
  expect(await page.$('.purchase')).toBeNull();
}

const entitlementsOf = async (user: SignedUpUser) =>
  (await api(user.accessToken, 'GET', '/me/entitlements')).body.items as {
    kind: string;
    paymentId: string;
    active: boolean;
    expiresAt: string | null;
  }[];

describe('buyer journey through the local payment sandbox', () => {
  let stripeBuyer: SignedUpUser;

  it('buys with a Stripe test card (4242 4242 4242 4242), comes back and plays', async () => {
    stripeBuyer = await signUp(base, { displayName: 'Card Buyer' });
    const page = await offeredTo(stripeBuyer);
    expect(await page.textContent('.purchase__title')).toBe(`Buy for $4.99 or rent for ${RENTAL_HOURS} h for $1.99`);
    await shot(page, 'offer');
    await checkOut(page, 'stripe', 'buy');
    expect(await page.textContent('.amount')).toBe('$4.99');
    await page.fill('#email', stripeBuyer.user.email);
    await page.fill('#cardNumber', '4242 4242 4242 4242');
    await shot(page, 'stripe-checkout');
    await page.click('#pay');
    await playsAfterReturn(page);
    await shot(page, 'paid-playing');
    expect(await entitlementsOf(stripeBuyer)).toMatchObject([{ kind: 'video_purchase', active: true, expiresAt: null }]);
  }, 60_000);

  it('rents through PayPal (Approve), comes back through the capture and plays', async () => {
    const renter = await signUp(base, { displayName: 'PayPal Renter' });
    const page = await offeredTo(renter);
    await checkOut(page, 'paypal', 'rent');
    expect(await page.textContent('[data-amount]')).toBe('$1.99');
    await shot(page, 'paypal-checkout');
    await page.click('#approve');
    await playsAfterReturn(page);
    const [rental] = await entitlementsOf(renter);
    expect(rental).toMatchObject({ kind: 'video_rental', active: true });
    const hours = (Date.parse(rental?.expiresAt ?? '') - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(RENTAL_HOURS - 0.1);
    expect(hours).toBeLessThanOrEqual(RENTAL_HOURS);
  }, 60_000);

  it('pays through Coinbase Commerce (Pay), comes back and plays', async () => {
    const cryptoBuyer = await signUp(base, { displayName: 'Crypto Buyer' });
    const page = await offeredTo(cryptoBuyer);
    await checkOut(page, 'coinbase', 'buy');
    await shot(page, 'coinbase-checkout');
    await page.click('#pay');
    await playsAfterReturn(page);
    expect(await entitlementsOf(cryptoBuyer)).toMatchObject([{ kind: 'video_purchase', active: true }]);
  }, 60_000);

  it('refuses a declined card (4000 0000 0000 0002) on the hosted page: nothing charged, nothing granted', async () => {
    const unlucky = await signUp(base, { displayName: 'Declined Buyer' });
    const page = await offeredTo(unlucky);
    await checkOut(page, 'stripe', 'buy');
    await page.fill('#cardNumber', '4000 0000 0000 0002');
    await page.click('#pay');
    await page.waitForSelector('#card-error');
    expect(await page.textContent('#card-error')).toContain('Your card was declined.');
    await shot(page, 'declined');
    const paymentId = new URL((await page.getAttribute('#back', 'href')) ?? '').searchParams.get('payment') as string;
    expect((await api(unlucky.accessToken, 'GET', `/payments/${paymentId}`)).body.state).not.toBe('captured');
    expect(await entitlementsOf(unlucky)).toEqual([]);
    expect((await api(unlucky.accessToken, 'POST', `/videos/${videoId}/playback-token`)).status).toBe(402);
    // Giving up returns to the watch page, which says nothing was charged and offers the video again.
    await page.click('#back');
    await page.waitForURL((url) => url.href.startsWith(`${base}/watch/${videoId}`));
    await page.waitForSelector('.purchase button');
    expect(await page.textContent('#watch-info')).toBe('Checkout cancelled. Nothing was charged.');
  }, 60_000);

  it("shows the creator the three sales on the revenue page, and the admin's report nets out the providers' fees", async () => {
    const shares = creatorShareOf(PURCHASE, 'video_purchase') * 2 + creatorShareOf(RENTAL, 'video_rental');
    const page = await signedInPage(creator);
    await page.goto(`${base}/revenue/?groupBy=provider`);
    await page.waitForFunction(() => (window.__revenue?.loads ?? 0) > 0);
    await page.waitForSelector('#revenue-rows tbody tr');
    expect(Number(await page.getAttribute('[data-kpi="gross"]', 'data-minor'))).toBe(2 * PURCHASE + RENTAL);
    expect(await page.textContent('#revenue-kpis')).toContain('3 payments');
    expect(Number(await page.getAttribute('[data-kpi="creatorEarnings"]', 'data-minor'))).toBe(shares);
    expect(await page.$$eval('#revenue-rows tbody tr', (rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual([
      'coinbase',
      'paypal',
      'stripe',
    ]);
    await shot(page, 'revenue');

    // The studio's revenue per video is the creator's share, already net of fees (the platform bears them).
    const stats = await api(creator.accessToken, 'GET', `/me/videos/stats?ids=${videoId}`);
    expect(JSON.stringify(stats.body)).toContain(`"revenueCents":${shares}`);
    // The admin report: Stripe's and PayPal's standard fees, Coinbase none; platform net = platform share − fees.
    const report = (await api(adminToken, 'GET', '/reports/revenue?groupBy=provider')).body as {
      rows: { key: string; gross: number; fees: number; platformRevenue: number; platformNet: number; payments: number }[];
    };
    const byProvider = Object.fromEntries(report.rows.map((row) => [row.key, row]));
    expect(byProvider.stripe).toMatchObject({ gross: PURCHASE, payments: 1, fees: stripeFee(PURCHASE) });
    expect(byProvider.paypal).toMatchObject({ gross: RENTAL, payments: 1, fees: paypalFee(RENTAL) });
    expect(byProvider.coinbase).toMatchObject({ gross: PURCHASE, payments: 1, fees: 0 });
    for (const row of report.rows) expect(row.platformNet).toBe(row.platformRevenue - row.fees);
  }, 60_000);

  it("stops the Stripe buyer's playback after an admin refund, and the watch page offers the video again", async () => {
    const [purchase] = await entitlementsOf(stripeBuyer);
    const token = (await api(stripeBuyer.accessToken, 'POST', `/videos/${videoId}/playback-token`)).body.token as string;
    const playlist = () => fetch(`${base}/api/v1/videos/${videoId}/hls/master.m3u8?pt=${encodeURIComponent(token)}`);
    const key = () => fetch(`${base}/api/v1/videos/${videoId}/hls/key?pt=${encodeURIComponent(token)}`);
    expect((await playlist()).status).toBe(200);
    const served = await key();
    expect(served.status).toBe(200);
    expect(served.headers.get('cache-control')).toBe('private, no-store');
    expect((await served.arrayBuffer()).byteLength).toBe(16);

    const refund = await api(adminToken, 'POST', `/admin/payments/${purchase?.paymentId}/refund`, {});
    expect(refund).toMatchObject({ status: 200, body: { state: 'refunded', refundedTotal: PURCHASE } });
    const refused = await playlist();
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('entitlement_revoked');
    // The same unexpired token no longer gets the key: the ciphertext the buyer's peers still hold stays sealed.
    expect((await key()).status).toBe(403);
    expect(await entitlementsOf(stripeBuyer)).toMatchObject([{ active: false }]);

    const page = await offeredTo(stripeBuyer);
    expect(await page.textContent('.purchase__title')).toContain('Buy for $4.99');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
