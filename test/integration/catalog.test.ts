import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, type JsonResponse, markVideoReady, signUp } from './helpers';

async function createVideo(token: string, fields: Record<string, unknown>) {
  const response = await api('POST', '/api/v1/videos', { token, body: { language: 'en', visibility: 'public', ...fields } });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  await markVideoReady(response.body.id);
  return response.body as { id: string; title: string };
}

describe('catalog', () => {
  it('creates a video with defaults, normalised tags and the creator name', async () => {
    const creator = await signUp('creator');
    const video = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: '  Rust at the edge ', language: 'en', tags: ['Rust', 'rust', 'Edge Computing'] },
    });
    expect(video.status).toBe(201);
    expect(video.body).toMatchObject({
      title: 'Rust at the edge',
      tags: ['rust', 'edge computing'],
      visibility: 'private',
      priceCents: 0,
      currency: 'USD',
      status: 'draft',
      creatorName: 'Test creator',
    });
  });

  it('keeps drafts out of the catalog and search, and unknown to everyone but their creator', async () => {
    const creator = await signUp('creator');
    const stranger = await signUp('viewer');
    const word = `draftword${crypto.randomUUID().slice(0, 8)}`;
    const draft = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: `Unfinished ${word}`, language: 'en', visibility: 'public' },
    });
    expect(draft.status).toBe(201);
    const listed = await api('GET', `/api/v1/videos?creatorId=${creator.user.id}`);
    expect(listed.body.items).toEqual([]);
    expect((await api('GET', `/api/v1/videos?q=${word}`)).body.items).toEqual([]);
    expect((await api('GET', `/api/v1/videos/${draft.body.id}`, { token: stranger.accessToken })).status).toBe(404);
    expect((await api('GET', `/api/v1/videos/${draft.body.id}`, { token: creator.accessToken })).status).toBe(200);
    expect((await api('GET', '/api/v1/me/videos', { token: creator.accessToken })).body.items.map((v: { id: string }) => v.id)).toEqual([
      draft.body.id,
    ]);
  });

  it('lists public videos newest first across pages with a cursor, without repeats or gaps', async () => {
    const creator = await signUp('creator');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createVideo(creator.accessToken, { title: `Episode ${i}` })).id);
    await createVideo(creator.accessToken, { title: 'Secret cut', visibility: 'private' });
    await createVideo(creator.accessToken, { title: 'Link only', visibility: 'unlisted' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/videos?creatorId=${creator.user.id}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: JsonResponse = await api('GET', query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((v: { id: string }) => v.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('finds videos by words of title, tags or description, ranking title matches first', async () => {
    const creator = await signUp('creator');
    const inTitle = await createVideo(creator.accessToken, { title: 'Kubernetes networking explained', tags: ['infra'] });
    const inDescription = await createVideo(creator.accessToken, { title: 'Cluster ops', description: 'We talk kubernetes upgrades.' });
    await createVideo(creator.accessToken, { title: 'Cooking pasta', tags: ['food'] });

    const results = await api('GET', `/api/v1/videos?q=${encodeURIComponent('kubernet')}&creatorId=${creator.user.id}`);
    expect(results.status).toBe(200);
    expect(results.body.items.map((v: { id: string }) => v.id)).toEqual([inTitle.id, inDescription.id]);

    const byTag = await api('GET', `/api/v1/videos?tag=food&creatorId=${creator.user.id}`);
    expect(byTag.body.items.map((v: { title: string }) => v.title)).toEqual(['Cooking pasta']);
    const none = await api('GET', `/api/v1/videos?q=zzqxv&creatorId=${creator.user.id}`);
    expect(none.body.items).toEqual([]);
  });

  it('treats FTS operators and quotes in the search box as plain words', async () => {
    for (const q of ['"unbalanced', 'title:foo', 'a AND OR NOT', 'NEAR(', '*', '()', '🙂']) {
      const response = await api('GET', `/api/v1/videos?q=${encodeURIComponent(q)}`);
      expect(response.status, q).toBe(200);
    }
  });

  it('hides private videos from everyone but their creator, keeps unlisted reachable by id', async () => {
    const creator = await signUp('creator');
    const stranger = await signUp('viewer');
    const secret = await createVideo(creator.accessToken, { title: 'Private draft', visibility: 'private' });
    const unlisted = await createVideo(creator.accessToken, { title: 'Unlisted preview', visibility: 'unlisted' });

    expect((await api('GET', `/api/v1/videos/${secret.id}`, { token: creator.accessToken })).status).toBe(200);
    // Unpublished, it is unknown to everyone else.
    await env.DB.prepare("UPDATE videos SET status = 'draft' WHERE id = ?").bind(secret.id).run();
    expect((await api('GET', `/api/v1/videos/${secret.id}`)).status).toBe(404);
    expect((await api('GET', `/api/v1/videos/${secret.id}`, { token: stranger.accessToken })).status).toBe(404);
    expect((await api('GET', `/api/v1/videos/${unlisted.id}`)).status).toBe(200);

    // Once published, a private video tells others it is private, and nothing else about it.
    await markVideoReady(secret.id);
    for (const token of [undefined, stranger.accessToken]) {
      const answer = await api('GET', `/api/v1/videos/${secret.id}`, { token });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: expect.objectContaining({ code: 'video_private', message: 'This video is private: only its creator can watch it' }),
      });
    }

    const listed = await api('GET', `/api/v1/videos?creatorId=${creator.user.id}`);
    expect(listed.body.items).toEqual([]);
    const mine = await api('GET', '/api/v1/me/videos', { token: creator.accessToken });
    expect(mine.body.items.map((v: { id: string }) => v.id).sort()).toEqual([secret.id, unlisted.id].sort());
  });

  it('refuses a card price sent with the video: it follows the prices set with PUT /videos/{id}/prices', async () => {
    const creator = await signUp('creator');
    const created = await api('POST', '/api/v1/videos', {
      token: creator.accessToken,
      body: { title: 'Priced on creation', language: 'en', priceCents: 499 },
    });
    expect(created.status).toBe(400);
    const video = await createVideo(creator.accessToken, { title: 'Priced later' });
    for (const body of [{ priceCents: 499 }, { currency: 'EUR' }]) {
      const patched = await api('PATCH', `/api/v1/videos/${video.id}`, { token: creator.accessToken, body });
      expect(patched.status).toBe(400);
    }
    expect((await api('GET', `/api/v1/videos/${video.id}`, { token: creator.accessToken })).body).toMatchObject({
      priceCents: 0,
      currency: 'USD',
    });
  });

  it('updates fields and tags, and search follows the new title', async () => {
    const creator = await signUp('creator');
    const video = await createVideo(creator.accessToken, { title: 'Old name', tags: ['alpha'] });
    const updated = await api('PATCH', `/api/v1/videos/${video.id}`, {
      token: creator.accessToken,
      body: { title: 'Brand new zeppelin', tags: ['beta'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: 'Brand new zeppelin', tags: ['beta'], priceCents: 0 });
    const byNewTag = await api('GET', `/api/v1/videos?tag=beta&creatorId=${creator.user.id}`);
    expect(byNewTag.body.items).toHaveLength(1);
    const byOldTag = await api('GET', `/api/v1/videos?tag=alpha&creatorId=${creator.user.id}`);
    expect(byOldTag.body.items).toHaveLength(0);
    const search = await api('GET', `/api/v1/videos?q=zeppelin&creatorId=${creator.user.id}`);
    expect(search.body.items).toHaveLength(1);
    const oldSearch = await api('GET', `/api/v1/videos?q=${encodeURIComponent('Old name')}&creatorId=${creator.user.id}`);
    expect(oldSearch.body.items).toHaveLength(0);
  });

  it('deletes a video: gone from reads, lists and search', async () => {
    const creator = await signUp('creator');
    const video = await createVideo(creator.accessToken, { title: 'Ephemeral walrus' });
    expect((await api('DELETE', `/api/v1/videos/${video.id}`, { token: creator.accessToken })).status).toBe(204);
    expect((await api('GET', `/api/v1/videos/${video.id}`)).status).toBe(404);
    expect((await api('GET', '/api/v1/videos?q=walrus')).body.items).toEqual([]);
  });

  it('rejects a tampered cursor with 400', async () => {
    const response = await api('GET', '/api/v1/videos?cursor=bm90LWEtY3Vyc29y');
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/cursor/i);
  });
});
