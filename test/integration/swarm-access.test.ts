// Who may join a paid or private video's swarm: the tracker's upgrade asks for the same playback token as the
// video's files (`?pt=` on the announce URL) and re-reads the entitlement at every join. Each case opens the
// WebSocket through the Worker's real fetch handler.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../src/workers/index';
import { api, BASE, markVideoReady, signUp, signUpAdmin } from './helpers';
import { pricedVideo } from './payments-fixtures';

const openSockets: WebSocket[] = [];
afterEach(() => {
  for (const socket of openSockets.splice(0)) socket.close(1000, 'test over');
});

/** Opens the announce URL of `videoId` with `query`; the status, the error code when refused. */
async function join(videoId: string, query = '', headers: Record<string, string> = {}) {
  const request = new Request(`${BASE}/api/v1/tracker/${videoId}${query}`, { headers: { Upgrade: 'websocket', ...headers } });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
  if (response.webSocket) {
    response.webSocket.accept();
    openSockets.push(response.webSocket);
    return { status: response.status, code: null };
  }
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: body.error?.code ?? null };
}

const playbackToken = async (videoId: string, accessToken: string) =>
  api('POST', `/api/v1/videos/${videoId}/playback-token`, { token: accessToken });

/** What a completed purchase leaves behind (payments-stripe.test.ts covers how it gets there). */
async function grantPurchase(userId: string, videoId: string, creatorId: string) {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    "INSERT INTO entitlements (id, payment_id, user_id, kind, video_id, creator_id, granted_at) VALUES (?, ?, ?, 'video_purchase', ?, ?, ?)",
  )
    .bind(id, `pay-${id}`, userId, videoId, creatorId, Date.now())
    .run();
  return id;
}

describe('swarm access', () => {
  it("refuses a paid video's swarm to anonymous and signed-in non-buyers, admits a buyer's token, and refuses it after the refund", async () => {
    const { creator, videoId } = await pricedVideo();
    // Anonymous: the swarm id is predictable, but the upgrade needs a playback token.
    expect(await join(videoId)).toEqual({ status: 401, code: 'playback_token_required' });
    expect(await join(videoId, '?pt=not-a-token')).toEqual({ status: 401, code: 'playback_token_invalid' });
    // A signed-in viewer who did not buy: no token is issued, and their account alone does not open the swarm.
    const stranger = await signUp('viewer');
    expect((await playbackToken(videoId, stranger.accessToken)).status).toBe(402);
    expect(await join(videoId, '', { Authorization: `Bearer ${stranger.accessToken}` })).toEqual({
      status: 401,
      code: 'playback_token_required',
    });

    const buyer = await signUp('viewer');
    const entitlementId = await grantPurchase(buyer.user.id, videoId, creator.user.id);
    const token = (await playbackToken(videoId, buyer.accessToken)).body.token as string;
    expect(await join(videoId, `?pt=${token}`)).toEqual({ status: 101, code: null });
    // A token for this video does not open another paid video's swarm.
    const other = await pricedVideo();
    expect(await join(other.videoId, `?pt=${token}`)).toEqual({ status: 403, code: 'playback_token_mismatch' });

    // The refund revokes the entitlement; the token is still signed for minutes, but the next join is refused.
    await env.DB.prepare('UPDATE entitlements SET revoked_at = ? WHERE id = ?').bind(Date.now(), entitlementId).run();
    expect(await join(videoId, `?pt=${token}`)).toEqual({ status: 403, code: 'entitlement_revoked' });
  });

  it("opens a private video's swarm to its creator's and admins' editor tokens only", async () => {
    const creator = await signUp('creator');
    const created = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: 'Family only', language: 'en', visibility: 'private' },
    });
    const videoId = created.body.id as string;
    await markVideoReady(videoId);
    const stranger = await signUp('viewer');
    expect(await join(videoId)).toEqual({ status: 404, code: 'not_found' });
    expect(await join(videoId, '', { Authorization: `Bearer ${stranger.accessToken}` })).toEqual({ status: 404, code: 'not_found' });
    // A buyer-style token (here for a paid video the stranger bought) does not open it.
    const paid = await pricedVideo();
    await grantPurchase(stranger.user.id, paid.videoId, paid.creator.user.id);
    const strangerToken = (await playbackToken(paid.videoId, stranger.accessToken)).body.token as string;
    expect((await join(videoId, `?pt=${strangerToken}`)).status).toBe(403);

    const ownerToken = (await playbackToken(videoId, creator.accessToken)).body.token as string;
    expect(await join(videoId, `?pt=${ownerToken}`)).toEqual({ status: 101, code: null });
    const admin = await signUpAdmin();
    const adminToken = (await playbackToken(videoId, admin.accessToken)).body.token as string;
    expect(await join(videoId, `?pt=${adminToken}`)).toEqual({ status: 101, code: null });
    // Demoted: the editor token no longer opens the swarm.
    await env.DB.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").bind(admin.user.id).run();
    expect(await join(videoId, `?pt=${adminToken}`)).toEqual({ status: 404, code: 'not_found' });
  });

  it('keeps free public and unlisted swarms open to anonymous viewers', async () => {
    const creator = await signUp('creator');
    for (const visibility of ['public', 'unlisted'] as const) {
      const created = await api('POST', '/api/v1/videos', {
        token: creator.accessToken,
        body: { title: 'Free', language: 'en', visibility },
      });
      await markVideoReady(created.body.id);
      expect(await join(created.body.id)).toEqual({ status: 101, code: null });
    }
  });
});
