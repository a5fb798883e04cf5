import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_VIDEOS } from '../../dev/lib/demo-data';
import { buildSeedSql, planSeed } from '../../dev/seed';
import { verifyPassword } from '../../src/domain/password';
import type { ScriptRun } from './helpers';
import { freshState, queryD1, runScript } from './helpers';

const ANCHOR = Date.UTC(2026, 4, 1);
const fakeHash = async (password: string) => `test$${password}`;

describe('seed plan (no database)', () => {
  it('builds the same SQL for the same anchor', async () => {
    const first = await buildSeedSql({ anchorMs: ANCHOR, hash: fakeHash });
    const second = await buildSeedSql({ anchorMs: ANCHOR, hash: fakeHash });
    expect(second).toBe(first);
    expect(await buildSeedSql({ anchorMs: ANCHOR + 86_400_000, hash: fakeHash })).not.toBe(first);
  });

  it('keeps ids stable and shaped like the API ids', () => {
    const plan = planSeed(ANCHOR);
    const later = planSeed(ANCHOR + 7 * 86_400_000);
    expect(later.users.map((user) => user.id)).toEqual(plan.users.map((user) => user.id));
    expect(later.videos.map((video) => video.id)).toEqual(plan.videos.map((video) => video.id));
    for (const user of plan.users) expect(user.id).toMatch(/^usr_[a-km-z2-9]{24}$/);
    for (const video of plan.videos) expect(video.id).toMatch(/^vid_[a-km-z2-9]{24}$/);
  });

  it('simulates plausible viewing: only visible videos, inside their lifetime, watch time within duration', () => {
    const plan = planSeed(ANCHOR);
    const videos = new Map(plan.videos.map((video) => [video.id, video]));
    expect(plan.interactions.length).toBeGreaterThan(300);
    for (const interaction of plan.interactions) {
      const video = videos.get(interaction.videoId);
      expect(video).toBeDefined();
      if (!video) continue;
      expect(video.video.visibility === 'private' && video.creatorId !== interaction.userId).toBe(false);
      expect(interaction.createdAt).toBeGreaterThan(video.createdAt);
      expect(interaction.createdAt).toBeLessThan(ANCHOR);
      if (interaction.kind === 'view') expect(interaction.value).toBeLessThanOrEqual(video.video.durationSeconds);
      else expect(interaction.value).toBe(1);
    }
  });
});

describe('npm run seed', () => {
  let state: Awaited<ReturnType<typeof freshState>>;
  let firstRun: ScriptRun;
  beforeAll(async () => {
    state = await freshState();
    firstRun = await runScript('seed', ['--persist-to', state.dir]);
  });
  afterAll(() => state.cleanup());

  it('creates the documented demo accounts with passwords that verify', async () => {
    expect(firstRun.stderr).toBe('');
    expect(firstRun.exitCode).toBe(0);
    const users = await queryD1<{ email: string; role: string; password_hash: string; disabled_at: number | null }>(
      state.dir,
      'SELECT email, role, password_hash, disabled_at FROM users ORDER BY created_at',
    );
    expect(users.map(({ email, role }) => ({ email, role }))).toEqual(DEMO_ACCOUNTS.map(({ email, role }) => ({ email, role })));
    expect(users.filter((user) => user.role === 'creator')).toHaveLength(2);
    expect(users.filter((user) => user.role === 'viewer')).toHaveLength(3);
    for (const [index, account] of DEMO_ACCOUNTS.entries()) {
      const user = users[index];
      expect(account.password.length).toBeGreaterThanOrEqual(10);
      expect(user?.disabled_at).toBeNull();
      expect(await verifyPassword(account.password, user?.password_hash ?? '')).toBe(true);
      // and the printed credentials are the ones stored
      expect(firstRun.stdout).toContain(account.email);
      expect(firstRun.stdout).toContain(account.password);
    }
  });

  it('writes a catalog of ready videos: free and paid, public, unlisted and private, several languages', async () => {
    const videos = await queryD1<{ price_cents: number; visibility: string; status: string; language: string }>(
      state.dir,
      'SELECT price_cents, visibility, status, language FROM videos',
    );
    expect(videos).toHaveLength(DEMO_VIDEOS.length);
    expect(videos.every((video) => video.status === 'ready')).toBe(true);
    expect(videos.filter((video) => video.price_cents > 0).length).toBeGreaterThanOrEqual(3);
    expect(new Set(videos.map((video) => video.visibility))).toEqual(new Set(['public', 'unlisted', 'private']));
    expect(new Set(videos.map((video) => video.language)).size).toBeGreaterThanOrEqual(4);
  });

  it('mirrors every videos.tags array in video_tags and in the search index', async () => {
    const videos = await queryD1<{ id: string; tags: string }>(state.dir, 'SELECT id, tags FROM videos');
    const tagRows = await queryD1<{ video_id: string; tag: string }>(state.dir, 'SELECT video_id, tag FROM video_tags');
    const fromJson = videos.flatMap((video) => (JSON.parse(video.tags) as string[]).map((tag) => `${video.id} ${tag}`));
    expect(tagRows.map((row) => `${row.video_id} ${row.tag}`).sort()).toEqual(fromJson.sort());
    const hits = await queryD1<{ title: string }>(
      state.dir,
      "SELECT videos.title FROM videos_fts JOIN videos ON videos.rowid = videos_fts.rowid WHERE videos_fts MATCH 'sourdough'",
    );
    expect(hits.map((hit) => hit.title)).toEqual(['Perfect Sourdough in 24 Hours (Beginner Friendly)']);
  });

  it('records a few hundred interactions with a long-tailed popularity', async () => {
    const kinds = await queryD1<{ kind: string; n: number }>(state.dir, 'SELECT kind, count(*) AS n FROM interactions GROUP BY kind');
    const byKind = Object.fromEntries(kinds.map((row) => [row.kind, row.n]));
    expect(Object.keys(byKind).sort()).toEqual(['complete', 'like', 'skip', 'view']);
    const total = kinds.reduce((sum, row) => sum + row.n, 0);
    expect(total).toBeGreaterThanOrEqual(300);
    expect(total).toBeLessThan(1000);
    const views = await queryD1<{ n: number }>(
      state.dir,
      `SELECT count(i.id) AS n FROM videos v LEFT JOIN interactions i ON i.video_id = v.id AND i.kind = 'view'
       WHERE v.visibility = 'public' GROUP BY v.id ORDER BY n DESC`,
    );
    const counts = views.map((row) => row.n);
    const median = counts[Math.floor(counts.length / 2)] ?? 0;
    // The favourite draws several times the views of a typical video.
    expect(counts[0] ?? 0).toBeGreaterThan(3 * median);
  });

  it('adds nothing when run again', async () => {
    const count = (table: string) => queryD1<{ n: number }>(state.dir, `SELECT count(*) AS n FROM ${table}`);
    const tables = ['users', 'videos', 'video_tags', 'interactions'];
    const before = await Promise.all(tables.map(count));
    const hashesBefore = await queryD1<{ password_hash: string }>(state.dir, 'SELECT password_hash FROM users ORDER BY id');
    const again = await runScript('seed', ['--persist-to', state.dir]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/interactions\s+\d+\s+\(\+0\)/);
    expect(await Promise.all(tables.map(count))).toEqual(before);
    expect(await queryD1(state.dir, 'SELECT password_hash FROM users ORDER BY id')).toEqual(hashesBefore);
  });
});
