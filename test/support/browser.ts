// Headless Debian Chromium driven by playwright-core (no downloaded browser builds: `apt-get install chromium`).
// The flags keep it offline and quiet, and make WebRTC and media usable on a machine with no camera, no
// microphone and no default route: fake devices, auto-granted permissions, loopback ICE candidates.
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type BrowserServer,
  chromium,
  type LaunchOptions,
  type Page,
} from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=fps=30',
  '--allow-loopback-in-peer-connection',
];

function launchOptions(options: LaunchOptions): LaunchOptions {
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  };
}

export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch(launchOptions(options));
}

/**
 * One Chromium for a whole test run: test files (each in its own worker) connect to it with `connectBrowser`
 * instead of paying a browser start each — a second or more apiece on a busy two-core machine.
 */
export function launchBrowserServer(options: LaunchOptions = {}): Promise<BrowserServer> {
  return chromium.launchServer(launchOptions(options));
}

/** Closing the returned Browser disconnects (and closes this client's contexts); the server keeps running. */
export function connectBrowser(wsEndpoint: string): Promise<Browser> {
  return chromium.connect(wsEndpoint);
}

/** Playwright steps give up after this long — before a test's own timeout, so the failure names the hung step. */
export const STEP_TIMEOUT_MS = 15_000;

export async function newTestContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return context;
}

/**
 * Records console errors and uncaught exceptions of a page (CSP violations and failed loads are console
 * errors in Chromium). Read the array after the page has settled.
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}
