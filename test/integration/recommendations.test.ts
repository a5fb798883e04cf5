import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/workers/index';
import { runScheduled } from '../../src/workers/scheduled';
import { api, BASE, markVideoReady, signUp } from './helpers';

// Like api(), with Cloudflare's request.cf (the viewer's country) set.
async function call(path: string, options: { token?: string; country?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const request = new Request(`${BASE}${path}`, { headers, cf: options.country ? { country: options.country } : undefined });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Creator = Awaited<ReturnType<typeof signUp>>;

async function createVideo(creator: Creator, title: string, tags: string[], visibility = 'public') {
  const response = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title, description: `${title} explained`, tags, language: 'en', visibility },
  });
  expect(response.status).toBe(201);
  await markVideoReady(response.body.id);
  return response.body.id as string;
}

/** Stores a signal row as the consumer would have, for the crowd whose history shapes the neighbours. */
async function seedSignal(userId: string, videoId: string, region: string, completed = true) {
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO rec_signals (user_id, video_id, region, views, max_watch_fraction, completed, liked, purchased, followed, skipped, first_at, last_at)
     VALUES (?, ?, ?, 1, ?, ?, 0, 0, 0, 0, ?, ?)`,
  )
    .bind(userId, videoId, region, completed ? 1 : 0.5, completed ? 1 : 0, now, now)
    .run();
}

const ids = (body: { items: { video: { id: string } }[] }) => body.items.map((item) => item.video.id);

describe('recommendations', () => {
  let alice: Creator;
  let bob: Creator;
  const jazz: string[] = [];
  const cooking: string[] = [];
  let privateJazz: string;
  let crowd: Creator[];

  beforeAll(async () => {
    alice = await signUp('creator');
    bob = await signUp('creator');
    for (let i = 0; i < 4; i++) jazz.push(await createVideo(i % 2 ? bob : alice, `Jazz piano lesson ${i}`, ['jazz', 'piano']));
    for (let i = 0; i < 3; i++) cooking.push(await createVideo(i % 2 ? alice : bob, `Cooking pasta night ${i}`, ['cooking', 'pasta']));
    privateJazz = await createVideo(alice, 'Jazz piano private take', ['jazz', 'piano'], 'private');
    // Jazz fans in Germany watch the jazz videos together, cooks in Brazil the cooking ones; the first cooking video
    // is what everybody watched (trending everywhere).
    crowd = [];
    for (let u = 0; u < 6; u++) crowd.push(await signUp('viewer'));
    for (const [index, viewer] of crowd.entries()) {
      const fan = index < 3;
      for (const video of fan ? jazz : cooking) await seedSignal(viewer.user.id, video, fan ? 'DE' : 'BR');
      if (fan) await seedSignal(viewer.user.id, cooking[0] as string, 'DE');
      await seedSignal(viewer.user.id, privateJazz, 'DE').catch(() => {});
    }
    const results = await runScheduled('0 * * * *', env);
    expect(results.find((result) => result.job === 'recommendations')).toEqual({ job: 'recommendations', ok: true });
  });

  it('needs a signed-in user', async () => {
    expect((await call('/api/v1/recommendations')).status).toBe(401);
    const post = await api('POST', '/api/v1/interactions', { body: { videoId: jazz[0], kind: 'like' } });
    expect(post.status).toBe(401);
    expect(post.body.error.code).toBe('unauthenticated');
  });

  it('rejects bad parameters with 400', async () => {
    const viewer = await signUp('viewer');
    for (const query of ['limit=0', 'limit=51', 'limit=many', 'context=not-a-video', 'surprise=1']) {
      const response = await call(`/api/v1/recommendations?${query}`, { token: viewer.accessToken });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect((await call('/api/v1/trending?region=DEU')).status).toBe(400);
    expect((await call(`/api/v1/videos/${jazz[0]}/similar?limit=0`)).status).toBe(400);
    expect((await call('/api/v1/videos/bad id/similar')).status).toBe(400);
    for (const body of [
      { videoId: jazz[0], kind: 'view' },
      { videoId: jazz[0], kind: 'like', watchFraction: 0.5 },
      { videoId: jazz[0], kind: 'view', watchFraction: 1.5 },
      { videoId: jazz[0], kind: 'rate' },
      { videoId: jazz[0], kind: 'like', extra: true },
    ]) {
      const response = await api('POST', '/api/v1/interactions', { token: viewer.accessToken, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('answers 404 for unknown and private videos', async () => {
    const viewer = await signUp('viewer');
    expect((await call('/api/v1/videos/vid_doesnotexist00/similar')).status).toBe(404);
    expect((await call(`/api/v1/videos/${privateJazz}/similar`)).status).toBe(404);
    expect((await call('/api/v1/recommendations?context=vid_doesnotexist00', { token: viewer.accessToken })).status).toBe(404);
    // Another creator's public draft: the same 404 as a missing video, so its id confirms nothing.
    const draft = await api('POST', '/api/v1/videos', {
      token: alice.accessToken,
      body: { title: 'Unfinished jazz', language: 'en', visibility: 'public' },
    });
    const missing = await call('/api/v1/recommendations?context=vid_doesnotexist00', { token: viewer.accessToken });
    const hidden = await call(`/api/v1/recommendations?context=${draft.body.id}`, { token: viewer.accessToken });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);
    const post = await api('POST', '/api/v1/interactions', { token: viewer.accessToken, body: { videoId: privateJazz, kind: 'like' } });
    expect(post.status).toBe(404);
    // The creator of the private video may see its neighbours.
    expect((await call(`/api/v1/videos/${privateJazz}/similar`, { token: alice.accessToken })).status).toBe(200);
  });

  it('gives a new viewer what is trending near them (cold start)', async () => {
    const newcomer = await signUp('viewer');
    const inBrazil = await call('/api/v1/recommendations?limit=3', { token: newcomer.accessToken, country: 'BR' });
    expect(inBrazil.status).toBe(200);
    expect(inBrazil.body).toMatchObject({ region: 'BR', coldStart: true });
    expect(inBrazil.body.items).toHaveLength(3);
    expect(ids(inBrazil.body).every((id: string) => cooking.includes(id))).toBe(true);
    expect(inBrazil.body.items[0].explanation).toBe('Popular near you');

    const inGermany = await call('/api/v1/trending?region=de&limit=10');
    expect(inGermany.status).toBe(200);
    expect(inGermany.body.region).toBe('DE');
    // German viewers watched jazz and the first cooking video; the private take is never listed.
    expect(ids(inGermany.body)).toEqual(expect.arrayContaining([...jazz, cooking[0]]));
    expect(ids(inGermany.body)).not.toContain(privateJazz);
  });

  it('recommends what similar viewers watched, explains why, and leaves out seen videos', async () => {
    const viewer = await signUp('viewer');
    await seedSignal(viewer.user.id, jazz[0] as string, 'DE');
    await seedSignal(viewer.user.id, jazz[1] as string, 'DE', false); // half watched: still in progress
    const response = await call('/api/v1/recommendations?limit=5', { token: viewer.accessToken, country: 'DE' });
    expect(response.status).toBe(200);
    expect(response.body.coldStart).toBe(false);
    const got = ids(response.body);
    expect(got).not.toContain(jazz[0]);
    expect(got).not.toContain(privateJazz);
    expect(got.slice(0, 3).every((id: string) => jazz.includes(id))).toBe(true);
    const because = response.body.items.find((item: any) => item.reason.kind === 'because_you_watched');
    expect(because.explanation).toMatch(/^Because you watched “Jazz piano lesson \d”$/);
    expect(response.headers.get('X-Cache')).toBe('miss');
    const again = await call('/api/v1/recommendations?limit=5', { token: viewer.accessToken, country: 'DE' });
    expect(again.headers.get('X-Cache')).toBe('hit');
    expect(again.body).toEqual(response.body);
  });

  it('respects the limit and keeps one creator from filling the list', async () => {
    const viewer = await signUp('viewer');
    await seedSignal(viewer.user.id, jazz[0] as string, 'DE');
    const response = await call('/api/v1/recommendations?limit=2', { token: viewer.accessToken, country: 'DE' });
    expect(response.body.items).toHaveLength(2);
    const creators = response.body.items.map((item: any) => item.video.creatorId);
    expect(new Set(creators).size).toBe(2);
  });

  it('builds "up next" around the video being watched', async () => {
    const viewer = await signUp('viewer');
    const response = await call(`/api/v1/recommendations?context=${cooking[1]}&limit=3`, { token: viewer.accessToken });
    expect(response.status).toBe(200);
    expect(ids(response.body)).not.toContain(cooking[1]);
    expect(cooking).toContain(ids(response.body)[0]);
    expect(response.body.items[0].explanation).toMatch(/^More like “Cooking pasta night 1”$/);
  });

  it('lists similar videos, and matches a brand-new video by content', async () => {
    const similar = await call(`/api/v1/videos/${jazz[2]}/similar?limit=3`);
    expect(similar.status).toBe(200);
    expect(ids(similar.body).every((id: string) => jazz.includes(id) && id !== jazz[2])).toBe(true);

    const fresh = await createVideo(bob, 'Jazz piano for late nights', ['jazz', 'piano']);
    const cold = await call(`/api/v1/videos/${fresh}/similar?limit=3`);
    expect(cold.status).toBe(200);
    expect(cold.body.items.length).toBeGreaterThan(0);
    expect(ids(cold.body).every((id: string) => jazz.includes(id))).toBe(true);
  });

  it('records interactions through the outbox and the queue, and stops recommending what was finished', async () => {
    const viewer = await signUp('viewer');
    await seedSignal(viewer.user.id, jazz[0] as string, 'DE');
    const before = await call('/api/v1/recommendations?limit=5', { token: viewer.accessToken, country: 'DE' });
    const target = ids(before.body)[0] as string;
    expect(target).toBeDefined();

    const view = await api('POST', '/api/v1/interactions', {
      token: viewer.accessToken,
      body: { videoId: target, kind: 'view', watchFraction: 0.4 },
    });
    expect(view.status).toBe(202);
    expect(view.body).toMatchObject({ status: 'accepted', eventId: expect.stringMatching(/^evt_/) });
    const complete = await api('POST', '/api/v1/interactions', { token: viewer.accessToken, body: { videoId: target, kind: 'complete' } });
    expect(complete.status).toBe(202);

    const row = await eventually(
      () =>
        env.DB.prepare('SELECT views, max_watch_fraction, completed FROM rec_signals WHERE user_id = ? AND video_id = ?')
          .bind(viewer.user.id, target)
          .first<{ views: number; max_watch_fraction: number; completed: number }>(),
      (value) => value?.completed === 1 && value.views === 1,
    );
    expect(row).toEqual({ views: 1, max_watch_fraction: 1, completed: 1 });
    // Recording dropped this viewer's cached answer; the finished video is gone from the list.
    const after = await call('/api/v1/recommendations?limit=5', { token: viewer.accessToken, country: 'DE' });
    expect(after.headers.get('X-Cache')).toBe('miss');
    expect(ids(after.body)).not.toContain(target);
  });

  it('never lists videos the catalog does not show (drafts, private)', async () => {
    const draft = await api('POST', '/api/v1/videos', {
      token: alice.accessToken,
      body: { title: 'Jazz piano draft', tags: ['jazz', 'piano'], language: 'en', visibility: 'public' },
    });
    for (const viewer of crowd.slice(0, 3)) await seedSignal(viewer.user.id, draft.body.id, 'DE');
    await runScheduled('0 * * * *', env);
    const viewer = await signUp('viewer');
    await seedSignal(viewer.user.id, jazz[0] as string, 'DE');
    const response = await call('/api/v1/recommendations?limit=50', { token: viewer.accessToken, country: 'DE' });
    expect(response.body.items.length).toBeGreaterThan(0);
    expect(ids(response.body)).not.toContain(draft.body.id);
    expect(ids(response.body)).not.toContain(privateJazz);
    expect(ids((await call(`/api/v1/videos/${jazz[1]}/similar?limit=50`)).body)).not.toContain(draft.body.id);
    expect(ids((await call('/api/v1/trending?region=DE&limit=50')).body)).not.toContain(draft.body.id);
  });

  it('reads swarm health from the analytics peer sessions and lifts healthy swarms near the viewer', async () => {
    const now = Date.now();
    // Five peer sessions on the last cooking video in Brazil, 80 % of their bytes from peers, quality 90.
    for (let i = 0; i < 5; i++) {
      await env.DB.prepare(
        `INSERT INTO peer_sessions (session_id, peer_id, video_id, country, first_seen_at, last_seen_at, samples, score, bytes_from_peers,
           bytes_from_http, relay_only, freezes, conn_attempted, conn_connected, conn_failed, problem_score)
         VALUES (?, ?, ?, 'BR', ?, ?, 10, 90, 800, 200, 0, 0, 1, 1, 0, 0)`,
      )
        .bind(`ses_recs${i}`, `peer_recs${i}`, cooking[2], now - 60_000, now)
        .run();
    }
    await runScheduled('0 * * * *', env);
    const health = await env.DB.prepare('SELECT region, peers, offload_ratio, quality FROM rec_swarm_health WHERE video_id = ?')
      .bind(cooking[2])
      .all();
    expect(health.results).toEqual([{ region: 'BR', peers: 5, offload_ratio: 0.8, quality: 90 }]);

    const newcomer = await signUp('viewer');
    const inBrazil = await call('/api/v1/trending?region=BR&limit=3');
    const boosted = inBrazil.body.items.find((item: any) => item.video.id === cooking[2]);
    expect(boosted).toMatchObject({ p2pBoosted: true });
    const elsewhere = await call('/api/v1/recommendations?limit=3', { token: newcomer.accessToken, country: 'JP' });
    expect(elsewhere.body.items.every((item: any) => item.p2pBoosted === false)).toBe(true);
  });

  it('serves the list the hourly job precomputed, re-checking the listing and what was seen since', async () => {
    const viewer = await signUp('viewer');
    await seedSignal(viewer.user.id, jazz[0] as string, 'DE');
    await runScheduled('0 * * * *', env);
    const stored = await env.DB.prepare('SELECT video_id, seed_id, computed_at FROM rec_viewer_candidates WHERE user_id = ? ORDER BY rank')
      .bind(viewer.user.id)
      .all<{ video_id: string; seed_id: string; computed_at: number }>();
    expect(stored.results.length).toBeGreaterThan(0);
    expect(stored.results.every((row) => row.seed_id === jazz[0] && row.video_id !== jazz[0])).toBe(true);
    const computedAt = stored.results[0]?.computed_at;

    // With a context, the context video's neighbours join the stored list in the same read.
    const upNext = await call(`/api/v1/recommendations?context=${cooking[1]}&limit=3`, { token: viewer.accessToken, country: 'DE' });
    expect(upNext.status).toBe(200);
    expect(ids(upNext.body)).not.toContain(cooking[1]);
    expect(ids(upNext.body)).not.toContain(jazz[0]);
    expect(upNext.body.items[0].explanation).toBe('More like “Cooking pasta night 1”');

    // A stored candidate the neighbour tables would never produce for this viewer: only the stored list puts it first.
    await env.DB.prepare(
      `INSERT INTO rec_viewer_candidates (user_id, rank, video_id, collaborative, content, seed_id, contribution, computed_at)
       VALUES (?, 999, ?, 1000, 0, ?, 700, ?)`,
    )
      .bind(viewer.user.id, cooking[2], jazz[0], computedAt)
      .run();
    const served = await call('/api/v1/recommendations?limit=5', { token: viewer.accessToken, country: 'DE' });
    expect(served.status).toBe(200);
    expect(served.body.coldStart).toBe(false);
    expect(ids(served.body)[0]).toBe(cooking[2]);
    expect(served.body.items[0]).toMatchObject({
      reason: { kind: 'because_you_watched', videoId: jazz[0] },
      explanation: 'Because you watched “Jazz piano lesson 0”',
    });

    // The video stops being ready: it is gone on the next request, the rest of the list still served.
    await env.DB.prepare("UPDATE videos SET status = 'processing' WHERE id = ?").bind(cooking[2]).run();
    try {
      const unready = await call('/api/v1/recommendations?limit=6', { token: viewer.accessToken, country: 'DE' });
      expect(unready.status).toBe(200);
      expect(ids(unready.body)).not.toContain(cooking[2]);
      expect(unready.body.items.length).toBeGreaterThan(0);
    } finally {
      await markVideoReady(cooking[2] as string);
    }

    // Finished since the precomputation: left out although the stored list still holds it.
    await seedSignal(viewer.user.id, cooking[2] as string, 'DE');
    const seen = await call('/api/v1/recommendations?limit=7', { token: viewer.accessToken, country: 'DE' });
    expect(ids(seen.body)).not.toContain(cooking[2]);
    expect(seen.body.items.length).toBeGreaterThan(0);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = await api('GET', '/api/v1/openapi.json');
    for (const path of ['/api/v1/recommendations', '/api/v1/videos/{id}/similar', '/api/v1/trending', '/api/v1/interactions']) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
    expect(doc.body.components.schemas.Recommendation).toBeDefined();
  });
});
