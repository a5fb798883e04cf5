// `npm run seed`: fills the local D1 database with demo accounts, a catalog and viewing history.
//
//   npm run seed                      local database of `wrangler dev` (.wrangler/state)
//   npm run seed -- --persist-to DIR  local database kept in DIR (wrangler's --persist-to)
//   npm run seed -- --remote --force  the deployed database (public demo passwords! see below)
//
// Same data on every run: ids derive from fixed keys and the interactions from a seeded PRNG. Safe to re-run:
// users, videos and tags are INSERT OR IGNORE on fixed ids, every interaction is inserted only if the same
// (user, video, kind, time) row is not there yet. Timestamps are relative to an anchor, the UTC midnight of
// the first seeding; later runs read it back from the demo admin's `created_at`, so they line up exactly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listPriceOf, type OfferedPrices } from '../src/app/payments/list-price';
import { hashPassword } from '../src/domain/password';
import { CommandFailed, parseOrUsage, runCli, targetFrom, targetOptions, UsageError } from './lib/cli';
import type { D1Target } from './lib/d1';
import { D1CommandError, d1Execute, d1Query } from './lib/d1';
import type { DemoAccount, DemoVideoWithMedia } from './lib/demo-data';
import { DEMO_ACCOUNTS, DEMO_RENTAL_HOURS, DEMO_VIDEOS } from './lib/demo-data';
import type { Rng } from './lib/random';
import { createRng, seededId } from './lib/random';
import { insertStatement, sqlString, valuesList } from './lib/sql';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The demo admin is created exactly this long before the anchor; that is how a re-run finds the anchor. */
export const SEED_ACCOUNT_AGE_MS = 120 * DAY_MS;
/** Viewing history covers this window before the anchor. */
const HISTORY_WINDOW_MS = 90 * DAY_MS;
const INTERACTIONS_SEED = 0x5eed_2026;

// FNV-1a: turns a stable key into a PRNG seed, so adding a video does not change every other id.
function seedFromKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function demoUserId(key: string): string {
  return seededId(createRng(seedFromKey(`user:${key}`)), 'usr');
}

export function demoVideoId(key: string): string {
  return seededId(createRng(seedFromKey(`video:${key}`)), 'vid');
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export interface SeedUser {
  id: string;
  account: DemoAccount;
  createdAt: number;
}

export interface SeedVideo {
  id: string;
  creatorId: string;
  video: DemoVideoWithMedia;
  createdAt: number;
}

export type InteractionKind = 'view' | 'like' | 'complete' | 'skip';

export interface SeedInteraction {
  userId: string;
  videoId: string;
  kind: InteractionKind;
  /** Seconds watched for a view, 1 for the other kinds (the schema's convention). */
  value: number;
  createdAt: number;
}

export interface SeedPlan {
  anchorMs: number;
  users: SeedUser[];
  videos: SeedVideo[];
  interactions: SeedInteraction[];
}

function planUsers(anchorMs: number): SeedUser[] {
  // All accounts exist before the first video; the admin first, at exactly anchor - SEED_ACCOUNT_AGE_MS.
  return DEMO_ACCOUNTS.map((account, index) => ({
    id: demoUserId(account.key),
    account,
    createdAt: anchorMs - SEED_ACCOUNT_AGE_MS + index * HOUR_MS,
  }));
}

function planVideos(anchorMs: number, users: SeedUser[]): SeedVideo[] {
  return DEMO_VIDEOS.map((video) => {
    const creator = users.find((user) => user.account.key === video.creator);
    if (!creator) throw new Error(`demo video ${video.key} names an unknown creator ${video.creator}`);
    // Published some time between 09:00 and 21:00 of its day.
    const rng = createRng(seedFromKey(`published:${video.key}`));
    const publishedAt = anchorMs - video.ageDays * DAY_MS + 9 * HOUR_MS + rng.int(0, 12 * 60) * MINUTE_MS;
    return { id: demoVideoId(video.key), creatorId: creator.id, video, createdAt: publishedAt };
  });
}

/**
 * Simulated viewing sessions with a long-tailed popularity: each video gets a Zipf weight (1/rank^1.1) from a
 * fixed shuffle of the catalog, which a viewer's taste (shared tags, languages they understand) then bends.
 * Unlisted videos are rarely found, private ones never by anyone else, and paid ones are mostly previewed.
 */
function planInteractions(anchorMs: number, users: SeedUser[], videos: SeedVideo[]): SeedInteraction[] {
  const rng = createRng(INTERACTIONS_SEED);
  const order = shuffled(
    rng,
    videos.map((_, index) => index),
  );
  const popularity = new Map<SeedVideo, number>();
  order.forEach((videoIndex, rank) => {
    const video = videos[videoIndex];
    if (video) popularity.set(video, 1 / (rank + 1) ** 1.1);
  });

  const interactions: SeedInteraction[] = [];
  const taken = new Set<string>();
  const push = (row: SeedInteraction): void => {
    // Keep (user, video, kind, time) unique: it is the key the idempotent insert checks.
    let createdAt = row.createdAt;
    while (taken.has(`${row.userId}|${row.videoId}|${row.kind}|${createdAt}`)) createdAt += 1;
    taken.add(`${row.userId}|${row.videoId}|${row.kind}|${createdAt}`);
    interactions.push({ ...row, createdAt });
  };

  for (const user of users) {
    const liked = new Set<string>();
    for (let session = 0; session < user.account.sessions; session++) {
      // Activity leans towards the recent past (next()^1.4 is skewed towards 0).
      const startedAt = anchorMs - Math.floor(rng.next() ** 1.4 * HISTORY_WINDOW_MS);
      const candidates = videos.filter(
        (video) => video.createdAt < startedAt - HOUR_MS && video.creatorId !== user.id && video.video.visibility !== 'private',
      );
      if (candidates.length === 0) continue;
      const weights = candidates.map((video) => appeal(video, user, startedAt, popularity.get(video) ?? 0));
      const chosen = candidates[rng.weightedIndex(weights)];
      if (!chosen) continue;
      simulateSession(rng, user, chosen, startedAt, anchorMs, liked, push);
    }
  }
  return interactions.sort((a, b) => a.createdAt - b.createdAt);
}

function sharedTags(video: SeedVideo, user: SeedUser): number {
  return video.video.tags.filter((tag) => user.account.interests.includes(tag)).length;
}

function appeal(video: SeedVideo, user: SeedUser, at: number, popularity: number): number {
  const taste = 1 + 1.5 * sharedTags(video, user);
  const language = user.account.languages.includes(video.video.language) ? 1 : 0.15;
  const reach = video.video.visibility === 'unlisted' ? 0.12 : 1;
  const price = video.video.priceCents > 0 ? 0.4 : 1;
  // A video is pushed to followers in its first week.
  const novelty = at - video.createdAt < 7 * DAY_MS ? 2 : 1;
  return popularity * taste * language * reach * price * novelty;
}

function simulateSession(
  rng: Rng,
  user: SeedUser,
  video: SeedVideo,
  startedAt: number,
  anchorMs: number,
  liked: Set<string>,
  push: (row: SeedInteraction) => void,
): void {
  const duration = video.video.durationSeconds;
  const overlap = sharedTags(video, user);
  let watchedSeconds: number;
  let outcome: 'skip' | 'partial' | 'complete';
  if (video.video.priceCents > 0) {
    // Without a purchase only the preview plays (the demo clips are short: never more than the video).
    watchedSeconds = Math.min(duration, rng.int(20, 90));
    outcome = 'partial';
  } else if (rng.chance(overlap === 0 ? 0.3 : 0.12)) {
    watchedSeconds = Math.min(duration, rng.int(3, 25));
    outcome = 'skip';
  } else if (rng.chance(Math.min(0.85, 0.35 + 0.15 * overlap))) {
    watchedSeconds = Math.round(duration * (0.92 + rng.next() * 0.08));
    outcome = 'complete';
  } else {
    watchedSeconds = Math.round(duration * (0.2 + rng.next() * 0.7));
    outcome = 'partial';
  }
  // The whole session ends before the anchor.
  const start = Math.min(startedAt, anchorMs - watchedSeconds * 1000 - 2 * MINUTE_MS);
  const end = start + watchedSeconds * 1000;
  const base = { userId: user.id, videoId: video.id };
  push({ ...base, kind: 'view', value: watchedSeconds, createdAt: start });
  if (outcome === 'skip') push({ ...base, kind: 'skip', value: 1, createdAt: end });
  if (outcome === 'complete') push({ ...base, kind: 'complete', value: 1, createdAt: end });
  const likeChance = outcome === 'complete' ? 0.45 : outcome === 'partial' ? 0.04 : 0;
  if (!liked.has(video.id) && rng.chance(likeChance)) {
    liked.add(video.id);
    push({ ...base, kind: 'like', value: 1, createdAt: end + rng.int(1, 30) * 1000 });
  }
}

function shuffled<T>(rng: Rng, items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Everything the seed writes, without touching a database. Pure: the same anchor gives the same plan. */
export function planSeed(anchorMs: number): SeedPlan {
  const users = planUsers(anchorMs);
  const videos = planVideos(anchorMs, users);
  return { anchorMs, users, videos, interactions: planInteractions(anchorMs, users, videos) };
}

/** A demo video's prices in USD: bought for `priceCents`, rented for `rentalCents`. */
function demoOffer(video: DemoVideoWithMedia): OfferedPrices {
  return {
    purchase: video.priceCents > 0 ? { amount: video.priceCents, currency: 'USD' } : null,
    rental: video.rentalCents ? { amount: video.rentalCents, currency: 'USD' } : null,
  };
}

function demoPriceRows(videoId: string, video: DemoVideoWithMedia, updatedAt: number) {
  const offer = demoOffer(video);
  return [
    ...(offer.purchase ? [{ video_id: videoId, kind: 'purchase', ...offer.purchase, rental_hours: null, updated_at: updatedAt }] : []),
    ...(offer.rental
      ? [{ video_id: videoId, kind: 'rental', ...offer.rental, rental_hours: DEMO_RENTAL_HOURS, updated_at: updatedAt }]
      : []),
  ];
}

export interface BuildSeedSqlOptions {
  anchorMs: number;
  /** Defaults to the API's own hashPassword, so the demo accounts can log in. Tests may pass a fast stub. */
  hash?: (password: string) => Promise<string>;
}

// D1 caps one SQL statement at 100 KB; 100 interaction rows are about 10 KB.
const ROWS_PER_STATEMENT = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The seed as SQL, a few multi-row statements (wrangler's cost is per statement, not per row). Passwords are
 * hashed with a fresh salt each time, so only the hashes differ between two builds with the same anchor; on
 * a re-run INSERT OR IGNORE keeps the first ones.
 */
export async function buildSeedSql(options: BuildSeedSqlOptions): Promise<string> {
  const hash = options.hash ?? ((password: string) => hashPassword(password));
  const plan = planSeed(options.anchorMs);
  const statements: string[] = [`-- VibeStream demo data (anchor ${new Date(plan.anchorMs).toISOString()}); generated by dev/seed.ts.`];
  const users = [];
  for (const user of plan.users) {
    users.push({
      id: user.id,
      email: user.account.email.toLowerCase(),
      password_hash: await hash(user.account.password),
      display_name: user.account.displayName,
      role: user.account.role,
      created_at: user.createdAt,
      updated_at: user.createdAt,
      disabled_at: null,
    });
  }
  statements.push(insertStatement('users', users, { orIgnore: true }));
  const videos = plan.videos.map(({ id, creatorId, video, createdAt }) => ({
    id,
    creator_id: creatorId,
    title: video.title,
    description: video.description,
    tags: JSON.stringify(video.tags),
    language: video.language,
    price_cents: listPriceOf(demoOffer(video))?.amount ?? 0,
    currency: 'USD',
    visibility: video.visibility,
    status: 'ready',
    duration_seconds: video.durationSeconds,
    created_at: createdAt,
    updated_at: createdAt,
  }));
  statements.push(insertStatement('videos', videos, { orIgnore: true }));
  // What checkout charges: video_prices rows for every paid video, buy and rent; the card price above follows
  // them by the API's rule (listPriceOf), so the catalog and the checkout show the same price.
  const prices = plan.videos.flatMap(({ id, video, createdAt }) => demoPriceRows(id, video, createdAt));
  if (prices.length > 0) statements.push(insertStatement('video_prices', prices, { orIgnore: true }));
  // video_tags mirrors videos.tags (the API writes both in one batch; so does the seed).
  const videoTags = plan.videos.flatMap(({ id, video }) => video.tags.map((tag) => ({ video_id: id, tag })));
  statements.push(insertStatement('video_tags', videoTags, { orIgnore: true }));
  // interactions has an autoincrement id and no natural key, so "already there" means the same
  // (user, video, kind, time) row exists. One INSERT … SELECT reads the table as it was before the statement.
  const columns = ['user_id', 'video_id', 'kind', 'value', 'created_at'] as const;
  for (const chunk of chunks(plan.interactions, ROWS_PER_STATEMENT)) {
    const rows = chunk.map((row) => ({
      user_id: row.userId,
      video_id: row.videoId,
      kind: row.kind,
      value: row.value,
      created_at: row.createdAt,
    }));
    statements.push(
      `INSERT INTO interactions (${columns.join(', ')}) SELECT column1, column2, column3, column4, column5 ` +
        `FROM (VALUES ${valuesList(columns, rows)}) AS seed WHERE NOT EXISTS (SELECT 1 FROM interactions AS existing ` +
        'WHERE existing.user_id = seed.column1 AND existing.created_at = seed.column5 ' +
        'AND existing.video_id = seed.column2 AND existing.kind = seed.column3);',
    );
  }
  return `${statements.join('\n')}\n`;
}

export const COUNTS_SQL =
  'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM videos) AS videos, ' +
  '(SELECT count(*) FROM video_tags) AS videoTags, (SELECT count(*) FROM interactions) AS interactions;';

export interface SeedCounts {
  users: number;
  videos: number;
  videoTags: number;
  interactions: number;
}

function toCounts(row: Record<string, unknown> | undefined): SeedCounts {
  return {
    users: Number(row?.users ?? 0),
    videos: Number(row?.videos ?? 0),
    videoTags: Number(row?.videoTags ?? 0),
    interactions: Number(row?.interactions ?? 0),
  };
}

export interface SeedResult {
  anchorMs: number;
  before: SeedCounts;
  after: SeedCounts;
}

const NO_ROWS: SeedCounts = { users: 0, videos: 0, videoTags: 0, interactions: 0 };

/**
 * Writes the seed into a database. Finds the anchor of an earlier seeding (so a re-run adds nothing), builds
 * the SQL and runs it as one file: wrangler applies a file atomically, so a failure leaves no half seed.
 * `knownEmpty` (the caller has just seen an empty users table) skips the look-up, one wrangler call less.
 */
export async function seedDatabase(target: D1Target, options: { anchorMs?: number; knownEmpty?: boolean } = {}): Promise<SeedResult> {
  let before = NO_ROWS;
  let anchorMs = options.anchorMs ?? startOfUtcDay(Date.now());
  if (!options.knownEmpty) {
    const [existing, counts] = await d1Execute(target, {
      command: `SELECT created_at FROM users WHERE id = ${sqlString(demoUserId('admin'))}; ${COUNTS_SQL}`,
    });
    before = toCounts(counts?.results[0]);
    const earlierCreatedAt = existing?.results[0]?.created_at;
    if (typeof earlierCreatedAt === 'number') anchorMs = earlierCreatedAt + SEED_ACCOUNT_AGE_MS;
  }

  let sql = await buildSeedSql({ anchorMs });
  // Locally the counts after the seed come back from the same file; a remote file import reports no rows.
  if (!target.remote) sql += `${COUNTS_SQL}\n`;
  const dir = await mkdtemp(join(tmpdir(), 'vibestream-seed-'));
  try {
    const file = join(dir, 'seed.sql');
    await writeFile(file, sql);
    const results = await d1Execute(target, { file });
    const after = target.remote ? toCounts((await d1Query(target, COUNTS_SQL))[0]) : toCounts(results.at(-1)?.results[0]);
    return { anchorMs, before, after };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeSeed(result: SeedResult): string {
  const line = (label: string, key: keyof SeedCounts): string =>
    `  ${label.padEnd(13)} ${String(result.after[key]).padStart(5)}  (+${result.after[key] - result.before[key]})`;
  return [
    `Demo data (anchored at ${new Date(result.anchorMs).toISOString()}):`,
    line('users', 'users'),
    line('videos', 'videos'),
    line('video tags', 'videoTags'),
    line('interactions', 'interactions'),
  ].join('\n');
}

export function describeDemoAccounts(): string {
  return DEMO_ACCOUNTS.map((account) => `  ${account.role.padEnd(8)} ${account.email.padEnd(27)} ${account.password}`).join('\n');
}

const USAGE = `Usage: npm run seed -- [--persist-to DIR] [--remote --force]

Fills the D1 database with demo accounts, ${DEMO_VIDEOS.length} videos and their viewing history. Re-running adds nothing.

  --persist-to DIR  local state directory (default .wrangler/state, the one \`npm run dev\` uses)
  --remote          the deployed database, through the Cloudflare account wrangler is logged in to
  --force           required with --remote: the demo passwords below are public

Demo accounts:
${describeDemoAccounts()}`;

async function main(): Promise<void> {
  const { values } = parseOrUsage(() =>
    parseArgs({
      options: { ...targetOptions, force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
      allowPositionals: false,
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = targetFrom(values);
  if (target.remote && !values.force) {
    throw new UsageError('seeding a deployed database creates accounts with published passwords; add --force if you mean it');
  }
  let result: SeedResult;
  try {
    result = await seedDatabase(target);
  } catch (error) {
    // A demo email already taken by an account with another id: that user row is skipped, its videos not.
    if (error instanceof D1CommandError && /FOREIGN KEY constraint failed/i.test(error.message)) {
      throw new CommandFailed(
        'a demo email belongs to an account the seed did not create, so its videos cannot be attached; ' +
          'seed an empty database (npm run dev -- --fresh) or remove that account',
      );
    }
    throw error;
  }
  console.log(describeSeed(result));
  console.log(`\nDemo accounts (role, email, password):\n${describeDemoAccounts()}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runCli(main, '(npm run seed -- --help lists the options)');
