// Sign-in throttling that a stranger can neither dodge nor turn against the account's owner: failures count per
// (account, address Cloudflare vouches for) plus a slower per-account ceiling, and a browser that signed in to the
// account before (trusted-device cookie) is counted on its own. See domain/rate-limits signInBuckets.
import { describe, expect, it } from 'vitest';
import { LOGIN_FAILURES, LOGIN_FAILURES_PER_ACCOUNT } from '../../src/domain/rate-limits';
import { api, type JsonResponse, signUp } from './helpers';

const EDGE_CF = { colo: 'AMS', country: 'NL' };

/** A sign-in as Cloudflare's edge delivers it from `address`, or (address null) as no edge did, with any headers. */
function login(
  email: string,
  password: string,
  via: { address?: string; edge?: boolean; cookie?: string; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { ...via.headers };
  if (via.address) headers['CF-Connecting-IP'] = via.address;
  if (via.cookie) headers.Cookie = via.cookie;
  return api('POST', '/api/v1/auth/login', { body: { email, password }, headers, ...(via.edge === false ? {} : { cf: EDGE_CF }) });
}

/** The trusted-device cookie a sign-in or sign-up answered with, as a browser would send it back. */
function deviceCookie(response: JsonResponse): string {
  const setCookie = response.headers.get('Set-Cookie') ?? '';
  const match = /(vs_trusted_device=[^;]+)/.exec(setCookie);
  if (!match) throw new Error(`no trusted-device cookie in ${setCookie}`);
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  expect(setCookie).toMatch(/Path=\/api\/v1\/auth/);
  return match[1] as string;
}

describe('a stranger hammering an account', () => {
  it("from many addresses cannot lock the owner's own browser out", async () => {
    const owner = await signUp('viewer');
    const first = await login(owner.email, owner.password, { address: '192.0.2.10' });
    expect(first.status).toBe(200);
    const cookie = deviceCookie(first);

    // The stranger spreads guesses over addresses, a few per address, until the account's ceiling is reached.
    let failures = 0;
    for (let address = 1; failures < LOGIN_FAILURES_PER_ACCOUNT.limit; address++) {
      for (let i = 0; i < LOGIN_FAILURES.limit - 1 && failures < LOGIN_FAILURES_PER_ACCOUNT.limit; i++, failures++) {
        expect((await login(owner.email, `guess ${failures}`, { address: `203.0.113.${address}` })).status).toBe(401);
      }
    }
    // Beyond the ceiling, a fresh address without the cookie is refused, even with the right password.
    const elsewhere = await login(owner.email, owner.password, { address: '198.51.100.77' });
    expect(elsewhere.status).toBe(429);
    expect(elsewhere.body.error.code).toBe('rate_limited');

    // The owner's browser still signs in, from its usual address or a new one.
    const owners = await login(owner.email, owner.password, { address: '192.0.2.10', cookie });
    expect(owners.status).toBe(200);
    expect((await login(owner.email, owner.password, { address: '198.51.100.200', cookie })).status).toBe(200);
  });

  it("from the owner's own address cannot lock the owner's browser out either", async () => {
    const owner = await signUp('viewer');
    const cookie = deviceCookie(await login(owner.email, owner.password, { address: '192.0.2.20' }));
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) expect((await login(owner.email, 'nope', { address: '192.0.2.20' })).status).toBe(401);
    expect((await login(owner.email, owner.password, { address: '192.0.2.20' })).status).toBe(429);
    expect((await login(owner.email, owner.password, { address: '192.0.2.20', cookie })).status).toBe(200);
  });

  it("a trusted-device cookie of another account exempts nothing, and the owner's cookie has its own limit", async () => {
    const owner = await signUp('viewer');
    const stranger = await signUp('viewer');
    const strangersCookie = deviceCookie(await login(stranger.email, stranger.password, { address: '192.0.2.30' }));
    for (let i = 0; i < LOGIN_FAILURES.limit; i++)
      expect((await login(owner.email, 'nope', { address: '192.0.2.31', cookie: strangersCookie })).status).toBe(401);
    expect((await login(owner.email, 'nope', { address: '192.0.2.31', cookie: strangersCookie })).status).toBe(429);

    // Guessing through the owner's own cookie (a stolen browser) is limited per device.
    const ownersCookie = deviceCookie(await login(owner.email, owner.password, { address: '192.0.2.32' }));
    for (let i = 0; i < LOGIN_FAILURES.limit; i++)
      expect((await login(owner.email, 'nope', { address: '192.0.2.33', cookie: ownersCookie })).status).toBe(401);
    expect((await login(owner.email, 'nope', { address: '192.0.2.34', cookie: ownersCookie })).status).toBe(429);
  });
});

describe('the address a sign-in is counted under', () => {
  it('is not the CF-Connecting-IP a client wrote when no Cloudflare edge set it: rotating it buys no fresh attempts', async () => {
    const owner = await signUp('viewer');
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT.limit; i++) {
      const guess = await login(owner.email, `guess ${i}`, { edge: false, headers: { 'CF-Connecting-IP': `198.18.${i}.1` } });
      expect(guess.status).toBe(401);
    }
    const next = await login(owner.email, 'guess again', { edge: false, headers: { 'CF-Connecting-IP': '198.18.250.1' } });
    expect(next.status).toBe(429);
  });

  it("cannot be forged to fill the owner's address bucket: failures sent with a written CF-Connecting-IP do not count there", async () => {
    const owner = await signUp('viewer');
    // The stranger, off the edge, claims to be the owner's address.
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) {
      expect((await login(owner.email, 'nope', { edge: false, headers: { 'CF-Connecting-IP': '192.0.2.40' } })).status).toBe(401);
    }
    // The owner, through the edge from that address and without any cookie, still signs in.
    expect((await login(owner.email, owner.password, { address: '192.0.2.40' })).status).toBe(200);
  });

  it('is the one Cloudflare vouches for on the edge: five failures there lock that address, not another', async () => {
    const owner = await signUp('viewer');
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) expect((await login(owner.email, 'nope', { address: '192.0.2.50' })).status).toBe(401);
    expect((await login(owner.email, owner.password, { address: '192.0.2.50' })).status).toBe(429);
    expect((await login(owner.email, owner.password, { address: '192.0.2.51' })).status).toBe(200);
  });
});
