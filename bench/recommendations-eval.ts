// `npm run eval:recs`: offline quality of the recommenders on seedable synthetic data with planted structure
// (bench/lib/recs-synthetic.ts) at MovieLens-100K size and 10× that, the time to recompute the neighbour lists,
// and the serving latency of GET /api/v1/recommendations on a local `wrangler dev` beside the hello route.
// Every recommendation here comes from the domain code the Worker runs (domain/recommendations: precompute,
// hybrid, p2p-rerank, diversity), so what is measured is what is served.
// Options: --seed N (default 7) --sizes 1x,10x --requests N (serving, default 300) --no-serving.
// Writes (or replaces) the "## Recommendations" section of bench/RESULTS.md; benchRecommendations() returns it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { issueToken } from '../src/domain/auth-tokens';
import { catalogueCoverage, creatorDiversity, ndcgAtK, precisionAtK, recallAtK } from '../src/domain/recommendations/evaluation';
import {
  type BlendWeights,
  blendCandidates,
  finalizeRecommendations,
  mergeTrending,
  NEIGHBOURS_PER_SEED,
  type ScoredCandidate,
  scoreCandidates,
  selectSeeds,
} from '../src/domain/recommendations/hybrid';
import { swarmHealthScore } from '../src/domain/recommendations/p2p-rerank';
import {
  collaborativeLists,
  contentLists,
  type SignalRecord,
  trendingLists,
  viewerCandidateLists,
  viewerCandidates,
} from '../src/domain/recommendations/precompute';
import { signalWeight } from '../src/domain/recommendations/signals';
import { GLOBAL_REGION, trendingByRegion } from '../src/domain/recommendations/trending';
import { startWranglerDev } from '../test/support/wrangler-dev';
import { fetchOnce, timeSequential } from './lib/load';
import { machineDescription } from './lib/machine';
import { generateSynthetic, holdOut, type SyntheticData, seededRandom } from './lib/recs-synthetic';
import { RESULTS_PATH, writeResultsSection } from './lib/results';
import { type SummaryRow, updateSummary } from './lib/summary';
import { d1File } from './queries';

const K = 10;
/** Why the uncached latency target is missed where it is, and what would close it (summary table note). */
const LATENCY_NOTE =
  'a request is one D1 round trip once the hourly job has stored the viewer’s candidate list (two before, three at first), but that one batch still ' +
  'reads about 400 rows through left joins (200 stored candidates, 100 history rows, regional and global trending, each with its listing and ' +
  'swarm facts), and local D1 answers through a Durable Object RPC on the loaded cores (the hello route alone is several ms at p95). ' +
  'Reading only the history since the last run and storing the candidates’ listing facts with them (re-checking only the status) would shrink ' +
  'it further; repeat requests are served from the isolate cache.';
export const RESULTS_TITLE = 'Recommendations';
const HOLD_OUT = 0.2;
const root = join(import.meta.dirname, '..');

export interface RecsBenchOptions {
  seed?: number;
  sizes?: ('1x' | '10x')[];
  /** Sequential requests per serving case (0 skips the serving benchmark). */
  requests?: number;
  log?: (line: string) => void;
}

interface ArmResult {
  name: string;
  precision: number;
  recall: number;
  ndcg: number;
  coverage: number;
  diversity: number;
}

interface SizeResult {
  label: string;
  users: number;
  items: number;
  interactions: number;
  evaluatedUsers: number;
  generateMs: number;
  collaborativeMs: number;
  contentMs: number;
  trendingMs: number;
  arms: ArmResult[];
  /** Share of hybrid lists whose order the P2P re-ranking changed. */
  p2pChangedShare: number;
}

const SIZES = {
  '1x': { users: 943, items: 1_682, interactions: 100_000, communities: 20 },
  '10x': { users: 9_430, items: 16_820, interactions: 1_000_000, communities: 60 },
} as const;

/** Synthetic swarm health: videos watched by many in a region have populated, mostly healthy swarms there. */
function syntheticHealth(train: readonly SignalRecord[], seed: number) {
  const random = seededRandom(seed);
  const viewers = new Map<string, number>();
  for (const signal of train)
    viewers.set(`${signal.videoId}|${signal.region}`, (viewers.get(`${signal.videoId}|${signal.region}`) ?? 0) + 1);
  const health = new Map<string, number>();
  for (const [key, count] of viewers) {
    // About one in ten past viewers is online and seeding at a given moment.
    const peers = Math.floor((count * random()) / 5);
    health.set(key, swarmHealthScore({ peers, offloadRatio: 0.3 + 0.65 * random(), quality: 55 + 40 * random() }));
  }
  return (videoId: string, region: string) => health.get(`${videoId}|${region}`) ?? 0;
}

function evaluateSize(label: string, size: (typeof SIZES)[keyof typeof SIZES], seed: number, log: (line: string) => void): SizeResult {
  const now = Date.UTC(2026, 0, 1);
  let t0 = performance.now();
  const data: SyntheticData = generateSynthetic({ ...size, seed, now });
  const generateMs = performance.now() - t0;
  const { train, test } = holdOut(data.signals, HOLD_OUT, seed + 1);
  const listed = new Set(data.videos.map((video) => video.id));
  const creatorOf = new Map(data.videos.map((video) => [video.id, video.creatorId]));
  log(
    `  ${label}: ${data.users.length} users, ${data.videos.length} videos, ${data.signals.length} interactions (generated in ${generateMs.toFixed(0)} ms)`,
  );

  t0 = performance.now();
  const collaborative = collaborativeLists(train, listed, now);
  const collaborativeMs = performance.now() - t0;
  t0 = performance.now();
  const content = contentLists(data.videos);
  const contentMs = performance.now() - t0;
  t0 = performance.now();
  const trending = trendingLists(train, listed, now);
  const trendingMs = performance.now() - t0;
  log(
    `  ${label}: neighbours recomputed: collaborative ${collaborativeMs.toFixed(0)} ms, content ${contentMs.toFixed(0)} ms, trending ${trendingMs.toFixed(0)} ms`,
  );

  // The popularity baseline ranks the whole catalogue (not only the 50 kept for serving) by the same decayed weight.
  const popularity =
    trendingByRegion(
      train.map((signal) => ({ videoId: signal.videoId, region: '', weight: signalWeight(signal, now) })),
      data.videos.length,
    ).get(GLOBAL_REGION) ?? [];
  const healthOf = syntheticHealth(train, seed + 2);
  const trainByUser = new Map<string, SignalRecord[]>();
  for (const signal of train) {
    const list = trainByUser.get(signal.userId) ?? [];
    list.push(signal);
    trainByUser.set(signal.userId, list);
  }

  const armNames = ['popularity', 'collaborative (item-kNN)', 'content (TF-IDF)', 'hybrid', 'hybrid + P2P re-rank'] as const;
  const lists: Record<string, string[][]> = Object.fromEntries(armNames.map((name) => [name, []]));
  const sums: Record<string, { p: number; r: number; n: number }> = Object.fromEntries(
    armNames.map((name) => [name, { p: 0, r: 0, n: 0 }]),
  );
  let evaluated = 0;
  let p2pChanged = 0;
  const listedOf = (id: string) => (listed.has(id) ? { creatorId: creatorOf.get(id) as string } : undefined);

  for (const user of data.users) {
    const relevant = new Set((test.get(user.id) ?? []).filter((signal) => signalWeight(signal, now) > 0).map((signal) => signal.videoId));
    if (relevant.size === 0) continue;
    evaluated++;
    const history = trainByUser.get(user.id) ?? [];
    // Offline protocol: every training item is excluded (the product keeps in-progress ones; see signals.ts isSeen).
    const exclude = new Set(history.map((signal) => signal.videoId));
    const seeds = selectSeeds(history.map((signal) => ({ videoId: signal.videoId, weight: signalWeight(signal, now), seen: true })));
    const score = (weights: BlendWeights): ScoredCandidate[] =>
      scoreCandidates({
        seeds,
        collaborative: (id) => collaborative.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
        content: (id) => content.get(id)?.slice(0, NEIGHBOURS_PER_SEED),
        trending: [],
        region: user.region,
        exclude,
        weights,
      });
    const ids = (items: { id: string }[]) => items.map((item) => item.id);

    const popular: string[] = [];
    for (const entry of popularity) {
      if (popular.length >= K) break;
      if (!exclude.has(entry.id)) popular.push(entry.id);
    }
    // The hybrid arms take the served route: the viewer's list as the hourly job stores it (precompute.ts
    // viewerCandidates), then the request-time blend with trending and the exclusions.
    const hybridScored = blendCandidates(viewerCandidates(history, { collaborative, content }, now), {
      trending: mergeTrending(trending.get(user.region) ?? [], trending.get(GLOBAL_REGION) ?? []),
      region: user.region,
      exclude,
    });
    const hybrid = ids(finalizeRecommendations(hybridScored, { limit: K, listed: listedOf }));
    const hybridP2p = ids(
      finalizeRecommendations(hybridScored, { limit: K, listed: listedOf, healthOf: (id) => healthOf(id, user.region) }),
    );
    if (hybrid.join() !== hybridP2p.join()) p2pChanged++;
    const results: Record<(typeof armNames)[number], string[]> = {
      popularity: popular,
      'collaborative (item-kNN)': ids(
        finalizeRecommendations(score({ collaborative: 1, content: 0, trending: 0 }), { limit: K, listed: listedOf }),
      ),
      'content (TF-IDF)': ids(
        finalizeRecommendations(score({ collaborative: 0, content: 1, trending: 0 }), { limit: K, listed: listedOf }),
      ),
      hybrid,
      'hybrid + P2P re-rank': hybridP2p,
    };
    for (const name of armNames) {
      const list = results[name];
      lists[name]?.push(list);
      const sum = sums[name] as { p: number; r: number; n: number };
      sum.p += precisionAtK(list, relevant, K);
      sum.r += recallAtK(list, relevant, K);
      sum.n += ndcgAtK(list, relevant, K);
    }
  }
  const arms = armNames.map((name) => {
    const sum = sums[name] as { p: number; r: number; n: number };
    return {
      name,
      precision: sum.p / evaluated,
      recall: sum.r / evaluated,
      ndcg: sum.n / evaluated,
      coverage: catalogueCoverage(lists[name] ?? [], data.videos.length),
      diversity: creatorDiversity(lists[name] ?? [], (id) => creatorOf.get(id) ?? ''),
    };
  });
  return {
    label,
    users: data.users.length,
    items: data.videos.length,
    interactions: data.signals.length,
    evaluatedUsers: evaluated,
    generateMs,
    collaborativeMs,
    contentMs,
    trendingMs,
    arms,
    p2pChangedShare: p2pChanged / evaluated,
  };
}

interface ServingResult {
  requests: number;
  helloBefore: { p50Ms: number; p95Ms: number };
  helloAfter: { p50Ms: number; p95Ms: number };
  miss: { p50Ms: number; p95Ms: number };
  context: { p50Ms: number; p95Ms: number };
  hit: { p50Ms: number; p95Ms: number };
  errors: number;
}

/**
 * Loads the 1× data set into the local D1 file of a fresh `wrangler dev`, with everything the hourly job writes
 * (the same domain functions: neighbours, trending, each viewer's candidate list), as after a deployment's run.
 */
function loadIntoD1(persistDir: string, data: SyntheticData, now: number) {
  const listed = new Set(data.videos.map((video) => video.id));
  const collaborative = collaborativeLists(data.signals, listed, now);
  const content = contentLists(data.videos);
  const trending = trendingLists(data.signals, listed, now);
  const viewerLists = viewerCandidateLists(data.signals, { collaborative, content }, now);
  const db = new Database(d1File(persistDir));
  db.pragma('journal_mode = WAL');
  const insertUser = db.prepare(
    `INSERT OR IGNORE INTO users (id, email, password_hash, display_name, role, created_at, updated_at) VALUES (?, ?, 'pbkdf2-sha256$1$AA==$AA==', ?, ?, ?, ?)`,
  );
  const insertVideo = db.prepare(
    `INSERT INTO videos (id, creator_id, title, description, tags, language, price_cents, currency, visibility, status, duration_seconds, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, 'USD', 'public', 'ready', 600, ?, ?)`,
  );
  const insertSignal = db.prepare(
    `INSERT INTO rec_signals (user_id, video_id, region, views, max_watch_fraction, completed, liked, purchased, followed, skipped, first_at, last_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertNeighbour = db.prepare(
    'INSERT INTO rec_neighbours (video_id, kind, neighbour_id, score, computed_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insertCandidate = db.prepare(
    `INSERT INTO rec_viewer_candidates (user_id, rank, video_id, collaborative, content, seed_id, contribution, computed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTrending = db.prepare('INSERT INTO rec_trending (region, video_id, score, viewers, computed_at) VALUES (?, ?, ?, ?, ?)');
  const insertHealth = db.prepare(
    'INSERT INTO rec_swarm_health (video_id, region, peers, offload_ratio, quality, computed_at) VALUES (?, ?, ?, 0.8, 85, ?)',
  );
  db.transaction(() => {
    for (const video of data.videos)
      insertUser.run(video.creatorId, `${video.creatorId}@bench.local`, video.creatorId, 'creator', now, now);
    for (const user of data.users) insertUser.run(user.id, `${user.id}@bench.local`, user.id, 'viewer', now, now);
    for (const video of data.videos) {
      insertVideo.run(video.id, video.creatorId, video.title, video.description, JSON.stringify(video.tags), video.language, now, now);
    }
    const b = (flag: boolean) => (flag ? 1 : 0);
    for (const s of data.signals) {
      insertSignal.run(
        s.userId,
        s.videoId,
        s.region,
        s.views,
        s.maxWatchFraction,
        b(s.completed),
        b(s.liked),
        b(s.purchased),
        b(s.followed),
        b(s.skipped),
        s.firstAt,
        s.lastAt,
      );
    }
    for (const [kind, lists] of [
      ['collaborative', collaborative],
      ['content', content],
    ] as const) {
      for (const [videoId, list] of lists) for (const n of list) insertNeighbour.run(videoId, kind, n.id, n.score, now);
    }
    for (const [region, list] of trending) for (const e of list) insertTrending.run(region, e.id, e.score, e.viewers, now);
    for (const [userId, list] of viewerLists) {
      for (const [rank, c] of list.entries())
        insertCandidate.run(userId, rank, c.id, c.collaborative, c.content, c.seedId, c.contribution, now);
    }
    for (const [index, video] of data.videos.entries()) if (index % 3 === 0) insertHealth.run(video.id, 'US', 1 + (index % 9), now);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function benchServing(data: SyntheticData, requests: number, log: (line: string) => void): Promise<ServingResult> {
  if (!existsSync(join(root, 'web', 'dist', 'index.html'))) {
    log('  building web/ (wrangler dev serves it)…');
    execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit' });
  }
  const secret = 'recommendations-bench-secret-0123456789abcdef0123456789';
  const now = Date.now();
  const server = await startWranglerDev({
    cwd: root,
    vars: { JWT_SECRET: secret, LOG_LEVEL: 'error' },
    startTimeoutMs: 180_000,
    beforeStart: async (dir) => loadIntoD1(dir, data, now),
  });
  try {
    const tokens = await Promise.all(
      data.users
        .slice(0, requests)
        .map(async (user) => (await issueToken('access', { userId: user.id, role: 'viewer' }, secret, 3600)).token),
    );
    let errors = 0;
    const get = async (path: string, token?: string) => {
      const response = await fetchOnce(`${server.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : undefined);
      await response.arrayBuffer();
      if (response.status !== 200) errors++;
    };
    // Warm-up: the first requests compile code and open the database.
    for (let i = 0; i < 20; i++) await get('/api/v1/ping');
    await get('/api/v1/recommendations?limit=10', tokens[0]);
    const helloBefore = await timeSequential(requests, () => get('/api/v1/ping'));
    // Each request a different viewer: no cached answer helps.
    const miss = await timeSequential(tokens.length - 1, (i) => get('/api/v1/recommendations?limit=10', tokens[i + 1]));
    const context = await timeSequential(tokens.length, (i) =>
      get(`/api/v1/recommendations?limit=10&context=${data.videos[i % data.videos.length]?.id}`, tokens[i]),
    );
    // The same viewer again within 30 s: the isolate's cache answers.
    const hit = await timeSequential(requests, () => get('/api/v1/recommendations?limit=10', tokens[1]));
    const helloAfter = await timeSequential(requests, () => get('/api/v1/ping'));
    return { requests, helloBefore, helloAfter, miss, context, hit, errors };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, digits = 3) => n.toFixed(digits);
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function markdown(sizes: SizeResult[], serving: ServingResult | null, seed: number): string {
  const lines = [
    `## ${RESULTS_TITLE}`,
    '',
    `Machine: ${machineDescription()}, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(
        ' / ',
      )} at the end. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Command: \`npm run eval:recs -- --seed ${seed}\`.`,
    '',
    `Synthetic data (bench/lib/recs-synthetic.ts, seed ${seed}) with planted taste communities, creators, tags, regions and Zipf popularity;`,
    `20 % of each viewer's interactions held out (relevant = held-out videos with a positive signal), all training videos excluded from the lists,`,
    `top ${K}. Every arm but the popularity baseline runs the served pipeline (hybrid.ts: blend → P2P re-rank → MMR with at most two per creator).`,
    'Context from the literature (MovieLens-100K, not this data): item-kNN P@10 ≈ 0.29–0.33, NDCG@10 ≈ 0.35–0.40; popularity ≈ 0.19 / 0.22.',
    '',
  ];
  for (const size of sizes) {
    const popularity = size.arms[0] as ArmResult;
    const hybrid = size.arms.find((arm) => arm.name === 'hybrid') as ArmResult;
    const ratio = hybrid.ndcg / popularity.ndcg;
    lines.push(
      `### ${size.label}: ${size.users.toLocaleString('en-US')} viewers, ${size.items.toLocaleString('en-US')} videos, ${size.interactions.toLocaleString('en-US')} interactions (${size.evaluatedUsers.toLocaleString('en-US')} viewers evaluated)`,
      '',
      '| algorithm | P@10 | R@10 | NDCG@10 | NDCG vs popularity | coverage | creator diversity |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...size.arms.map(
        (arm) =>
          `| ${arm.name} | ${fmt(arm.precision)} | ${fmt(arm.recall)} | ${fmt(arm.ndcg)} | ${(arm.ndcg / popularity.ndcg).toFixed(2)}× | ${fmt(arm.coverage)} | ${fmt(arm.diversity)} |`,
      ),
      '',
      `Target hybrid NDCG@10 ≥ 1.5× popularity: ${ratio.toFixed(2)}× — ${ratio >= 1.5 ? 'met' : '**missed**'}. ` +
        `The P2P re-ranking changed the order of ${(100 * size.p2pChangedShare).toFixed(0)} % of the hybrid lists.`,
      '',
      `Recompute (Node, one core): collaborative neighbours ${ms(size.collaborativeMs)} ms, content neighbours ${ms(size.contentMs)} ms, trending ${ms(size.trendingMs)} ms.`,
      '',
    );
  }
  if (serving) {
    const hello = (serving.helloBefore.p95Ms + serving.helloAfter.p95Ms) / 2;
    const helloP50 = (serving.helloBefore.p50Ms + serving.helloAfter.p50Ms) / 2;
    lines.push(
      '### Serving latency on `wrangler dev`',
      '',
      `The ${SIZES['1x'].users}-viewer data set and its precomputed lists loaded into the local D1; ${serving.requests} sequential requests per case, one client; ` +
        `hello = \`GET /api/v1/ping\` (mean of a run before and after). Errors: ${serving.errors}.`,
      '',
      '| route | p50 ms | p95 ms | p95 ratio to hello | target p95 < 20 ms |',
      '| --- | ---: | ---: | ---: | --- |',
      `| hello | ${ms(helloP50)} | ${ms(hello)} | 1.00 | |`,
      ...(
        [
          ['GET /recommendations?limit=10, a different viewer each time (no cache)', serving.miss],
          ['GET /recommendations?limit=10&context=…, a different viewer each time', serving.context],
          ['GET /recommendations?limit=10, same viewer again (isolate cache)', serving.hit],
        ] as const
      ).map(
        ([name, result]) =>
          `| ${name} | ${ms(result.p50Ms)} | ${ms(result.p95Ms)} | ${(result.p95Ms / hello).toFixed(2)} | ${result.p95Ms < 20 ? 'met' : '**missed**'} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

export interface RecsBenchResult {
  markdown: string;
  /** Hybrid NDCG@10 / popularity NDCG@10 per evaluated size. */
  ndcgRatios: { label: string; ratio: number }[];
  serving: { missP95Ms: number; contextP95Ms: number; hitP95Ms: number; helloP95Ms: number } | null;
}

export async function benchRecommendations(options: RecsBenchOptions = {}): Promise<RecsBenchResult> {
  const seed = options.seed ?? 7;
  const log = options.log ?? console.log;
  const sizes: SizeResult[] = [];
  for (const label of options.sizes ?? ['1x', '10x']) {
    log(`evaluating ${label}…`);
    sizes.push(evaluateSize(label === '1x' ? 'MovieLens-100K size' : '10× MovieLens-100K size', SIZES[label], seed, log));
  }
  let serving: ServingResult | null = null;
  if ((options.requests ?? 300) > 0) {
    log('serving latency on wrangler dev…');
    const data = generateSynthetic({ ...SIZES['1x'], seed, now: Date.now() });
    serving = await benchServing(data, Math.min(options.requests ?? 300, data.users.length - 1), log);
  }
  return {
    markdown: markdown(sizes, serving, seed),
    ndcgRatios: sizes.map((size) => ({
      label: size.label,
      ratio: (size.arms.find((arm) => arm.name === 'hybrid') as ArmResult).ndcg / (size.arms[0] as ArmResult).ndcg,
    })),
    serving: serving && {
      missP95Ms: serving.miss.p95Ms,
      contextP95Ms: serving.context.p95Ms,
      hitP95Ms: serving.hit.p95Ms,
      helloP95Ms: (serving.helloBefore.p95Ms + serving.helloAfter.p95Ms) / 2,
    },
  };
}

const oneDecimal = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The rows of bench/RESULTS.md's summary table this benchmark measures (bench/lib/summary.ts). */
export function recsSummaryRows(recs: RecsBenchResult): Omit<SummaryRow, 'date' | 'load'>[] {
  const rows: Omit<SummaryRow, 'date' | 'load'>[] = recs.ndcgRatios.map(({ label, ratio }) => ({
    key: `recs:ndcg:${label}`,
    benchmark: `Recommendations quality, ${label}`,
    target: 'hybrid NDCG@10 ≥ 1.5× popularity',
    measured: `${oneDecimal(ratio, 2)}×`,
    met: ratio >= 1.5,
    command: `npm run eval:recs -- --sizes ${label.startsWith('10') ? '10x' : '1x'}`,
  }));
  if (recs.serving) {
    const { missP95Ms, helloP95Ms, hitP95Ms, contextP95Ms } = recs.serving;
    rows.push({
      key: 'recs:latency',
      benchmark: 'Recommendations serving latency, uncached (a different viewer each request)',
      target: 'p95 < 20 ms',
      measured:
        `p95 ${oneDecimal(missP95Ms, 0)} ms (${oneDecimal(missP95Ms / helloP95Ms)}× the hello route's ${oneDecimal(helloP95Ms)} ms); ` +
        `with context p95 ${oneDecimal(contextP95Ms, 0)} ms; isolate-cache hit p95 ${oneDecimal(hitP95Ms)} ms`,
      met: missP95Ms < 20,
      command: 'npm run eval:recs -- --sizes none --requests 300',
      note: LATENCY_NOTE,
    });
  }
  return rows;
}

/**
 * Keeps the subsections ("### …") of the section already in RESULTS.md that this run did not measure (a size,
 * or the serving latency), so `--sizes none` and `--no-serving` runs add to each other.
 */
function mergeWithPrevious(section: string, previous: string | null): string {
  if (!previous) return section;
  const split = (text: string) => {
    const parts = text.split(/\n(?=### )/);
    const head = parts.shift() ?? '';
    return {
      head,
      subsections: new Map(
        // Keyed by the heading up to its first colon: "### 10× MovieLens-100K size", "### Serving latency on …".
        parts.map((part) => [(part.split('\n')[0] ?? '').split(':')[0] ?? '', part.trim()]),
      ),
    };
  };
  const fresh = split(section);
  const old = split(previous);
  const keys = [...new Set([...old.subsections.keys(), ...fresh.subsections.keys()])];
  return [fresh.head.trim(), ...keys.map((key) => fresh.subsections.get(key) ?? old.subsections.get(key))].join('\n\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '7' },
      sizes: { type: 'string', default: '1x,10x' },
      requests: { type: 'string', default: '300' },
      'no-serving': { type: 'boolean', default: false },
    },
  });
  const recs = await benchRecommendations({
    seed: Number(values.seed),
    sizes: (values.sizes ?? '1x,10x').split(',').filter((size): size is '1x' | '10x' => size === '1x' || size === '10x'),
    requests: values['no-serving'] ? 0 : Number(values.requests),
  });
  console.log(`\n${recs.markdown}`);
  const document = existsSync(RESULTS_PATH) ? await readFile(RESULTS_PATH, 'utf8') : '';
  const previous = document.split(/\n(?=## )/).find((part) => part.startsWith(`## ${RESULTS_TITLE}\n`)) ?? null;
  const section = mergeWithPrevious(recs.markdown, previous);
  await writeResultsSection(RESULTS_TITLE, section.slice(`## ${RESULTS_TITLE}`.length));
  const stamp = { date: new Date().toISOString().slice(0, 16).replace('T', ' '), load: `load ${loadavg()[0]?.toFixed(1)}` };
  await updateSummary(recsSummaryRows(recs).map((row) => ({ ...row, ...stamp })));
  console.log('written to bench/RESULTS.md (section and summary rows)');
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
