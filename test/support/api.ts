// Setting up data through the public API from Node, the way a script or another service would.
import { randomUUID } from 'node:crypto';
import { publishPackage, syntheticPackage, type VideoPackage } from './packaged-video';

export interface TestUser {
  id: string;
  email: string;
  displayName: string;
  role: 'viewer' | 'creator' | 'admin';
}

export interface SignedUpUser {
  user: TestUser;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export interface TestVideo {
  id: string;
  title: string;
  visibility: 'public' | 'unlisted' | 'private';
  [field: string]: unknown;
}

async function expectJson<T>(response: Response, expectedStatus: number, what: string): Promise<T> {
  const text = await response.text();
  if (response.status !== expectedStatus) {
    throw new Error(`${what}: expected HTTP ${expectedStatus}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** A unique address per call, so tests never collide with each other or with earlier runs. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function signUp(
  baseUrl: string,
  input: { displayName: string; role?: 'viewer' | 'creator'; email?: string; password?: string },
): Promise<SignedUpUser> {
  const email = input.email ?? uniqueEmail(input.role ?? 'viewer');
  const password = input.password ?? `pw-${randomUUID()}`;
  const response = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, displayName: input.displayName, role: input.role ?? 'viewer' }),
  });
  const body = await expectJson<Omit<SignedUpUser, 'password'>>(response, 201, 'sign-up');
  return { ...body, password };
}

/** The body of PUT /videos/{id}/prices. */
export interface TestPrices {
  purchase?: { amount: number; currency: string };
  rental?: { amount: number; currency: string; rentalHours: number };
}

/**
 * Creates a video and, unless `publish` is false, uploads a package and publishes it (only published videos are
 * in the catalog): the synthetic one-segment package by default, or `publish` itself when given. `prices` are
 * set before the package is uploaded, as a creator must for a paid video: its package is then encrypted.
 */
export async function createVideo(
  baseUrl: string,
  accessToken: string,
  input: { title: string; visibility: 'public' | 'unlisted' | 'private'; language?: string; prices?: TestPrices } & Record<string, unknown>,
  publish: VideoPackage | false = syntheticPackage(),
): Promise<TestVideo> {
  const { prices, ...fields } = input;
  const response = await fetch(`${baseUrl}/api/v1/videos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ language: 'en', ...fields }),
  });
  const video = await expectJson<TestVideo>(response, 201, 'create video');
  if (prices) {
    const priced = await fetch(`${baseUrl}/api/v1/videos/${video.id}/prices`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(prices),
    });
    await expectJson(priced, 200, 'set prices');
  }
  if (publish === false) return video;
  await publishPackage(baseUrl, accessToken, video.id, publish);
  return { ...video, status: 'ready' };
}
