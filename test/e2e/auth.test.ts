// Signing up, out and in through the web forms, against the real Worker and D1.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, uniqueEmail } from '../support/api';
import { connectBrowser, newTestContext } from '../support/browser';

const baseUrl = inject('baseUrl');

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await connectBrowser(inject('browserWsEndpoint'));
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
});

async function newPage(): Promise<Page> {
  context = await newTestContext(browser, { baseURL: baseUrl });
  return context.newPage();
}

const header = (page: Page) => page.locator('#site-header');

describe('accounts in the browser', () => {
  it('signs up through the form and lands on the home page signed in, with the display name in the header', async () => {
    const page = await newPage();
    const email = uniqueEmail('browser-signup');
    await page.goto('/signup/');
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    const signupResponse = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/signup'));
    await page.getByRole('button', { name: 'Create account' }).click();
    const answered = await signupResponse;
    // (The body is only readable until the page navigates away, which it does on success.)
    if (answered.status() !== 201) expect.fail(`sign-up answered ${answered.status()}: ${await answered.text()}`);

    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByText('Ada Lovelace').waitFor();
    expect(await header(page).getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await header(page).getByRole('link', { name: 'Sign in' }).count()).toBe(0);
    // The session is real: the API recognises the stored access token.
    const me = await page.evaluate(async () => {
      const token = sessionStorage.getItem('vibestream.accessToken');
      const response = await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } });
      return (await response.json()) as { user: { email: string; role: string } };
    });
    expect(me.user).toMatchObject({ email, role: 'viewer' });
  });

  it('signs out (revoking the refresh token) and signs back in through the login form', async () => {
    const page = await newPage();
    const account = await signUp(baseUrl, { displayName: 'Grace Hopper', role: 'creator' });
    await page.goto('/login/');
    await page.getByLabel('Email').fill(account.user.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByText('Grace Hopper').waitFor();
    expect(await header(page).textContent()).toContain('creator');

    const refreshToken = await page.evaluate(() => localStorage.getItem('vibestream.refreshToken'));
    expect(refreshToken).toBeTruthy();
    await header(page).getByRole('button', { name: 'Sign out' }).click();
    await header(page).getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await header(page).getByText('Grace Hopper').count()).toBe(0);
    expect(
      await page.evaluate(() => [localStorage.getItem('vibestream.refreshToken'), sessionStorage.getItem('vibestream.accessToken')]),
    ).toEqual([null, null]);
    // Signing out revoked the token on the server, not just in the browser.
    const refreshAfterLogout = await fetch(`${baseUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(refreshAfterLogout.status).toBe(401);

    await header(page).getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\/\?next=%2F$/);
    await page.getByLabel('Email').fill(account.user.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByText('Grace Hopper').waitFor();
  });

  it('survives a rejected access token by refreshing once, and restores the session in a new tab', async () => {
    const page = await newPage();
    const account = await signUp(baseUrl, { displayName: 'Katherine Johnson' });
    await page.goto('/login/');
    await page.getByLabel('Email').fill(account.user.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByText('Katherine Johnson').waitFor();
    const firstRefreshToken = await page.evaluate(() => localStorage.getItem('vibestream.refreshToken'));

    // The server no longer accepts this tab's access token (as after a signing-key rotation).
    await page.evaluate(() => sessionStorage.setItem('vibestream.accessToken', 'not-a-valid-token'));
    const refreshed = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/refresh'));
    const confirmedMe = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/me') && response.status() === 200);
    await page.reload();
    expect((await refreshed).status()).toBe(200);
    await confirmedMe;
    await header(page).getByText('Katherine Johnson').waitFor();
    const afterRefresh = await page.evaluate(() => ({
      refreshToken: localStorage.getItem('vibestream.refreshToken'),
      accessToken: sessionStorage.getItem('vibestream.accessToken'),
    }));
    // Refresh tokens rotate: the stored one is the new one.
    expect(afterRefresh.refreshToken).toBeTruthy();
    expect(afterRefresh.refreshToken).not.toBe(firstRefreshToken);
    expect(afterRefresh.accessToken).not.toBe('not-a-valid-token');

    // A new tab has no access token (sessionStorage is per tab) but shares the refresh token.
    const secondTab = await context.newPage();
    await secondTab.goto('/');
    await header(secondTab).getByText('Katherine Johnson').waitFor();
    expect(await secondTab.evaluate(() => sessionStorage.getItem('vibestream.accessToken'))).toBeTruthy();
  });

  it('signs the browser out when its tokens are revoked elsewhere (sign-out everywhere): the 401 token_revoked ends the session', async () => {
    const page = await newPage();
    const account = await signUp(baseUrl, { displayName: 'Revoked Elsewhere' });
    await page.goto('/login/');
    await page.getByLabel('Email').fill(account.user.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByText('Revoked Elsewhere').waitFor();

    // Another device of the same person signs out everywhere.
    const elsewhere = await fetch(`${baseUrl}/api/v1/auth/logout-all`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${account.accessToken}` },
    });
    expect(elsewhere.status).toBe(204);
    const stale = await page.evaluate(async () => {
      const response = await fetch('/api/v1/auth/me', {
        headers: { Authorization: `Bearer ${sessionStorage.getItem('vibestream.accessToken')}` },
      });
      return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
    });
    expect(stale).toEqual({ status: 401, code: 'token_revoked' });

    // The page's session check meets the 401, its refresh is refused, and the header offers sign-in again.
    await page.reload();
    await header(page).getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await header(page).getByText('Revoked Elsewhere').count()).toBe(0);
    expect(
      await page.evaluate(() => [localStorage.getItem('vibestream.refreshToken'), sessionStorage.getItem('vibestream.accessToken')]),
    ).toEqual([null, null]);
  });

  it('shows password strength as you type on the sign-up page, loading the estimator only there, and explains a refusal', async () => {
    const page = await newPage();
    const estimatorRequests: string[] = [];
    page.on('request', (request) => {
      if (/password-strength-[^/]*\.js$/.test(new URL(request.url()).pathname)) estimatorRequests.push(request.url());
    });
    await page.goto('/login/');
    await page.getByLabel('Password').fill('typing on the sign-in page');
    await page.waitForLoadState('networkidle');
    expect(estimatorRequests).toEqual([]);

    await page.goto('/signup/');
    const email = uniqueEmail('meter');
    await page.getByLabel('Display name').fill('Meter Reader');
    await page.getByLabel('Email').fill(email);
    const password = page.getByLabel('Password', { exact: true });
    const strength = page.locator('#signup-password-strength');
    const verdict = page.locator('#signup-password-verdict');
    expect(await strength.isHidden()).toBe(true);
    const meterValue = () => page.locator('#signup-password-meter').evaluate((meter) => (meter as HTMLMeterElement).value);

    await password.pressSequentially('password123');
    await page.waitForFunction(() => document.querySelector('#signup-password-verdict')?.textContent?.includes('commonly used'));
    expect(await strength.getAttribute('data-acceptable')).toBe('false');
    expect(await meterValue()).toBeLessThan(3);
    expect(await verdict.textContent()).toMatch(/^(Very weak|Weak|Fair): /);
    expect(estimatorRequests.length).toBe(1);

    await password.fill('');
    await password.pressSequentially('marble orchard tuesday kettle');
    await page.waitForFunction(() => document.querySelector('#signup-password-strength')?.getAttribute('data-acceptable') === 'true');
    expect(await meterValue()).toBeGreaterThanOrEqual(3);
    expect(await verdict.textContent()).toMatch(/^(Strong|Very strong)$/);

    // The email as the password: the meter says so, and the API's refusal is shown when submitted anyway.
    await password.fill(email);
    await page.waitForFunction(() =>
      document.querySelector('#signup-password-verdict')?.textContent?.includes('your email address or name'),
    );
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/signup'));
    await page.getByRole('button', { name: 'Create account' }).click();
    expect((await answer).status()).toBe(400);
    const alert = page.locator('#signup-form').getByRole('alert');
    await alert.getByText('This password is too weak').waitFor();
    expect(await alert.textContent()).toContain('your email address or name');
    expect(new URL(page.url()).pathname).toBe('/signup/');
  });

  it("shows the API's error next to the login form for a wrong password, with the button disabled while pending", async () => {
    const page = await newPage();
    const account = await signUp(baseUrl, { displayName: 'Wrong Password' });
    const apiAnswer = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: account.user.email, password: 'not-the-password' }),
    });
    const { error } = (await apiAnswer.json()) as { error: { code: string; message: string } };
    expect(apiAnswer.status).toBe(401);
    expect(error.code).toBe('invalid_credentials');

    // Hold the request briefly so the pending state can be observed.
    let releaseLogin = () => {};
    const loginHeld = new Promise<void>((resolve) => (releaseLogin = resolve));
    await page.route('**/api/v1/auth/login', async (route) => {
      await loginHeld;
      await route.continue();
    });

    await page.goto('/login/');
    await page.getByLabel('Email').fill(account.user.email);
    await page.getByLabel('Password').fill('not-the-password');
    const submit = page.locator('#login-form button[type="submit"]');
    await submit.click();
    await page.waitForFunction(() => document.querySelector<HTMLButtonElement>('#login-form button[type="submit"]')?.disabled === true);
    expect(await submit.textContent()).toBe('Signing in…');
    releaseLogin();

    const alert = page.locator('#login-form').getByRole('alert');
    await alert.getByText(error.message).waitFor();
    expect((await alert.textContent())?.trim()).toBe(error.message);
    expect(await submit.isEnabled()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/login/');
    expect(await header(page).getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true);
  });
});
