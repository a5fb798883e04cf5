import { describe, expect, it } from 'vitest';
import { issueToken } from '../../../src/domain/auth-tokens';
import { isPlaybackTokenShaped, issuePlaybackToken, verifyPlaybackToken } from '../../../src/domain/payments/playback-token';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

describe('playback tokens', () => {
  it('round-trips the user and video, and expires', async () => {
    const { token, expiresAt } = await issuePlaybackToken({ userId: 'usr_a', videoId: 'vid_b' }, SECRET, 600, 1_700_000_000_000);
    expect(expiresAt).toBe(1_700_000_600);
    expect(isPlaybackTokenShaped(token)).toBe(true);
    expect(await verifyPlaybackToken(token, SECRET)).toEqual({ ok: false, reason: 'expired' });
    const fresh = await issuePlaybackToken({ userId: 'usr_a', videoId: 'vid_b' }, SECRET);
    expect(await verifyPlaybackToken(fresh.token, SECRET)).toEqual({
      ok: true,
      claims: { userId: 'usr_a', videoId: 'vid_b', editor: false },
    });
    const editor = await issuePlaybackToken({ userId: 'usr_a', videoId: 'vid_b', editor: true }, SECRET);
    expect(await verifyPlaybackToken(editor.token, SECRET)).toMatchObject({ ok: true, claims: { editor: true } });
    expect(await verifyPlaybackToken(fresh.token, `${SECRET}x`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('is not an access token and an access token is not a playback token', async () => {
    const access = await issueToken('access', { userId: 'usr_a', role: 'viewer' }, SECRET, 900);
    expect(isPlaybackTokenShaped(access.token)).toBe(false);
    expect((await verifyPlaybackToken(access.token, SECRET)).ok).toBe(false);
    expect(isPlaybackTokenShaped('garbage')).toBe(false);
  });
});
