// Runs once for the e2e project: builds the web app (wrangler serves web/dist as static assets), starts one
// `wrangler dev` and one Chromium, and hands both to every e2e file through `inject`.
import type { TestProject } from 'vitest/node';
import { launchBrowserServer } from '../support/browser';
import { buildWebOnce } from '../support/build-web';
import { startWranglerDev } from '../support/wrangler-dev';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the shared `wrangler dev`, e.g. http://127.0.0.1:41234. */
    baseUrl: string;
    /** Playwright endpoint of the shared Chromium (`connectBrowser`). */
    browserWsEndpoint: string;
    /** State directory of that `wrangler dev` (its D1 database), for operator tasks such as making an admin. */
    persistDir: string;
  }
}

export default async function setup(project: TestProject) {
  const cwd = project.config.root;
  const build = buildWebOnce(cwd);
  // The build overlaps the D1 migrations (wrangler dev starts once both are done) and the browser start.
  const [server, browser] = await Promise.allSettled([startWranglerDev({ cwd, startAfter: build }), launchBrowserServer()]);
  if (server.status === 'rejected' || browser.status === 'rejected') {
    if (server.status === 'fulfilled') await server.value.stop();
    if (browser.status === 'fulfilled') await browser.value.close();
    throw server.status === 'rejected' ? server.reason : (browser as PromiseRejectedResult).reason;
  }
  project.provide('baseUrl', server.value.url);
  project.provide('browserWsEndpoint', browser.value.wsEndpoint());
  project.provide('persistDir', server.value.persistDir);
  return async () => {
    await Promise.allSettled([browser.value.close(), server.value.stop()]);
  };
}
