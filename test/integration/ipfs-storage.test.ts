// Storage rules that need no IPFS node, inside workerd: quotas checked before anything is stored, publish
// queueing the store job when IPFS is configured, bad uploads refused with nothing stored, the storage admin
// API, and a deleted video's files leaving R2. (The node-facing pipeline runs against the real stack in
// test/tooling/ipfs-pipeline.test.ts: kubo-rpc-client does not load in this test runtime's module runner.)
import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../src/domain/events';
import type { Env } from '../../src/env';
import { consumeBatch } from '../../src/workers/events/consumer';
import worker from '../../src/workers/index';
import { api, BASE, countRows, signUp, signUpAdmin, testManifest } from './helpers';

const segment = Uint8Array.from({ length: 4096 }, (_, i) => (i * 13) & 0xff);
const playlist = (names: string[]) =>
  new TextEncoder().encode(`#EXTM3U\n#EXT-X-VERSION:7\n${names.map((name) => `#EXTINF:4.0,\n${name}\n`).join('')}#EXT-X-ENDLIST\n`);

function manifestFor(videoId: string, segmentBytes = segment.byteLength) {
  return testManifest(videoId, [segment], [segmentBytes]);
}

async function newVideo(token: string, visibility: 'public' | 'private' = 'public') {
  const created = await api('POST', '/api/v1/videos', { token, body: { title: 'Stored clip', language: 'en', visibility } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

function upload(token: string, videoId: string, path: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  return api('PUT', `/api/v1/videos/${videoId}/files/${path}`, {
    token,
    rawBody: bytes,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength), ...headers },
  });
}

const r2Keys = async (videoId: string) => (await env.UPLOADS.list({ prefix: `videos/${videoId}/` })).objects.map((object) => object.key);

/** Calls the Worker with extra environment (e.g. IPFS configured), the rest as in wrangler.toml. */
async function callWith(extra: Partial<Env>, method: string, path: string, token: string) {
  const context = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, { method, headers: { Authorization: `Bearer ${token}` } }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    { ...env, ...extra } as Env,
    context,
  );
  await waitOnExecutionContext(context);
  return { status: response.status, body: (await response.json()) as any };
}

describe('storage quota', () => {
  it('refuses a manifest over the creator quota with 413 before anything is stored', async () => {
    const creator = await signUp('creator');
    const admin = await signUpAdmin();
    const set = await api('PUT', `/api/v1/admin/storage/quotas/${creator.user.id}`, {
      token: admin.accessToken,
      body: { quotaBytes: 200_000 },
    });
    expect(set.status).toBe(200);
    const videoId = await newVideo(creator.accessToken);
    const refused = await api('PUT', `/api/v1/videos/${videoId}/manifest`, {
      token: creator.accessToken,
      body: await manifestFor(videoId, 150_000),
    });
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: 'storage_quota_exceeded', details: { quotaBytes: 200_000, usedBytes: 0 } });
    expect(await r2Keys(videoId)).toEqual([]);
    expect((await api('GET', `/api/v1/videos/${videoId}`, { token: creator.accessToken })).body.status).toBe('draft');

    const fits = await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    expect(fits.status).toBe(200);
    const usage = await api('GET', `/api/v1/admin/storage/quotas/${creator.user.id}`, { token: admin.accessToken });
    // 4 KiB of segment plus the playlist allowance (64 KiB each for the media and master playlists).
    expect(usage.body).toEqual({ creatorId: creator.user.id, quotaBytes: 200_000, usedBytes: 4096 + 2 * 65_536 });
    // A second video of the same size no longer fits; re-uploading the first one's manifest still does.
    const second = await newVideo(creator.accessToken);
    expect(
      (await api('PUT', `/api/v1/videos/${second}/manifest`, { token: creator.accessToken, body: await manifestFor(second) })).status,
    ).toBe(413);
    expect(
      (await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) })).status,
    ).toBe(200);
  });

  it('lets only admins read or change quotas', async () => {
    const creator = await signUp('creator');
    expect((await api('GET', `/api/v1/admin/storage/quotas/${creator.user.id}`, { token: creator.accessToken })).status).toBe(403);
    const admin = await signUpAdmin();
    expect((await api('GET', '/api/v1/admin/storage/quotas/usr_nobody', { token: admin.accessToken })).status).toBe(404);
    const bad = await api('PUT', `/api/v1/admin/storage/quotas/${creator.user.id}`, { token: admin.accessToken, body: { quotaBytes: -1 } });
    expect(bad.status).toBe(400);
    const defaults = await api('GET', `/api/v1/admin/storage/quotas/${creator.user.id}`, { token: admin.accessToken });
    expect(defaults.body).toEqual({ creatorId: creator.user.id, quotaBytes: 10 * 1024 ** 3, usedBytes: 0 });
  });
});

describe('publishing with IPFS storage configured', () => {
  it('queues the store job and keeps the video processing instead of publishing it', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    expect((await upload(creator.accessToken, videoId, '360p/index.m3u8', playlist(['seg_00000.m4s']))).status).toBe(204);
    expect((await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', segment)).status).toBe(204);
    const outboxBefore = await countRows('event_outbox');
    const published = await callWith(
      { IPFS_API_URLS: 'alpha=http://127.0.0.1:9' },
      'POST',
      `/api/v1/videos/${videoId}/publish`,
      creator.accessToken,
    );
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('processing');
    const job = await env.DB.prepare("SELECT state FROM ipfs_jobs WHERE id = 'store:' || ?").bind(videoId).first<{ state: string }>();
    expect(job?.state).toBe('queued');
    // The event went through the outbox (relayed, or still waiting for the relay cron): never lost.
    expect(await countRows('event_outbox')).toBeGreaterThanOrEqual(outboxBefore);
    // Anonymous viewers see nothing of a processing video.
    expect((await api('GET', `/api/v1/videos/${videoId}/hls/360p/seg_00000.m4s`)).status).toBe(404);
  });

  it('publishes from R2 alone when IPFS storage is off', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    await upload(creator.accessToken, videoId, '360p/index.m3u8', playlist(['seg_00000.m4s']));
    await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', segment);
    const published = await api('POST', `/api/v1/videos/${videoId}/publish`, { token: creator.accessToken });
    expect(published.body.status).toBe('ready');
  });
});

describe('bad uploads store nothing', () => {
  it('refuses a playlist that references segments missing from the manifest', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    const bad = await upload(creator.accessToken, videoId, '360p/index.m3u8', playlist(['seg_00000.m4s', 'seg_00001.m4s']));
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'playlist_references_missing', details: { missing: ['seg_00001.m4s'] } });
    const escaping = await upload(creator.accessToken, videoId, '360p/index.m3u8', playlist(['../../other/seg.m4s']));
    expect(escaping.status).toBe(422);
    expect(await r2Keys(videoId)).toEqual([`videos/${videoId}/manifest.json`]);
  });

  it('refuses a manifest sent with the wrong content type, and a truncated segment body', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    const wrongType = await api('PUT', `/api/v1/videos/${videoId}/manifest`, {
      token: creator.accessToken,
      rawBody: JSON.stringify(await manifestFor(videoId)),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
    expect(await r2Keys(videoId)).toEqual([]);

    await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    // Half of the segment, sent with its full declared length: the digest cannot match, nothing is stored.
    const truncated = await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', segment.subarray(0, 2048));
    expect(truncated.status).toBe(422);
    expect(await r2Keys(videoId)).toEqual([`videos/${videoId}/manifest.json`]);
  });
});

describe('storage admin API without IPFS nodes', () => {
  it('answers 503 not_configured for node operations and lists jobs', async () => {
    const admin = await signUpAdmin();
    for (const [method, path] of [
      ['GET', '/api/v1/admin/storage/nodes'],
      ['GET', '/api/v1/admin/storage/garbage'],
      ['POST', '/api/v1/admin/storage/maintenance'],
    ] as const) {
      const response = await api(method, path, { token: admin.accessToken });
      expect(response.status, path).toBe(503);
      expect(response.body.error.code).toBe('not_configured');
    }
    const jobs = await api('GET', '/api/v1/admin/storage/jobs?state=queued', { token: admin.accessToken });
    expect(jobs.status).toBe(200);
    expect(Array.isArray(jobs.body.items)).toBe(true);
    expect((await api('GET', '/api/v1/admin/storage/jobs?state=nonsense', { token: admin.accessToken })).status).toBe(400);
  });
});

describe('storage job listing', () => {
  it('applies the state and video filters together before its 100-row limit', async () => {
    const admin = await signUpAdmin();
    const db = (env as unknown as Env).DB;
    const target = `vid_jobfilter${Date.now()}`;
    const insert = db.prepare(
      "INSERT INTO ipfs_jobs (id, video_id, kind, state, attempts, created_at, updated_at) VALUES (?, ?, 'store', ?, 0, ?, ?)",
    );
    // 120 newer jobs of other videos in the same state push the target's job past the first 100 rows.
    await db.batch([
      insert.bind(`job_${target}`, target, 'done', 1_000, 1_000),
      insert.bind(`job_${target}_failed`, target, 'failed', 1_000, 1_000),
      ...Array.from({ length: 120 }, (_, n) => insert.bind(`job_${target}_other${n}`, `${target}x${n}`, 'done', 2_000 + n, 2_000 + n)),
    ]);
    const listed = await api('GET', `/api/v1/admin/storage/jobs?state=done&videoId=${target}`, { token: admin.accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((job: { id: string }) => job.id)).toEqual([`job_${target}`]);
    const byVideo = await api('GET', `/api/v1/admin/storage/jobs?videoId=${target}`, { token: admin.accessToken });
    expect(byVideo.body.items.map((job: { state: string }) => job.state).sort()).toEqual(['done', 'failed']);
  });
});

describe('dead-lettered store jobs', () => {
  it('are marked failed and raise the storage alert until the dead letter is replayed', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    const event = createEvent('ipfs.video_uploaded', { videoId, creatorId: creator.user.id }, creator.user.id);
    await env.DB.prepare(
      "INSERT INTO ipfs_jobs (id, video_id, kind, state, attempts, last_error, created_at, updated_at) VALUES (?, ?, 'store', 'queued', 7, 'ipfs node alpha: add failed: timed out', 0, 0)",
    )
      .bind(`store:${videoId}`, videoId)
      .run();
    // What the dead-letter consumer records after the last retry (workers/events/consumer.ts).
    await consumeBatch(
      createMessageBatch('vibestream-ipfs-jobs-dlq', [{ id: `dlq-${videoId}`, timestamp: new Date(), attempts: 1, body: event }]),
      env as Env,
    );
    // The video was published and waits for storage.
    await env.DB.prepare("UPDATE videos SET status = 'processing' WHERE id = ?").bind(videoId).run();
    // The node is unreachable as well: maintenance still runs, judges nothing on it, and handles the job.
    const { runStorageMaintenance } = await import('../../src/workers/ipfs/maintenance');
    const result = await runStorageMaintenance({ ...env, IPFS_API_URLS: 'alpha=http://127.0.0.1:9', IPFS_TIMEOUT_MS: '500' } as Env);
    expect(result).toMatchObject({ nodes: 1, unreachable: 1, failedJobs: 1 });
    const job = await env.DB.prepare("SELECT state FROM ipfs_jobs WHERE id = 'store:' || ?").bind(videoId).first<{ state: string }>();
    expect(job?.state).toBe('failed');
    // Its creator sees the video failed, and why.
    const failed = await api('GET', `/api/v1/videos/${videoId}`, { token: creator.accessToken });
    expect(failed.body).toMatchObject({
      status: 'failed',
      statusReason: 'Storing the files on IPFS failed after every retry: ipfs node alpha: add failed: timed out',
    });
    const admin = await signUpAdmin();
    const firing = await api('GET', '/api/v1/alerts?state=firing', { token: admin.accessToken });
    expect(firing.body.items).toContainEqual(
      expect.objectContaining({ ruleId: 'rul_ipfs_job_failed', scopeKey: 'fleet:ipfsJobs', state: 'firing', value: 1 }),
    );

    await env.DB.prepare('UPDATE dead_letters SET replayed_at = ? WHERE id = ?').bind(Date.now(), `dlq-${videoId}`).run();
    await runStorageMaintenance({ ...env, IPFS_API_URLS: 'alpha=http://127.0.0.1:9', IPFS_TIMEOUT_MS: '500' } as Env);
    const after = await api('GET', '/api/v1/alerts?state=firing', { token: admin.accessToken });
    expect(after.body.items.filter((item: { ruleId: string }) => item.ruleId === 'rul_ipfs_job_failed')).toEqual([]);
  });
});

describe('deleting a video', () => {
  it('removes its files from R2 once the delete event is handled', async () => {
    const creator = await signUp('creator');
    const videoId = await newVideo(creator.accessToken);
    await api('PUT', `/api/v1/videos/${videoId}/manifest`, { token: creator.accessToken, body: await manifestFor(videoId) });
    await upload(creator.accessToken, videoId, '360p/seg_00000.m4s', segment);
    expect(await r2Keys(videoId)).toHaveLength(2);
    expect((await api('DELETE', `/api/v1/videos/${videoId}`, { token: creator.accessToken })).status).toBe(204);
    const event = createEvent('video.deleted', { videoId, creatorId: creator.user.id }, creator.user.id);
    await consumeBatch(
      createMessageBatch('vibestream-domain-events', [{ id: 'msg-delete-1', timestamp: new Date(), attempts: 1, body: event }]),
      env as Env,
    );
    expect(await r2Keys(videoId)).toEqual([]);
    // The quota reservation went with the video row.
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM video_storage WHERE video_id = ?').bind(videoId).first('n')).toBe(0);
  });
});
