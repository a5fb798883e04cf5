// Time to the dashboard's first chart in headless Chromium, read from the page's own performance mark.
import { launchBrowser } from '../test/support/browser';

export interface DashboardBenchResult {
  runs: number;
  medianMs: number;
  maxMs: number;
}

export async function benchDashboard(
  baseUrl: string,
  admin: { email: string; password: string },
  runs: number,
): Promise<DashboardBenchResult> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(admin),
  });
  if (!login.ok) throw new Error(`bench admin login failed: ${login.status}`);
  const browser = await launchBrowser();
  const timings: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      // Sign in through the real form, as an operator would, then open the dashboard cold.
      await page.goto(`${baseUrl}/login/`);
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: /sign in/i }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      await page.goto(`${baseUrl}/dashboard/`);
      const ms = await page.waitForFunction(() => performance.getEntriesByName('first-chart')[0]?.startTime ?? null, undefined, {
        timeout: 30_000,
      });
      timings.push(Number(await ms.jsonValue()));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  timings.sort((a, b) => a - b);
  return { runs, medianMs: timings[Math.floor(timings.length / 2)] as number, maxMs: timings[timings.length - 1] as number };
}
