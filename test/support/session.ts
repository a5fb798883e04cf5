// Signs a browser context in as a test user without the login form: the same keys web/src/session.ts reads, set
// before any page script runs. Tests that are about signing in use the form instead.
import type { BrowserContext } from 'playwright-core';
import type { SignedUpUser } from './api';

export async function seedSession(context: BrowserContext, auth: SignedUpUser): Promise<void> {
  await context.addInitScript((seeded) => {
    sessionStorage.setItem('vibestream.accessToken', seeded.accessToken);
    sessionStorage.setItem('vibestream.accessTokenExpiresAt', String(Date.now() + 600_000));
    sessionStorage.setItem('vibestream.user', JSON.stringify(seeded.user));
    localStorage.setItem('vibestream.refreshToken', seeded.refreshToken);
  }, auth);
}
