import { describe, expect, it } from 'vitest';
import {
  credentialServeUntilMs,
  DEFAULT_STUN_URLS,
  isIceUrl,
  mergeIceServers,
  parseStunUrls,
  remainingSeconds,
  sanitizeIceServers,
  TURN_SAFETY_MARGIN_SECONDS,
} from '../../src/domain/ice-servers';

// Shaped like the documented answer of Realtime's generate-ice-servers (developers.cloudflare.com/realtime/turn/
// generate-credentials/); username and credential are made-up hex.
const realtimeAnswer = [
  { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.cloudflare.com:53'] },
  {
    urls: [
      'turn:turn.cloudflare.com:3478?transport=udp',
      'turn:turn.cloudflare.com:53?transport=udp',
      'turn:turn.cloudflare.com:3478?transport=tcp',
      'turn:turn.cloudflare.com:80?transport=tcp',
      'turns:turn.cloudflare.com:5349?transport=tcp',
      'turns:turn.cloudflare.com:443?transport=tcp',
    ],
    username: 'bc91b63e2b5d759f8eb9f3b58062439e0a0e15893d76317d833265ad08d6631099ce7c7087caabb31ad3e1c386424e3e',
    credential: 'ebd71f1d3edbc2b0edae3cd5a6d82284aeb5c3b8fdaa9b8e3bf9cec683e0d45fe9f5b44e5145db3300f06c250a15b4a0',
  },
];

describe('STUN_URLS', () => {
  it('splits on commas and spaces, drops anything that is not a STUN URL and removes duplicates', () => {
    expect(parseStunUrls('stun:a.example:3478, stun:b.example:19302 turn:c.example:3478,https://x,stun:a.example:3478')).toEqual([
      'stun:a.example:3478',
      'stun:b.example:19302',
    ]);
  });

  it('falls back to Cloudflare STUN when unset, empty or entirely invalid', () => {
    expect(parseStunUrls(undefined)).toEqual(DEFAULT_STUN_URLS);
    expect(parseStunUrls('  ')).toEqual(DEFAULT_STUN_URLS);
    expect(parseStunUrls('javascript:alert(1)')).toEqual(DEFAULT_STUN_URLS);
  });
});

describe('ICE server lists from Realtime', () => {
  it('keeps the documented answer as it is', () => {
    expect(sanitizeIceServers(realtimeAnswer)).toEqual(realtimeAnswer);
  });

  it('drops malformed entries, foreign URL schemes and TURN URLs without credentials', () => {
    const cleaned = sanitizeIceServers([
      null,
      'stun:x',
      { urls: 42 },
      { urls: ['https://evil.example', 'stun:ok.example:3478'] },
      { urls: 'turn:relay.example:3478' },
      { urls: ['turn:relay.example:3478', 'stun:also.example'], username: '', credential: 'x' },
      { urls: 'turns:relay.example:443?transport=tcp', username: 'u', credential: 'c', extra: 'ignored' },
    ]);
    expect(cleaned).toEqual([
      { urls: ['stun:ok.example:3478'] },
      { urls: ['stun:also.example'] },
      { urls: ['turns:relay.example:443?transport=tcp'], username: 'u', credential: 'c' },
    ]);
    expect(sanitizeIceServers({ iceServers: [] })).toEqual([]);
  });

  it('refuses URLs with spaces, quotes or absurd lengths', () => {
    expect(isIceUrl('stun:a b')).toBe(false);
    expect(isIceUrl('turn:"x"')).toBe(false);
    expect(isIceUrl(`stun:${'a'.repeat(600)}`)).toBe(false);
    expect(isIceUrl('turns:turn.cloudflare.com:5349?transport=tcp')).toBe(true);
  });

  it('puts our STUN first and does not repeat a URL Realtime lists again', () => {
    const merged = mergeIceServers(['stun:stun.cloudflare.com:3478'], sanitizeIceServers(realtimeAnswer));
    expect(merged[0]).toEqual({ urls: ['stun:stun.cloudflare.com:3478'] });
    expect(merged[1]).toEqual({ urls: ['stun:stun.cloudflare.com:53'] });
    expect(merged[2]).toMatchObject({ username: realtimeAnswer[1]?.username, credential: realtimeAnswer[1]?.credential });
    const all = merged.flatMap((server) => server.urls);
    expect(new Set(all).size).toBe(all.length);
  });

  it('omits an entry whose every URL was already listed', () => {
    expect(mergeIceServers(['stun:a.example'], [{ urls: 'stun:a.example' }])).toEqual([{ urls: ['stun:a.example'] }]);
    expect(mergeIceServers([], [])).toEqual([]);
  });
});

describe('credential cache lifetime', () => {
  const fetchedAt = Date.parse('2026-11-28T00:00:00Z');

  it('serves credentials until the safety margin before they expire', () => {
    const until = credentialServeUntilMs(fetchedAt, 86_400);
    expect(until).toBe(fetchedAt + (86_400 - TURN_SAFETY_MARGIN_SECONDS) * 1000);
    expect(remainingSeconds(until, fetchedAt)).toBe(86_400 - TURN_SAFETY_MARGIN_SECONDS);
  });

  it('never serves credentials whose TTL is shorter than the margin', () => {
    expect(credentialServeUntilMs(fetchedAt, 600)).toBe(fetchedAt);
    expect(credentialServeUntilMs(fetchedAt, 600, 60)).toBe(fetchedAt + 540_000);
  });

  it('counts down in whole seconds and stops at zero', () => {
    const until = fetchedAt + 10_000;
    expect(remainingSeconds(until, fetchedAt + 500)).toBe(9);
    expect(remainingSeconds(until, fetchedAt + 10_000)).toBe(0);
    expect(remainingSeconds(until, fetchedAt + 99_000)).toBe(0);
  });
});
