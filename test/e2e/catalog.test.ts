// The home page catalog against videos created through the API by a real creator account.
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createVideo, signUp, type TestVideo } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';

const baseUrl = inject('baseUrl');

/** A word no other test or seed data uses (letters only, one search token), so results are this file's own. */
const uniqueWord = (prefix: string) => `${prefix}${[...randomBytes(6)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;
const marker = uniqueWord('aurora');

let browser: Browser;
let context: BrowserContext;
let publicVideo: TestVideo;
let privateVideo: TestVideo;
/** More videos under one tag than fit on a page (the home page asks for 12 at a time). */
const pagedTag = uniqueWord('series');
const pagedVideos: TestVideo[] = [];
const PLACES = ['Lofoten', 'Atacama', 'Hokkaido', 'Patagonia', 'Svalbard', 'Namib', 'Yukon'];

beforeAll(async () => {
  const [launched, creator] = await Promise.all([
    connectBrowser(inject('browserWsEndpoint')),
    signUp(baseUrl, { displayName: 'Northern Studio', role: 'creator' }),
  ]);
  browser = launched;
  const token = creator.accessToken;
  pagedVideos.push(
    ...(await Promise.all(
      Array.from({ length: 14 }, (_, i) => {
        const place = PLACES[i % PLACES.length];
        return createVideo(baseUrl, token, {
          title: `Field notes ${i + 1}: ${place}`,
          description: `A short walk through ${place}, recorded on location.`,
          tags: [pagedTag, 'travel'],
          visibility: 'public',
        });
      }),
    )),
  );
  // A few companions so the page looks like a catalog (and the screenshot shows real cards).
  await createVideo(baseUrl, token, {
    title: 'Sourdough at dawn: a baker’s morning',
    description: 'Flour, water, salt, time — and a very early alarm.',
    tags: ['food', 'slow'],
    visibility: 'public',
  });
  await createVideo(baseUrl, token, {
    title: 'Rooftop jazz session, live',
    description: 'A quartet, a city skyline and one very patient neighbour.',
    tags: ['music', 'live'],
    language: 'fr',
    prices: { purchase: { amount: 499, currency: 'EUR' } },
    visibility: 'public',
  });
  privateVideo = await createVideo(baseUrl, token, {
    title: `Private draft ${marker} do not show`,
    tags: ['draft'],
    visibility: 'private',
  });
  publicVideo = await createVideo(baseUrl, token, {
    title: `Northern lights over ${marker} fjord`,
    description: 'Four hours of aurora compressed into four minutes, filmed above the Arctic circle.',
    tags: ['nature', 'timelapse'],
    visibility: 'public',
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
});

async function newPage(): Promise<Page> {
  context = await newTestContext(browser, { baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

const card = (page: Page, video: TestVideo) => page.locator(`article[data-video-id="${video.id}"]`);
const status = (page: Page) => page.locator('#catalog-status');

/** Waits for the catalog to finish the request in flight and its status line to be settled. */
async function settled(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const list = document.getElementById('video-list');
    const text = document.getElementById('catalog-status')?.textContent ?? '';
    return list && !list.hasAttribute('aria-busy') && text !== '' && !text.startsWith('Loading');
  });
  return (await status(page).textContent()) ?? '';
}

describe('catalog on the home page', () => {
  it('lists a public video created through the API, and not a private one', async () => {
    const page = await newPage();
    await page.goto('/');
    await settled(page);
    await card(page, publicVideo).waitFor();
    expect(await card(page, publicVideo).getByRole('heading').textContent()).toBe(publicVideo.title);
    expect(await card(page, publicVideo).textContent()).toContain('Northern Studio');
    expect(await card(page, privateVideo).count()).toBe(0);
    expect(await page.getByText(privateVideo.title).count()).toBe(0);
  });

  it('finds the video by a word of its title, and nothing for a nonsense word', async () => {
    const page = await newPage();
    await page.goto('/');
    await settled(page);

    await page.getByLabel('Search videos').fill(marker);
    await page.getByLabel('Search videos').press('Enter');
    await page.waitForURL(`${baseUrl}/?q=${marker}`);
    expect(await settled(page)).toContain(`matching “${marker}”`);
    const titles = await page.locator('#video-list h3').allTextContents();
    // The private video has the same word in its title: it must still not be found.
    expect(titles).toEqual([publicVideo.title]);

    await page.getByLabel('Search videos').fill('qzxwvkjplm');
    await page.getByLabel('Search videos').press('Enter');
    expect(await settled(page)).toBe('No videos matching “qzxwvkjplm”.');
    expect(await page.locator('#video-list li').count()).toBe(0);
  });

  it('keeps the search in the address, so a reload shows the same results', async () => {
    const page = await newPage();
    await page.goto(`/?q=${marker}`);
    await settled(page);
    expect(await page.getByLabel('Search videos').inputValue()).toBe(marker);
    expect(await page.locator('#video-list h3').allTextContents()).toEqual([publicVideo.title]);
  });

  it('filters by a tag clicked on a card', async () => {
    const page = await newPage();
    await page.goto('/');
    await settled(page);
    await card(page, publicVideo).getByRole('button', { name: 'Show videos tagged timelapse' }).click();
    await page.waitForURL(`${baseUrl}/?tag=timelapse`);
    expect(await settled(page)).toContain('tagged #timelapse');
    expect(await page.getByLabel('Tag', { exact: true }).inputValue()).toBe('timelapse');
    const tagsOfShown = await page
      .locator('#video-list article')
      .evaluateAll((articles) =>
        articles.map((article) => [...article.querySelectorAll('button[data-tag]')].map((button) => button.getAttribute('data-tag'))),
      );
    expect(tagsOfShown.length).toBeGreaterThan(0);
    for (const tags of tagsOfShown) expect(tags).toContain('timelapse');
    expect(await card(page, publicVideo).count()).toBe(1);
  });

  it('pages through results with "Load more" until the last page', async () => {
    const page = await newPage();
    await page.goto(`/?tag=${pagedTag}`);
    await settled(page);
    expect(await page.locator('#video-list article').count()).toBe(12);
    const loadMore = page.getByRole('button', { name: 'Load more' });
    await loadMore.click();
    await page.waitForFunction(() => document.querySelectorAll('#video-list article').length === 14);
    expect(await settled(page)).toContain('Showing 14 videos');
    expect(await loadMore.isHidden()).toBe(true);
    const shownIds = await page
      .locator('#video-list article')
      .evaluateAll((articles) => articles.map((a) => a.getAttribute('data-video-id')));
    expect(new Set(shownIds)).toEqual(new Set(pagedVideos.map((video) => video.id)));
  });

  it('renders without console errors, and looks like a catalog', async () => {
    const page = await newPage();
    const errors = collectConsoleErrors(page);
    await page.goto('/');
    await settled(page);
    await card(page, publicVideo).waitFor();
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
    await page.screenshot({ path: '/tmp/vibestream-home.png', fullPage: true });
  });
});
