// What each viewer meets on /watch/{id} when the video is not simply theirs to play: the owner plays a private
// video (with an editor playback token the player writes into every request); another signed-in viewer and an
// anonymous visitor are told it is private and cannot fetch any of its files; a missing video is a real 404 page
// with a way back.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createVideo, type SignedUpUser, signUp } from '../support/api';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';
import { packageTestClip, type VideoPackage } from '../support/packaged-video';
import { seedSession } from '../support/session';

const baseUrl = inject('baseUrl');
let browser: Browser;
let clip: VideoPackage;
let owner: SignedUpUser;
let privateId: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, clip, owner] = await Promise.all([
    connectBrowser(inject('browserWsEndpoint')),
    packageTestClip({ seconds: 6, segmentSeconds: 2, renditions: '360p' }),
    signUp(baseUrl, { displayName: 'Private filmmaker', role: 'creator' }),
  ]);
  privateId = (await createVideo(baseUrl, owner.accessToken, { title: 'Family reunion', visibility: 'private' }, clip)).id;
}, 120_000);

afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
});

async function open(path: string, user?: SignedUpUser): Promise<{ page: Page; errors: string[]; status: number | undefined }> {
  const context = await newTestContext(browser);
  contexts.push(context);
  if (user) await seedSession(context, user);
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  const response = await page.goto(`${baseUrl}${path}`);
  return { page, errors, status: response?.status() };
}

/** Every file of the package, fetched from inside the page with whatever the page's session holds. */
async function fetchFiles(page: Page, videoId: string): Promise<number[]> {
  const paths = ['master.m3u8', '360p/index.m3u8', '360p/seg_00000.m4s', 'manifest.json'];
  return page.evaluate(
    async ({ id, list }) => {
      const token = sessionStorage.getItem('vibestream.accessToken');
      return Promise.all(
        list.map(async (path) => {
          const response = await fetch(`/api/v1/videos/${id}/hls/${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
          return response.status;
        }),
      );
    },
    { id: videoId, list: paths },
  );
}

describe('watch page states', () => {
  it('plays a private video for its owner', async () => {
    const { page, status } = await open(`/watch/${privateId}`, owner);
    expect(status).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Family reunion' }).waitFor();
    await page.waitForFunction(() => window.__vibestreamPlayer !== undefined, null, { timeout: 30_000 });
    await page.evaluate(() => {
      const video = document.querySelector('video') as HTMLVideoElement;
      video.muted = true;
      return video.play();
    });
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, null, { timeout: 30_000 });
    // The page asked for an editor playback token and wrote it into the requests.
    const counters = await page.evaluate(() => window.__vibestreamPlayer?.counters);
    expect(counters?.httpSegments).toBeGreaterThan(0);
  }, 90_000);

  it('tells another viewer and a visitor that the video is private, and serves them none of its files', async () => {
    const stranger = await signUp(baseUrl, { displayName: 'Curious neighbour' });
    for (const user of [stranger, undefined]) {
      const { page } = await open(`/watch/${privateId}`, user);
      await page.getByRole('heading', { level: 1, name: 'This video is private' }).waitFor();
      await expect(page.getByText(/Only its creator can watch it/).count()).resolves.toBe(1);
      await page.getByRole('link', { name: 'Back to the catalog' }).waitFor();
      if (!user) await page.locator('#watch-state-actions').getByRole('link', { name: 'Sign in' }).waitFor();
      expect(await fetchFiles(page, privateId)).toEqual([404, 404, 404, 404]);
      expect(await page.locator('#watch').isHidden()).toBe(true);
    }
  }, 60_000);

  it('answers a missing video with a 404 page that leads back to the catalog', async () => {
    const { page, status } = await open('/watch/vid_doesnotexist00000000');
    expect(status).toBe(404);
    await page.getByRole('heading', { level: 1, name: 'Video not found' }).waitFor();
    await page.getByRole('link', { name: 'Back to the catalog' }).click();
    await page.waitForURL(`${baseUrl}/`);
  }, 60_000);
});
