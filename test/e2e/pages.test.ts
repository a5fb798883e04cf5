// Static pages as the edge serves them: security headers from web/public/_headers, the API reference rendered
// under that policy, and the 404 page.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collectConsoleErrors, connectBrowser, newTestContext } from '../support/browser';

const baseUrl = inject('baseUrl');

const EXPECTED_CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; " +
  "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const PAGES = ['/', '/login/', '/signup/', '/docs/'];

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser(inject('browserWsEndpoint'));
});

afterAll(async () => {
  await browser?.close();
});

describe('static pages', () => {
  it.each(PAGES)('%s is served with the content security policy and hardening headers', async (path) => {
    const response = await fetch(`${baseUrl}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('permissions-policy')).toBe('camera=(self), microphone=(self)');
    await response.body?.cancel();
  });

  it('answers an unknown path with the 404 page, under the same policy', async () => {
    const response = await fetch(`${baseUrl}/no/such/page/`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(await response.text()).toContain('Page not found');
  });

  it('renders the API reference from the OpenAPI document, without CSP violations', async () => {
    const spec = (await (await fetch(`${baseUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/api/v1/auth/login');

    const context = await newTestContext(browser, { baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const errors = collectConsoleErrors(page);
      await page.goto('/docs/');
      const loginOperation = page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/auth\/login\u200b?$/ });
      await loginOperation.first().waitFor();
      expect(await loginOperation.first().isVisible()).toBe(true);
      // Every documented path is rendered as an operation.
      // (swagger-ui may insert zero-width spaces as line-break opportunities in long paths.)
      const renderedPaths = new Set(
        (await page.locator('.opblock-summary-path').allTextContents()).map((text) => text.replace(/\u200b/g, '')),
      );
      for (const path of Object.keys(spec.paths)) expect(renderedPaths, path).toContain(path);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
