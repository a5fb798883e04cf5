// The hourly recommendation precomputation (cron `0 * * * *`, workers/scheduled.ts): read the recent signals and
// the listed catalog from D1, run the pure precomputation (domain/recommendations/precompute.ts), and replace the
// neighbour, trending, swarm-health and per-viewer candidate tables in place. Nothing of this runs on the request path.
import { openDatabase } from '../../adapters/db/client';
import {
  catalogPage,
  replaceNeighbours,
  replaceSwarmHealth,
  replaceTrending,
  replaceViewerCandidates,
  signalsPage,
  swarmHealthFromAnalytics,
  toSummary,
} from '../../adapters/db/recommendations-repo';
import type { ContentItem } from '../../domain/recommendations/content';
import {
  collaborativeLists,
  contentLists,
  type SignalRecord,
  trendingLists,
  viewerCandidateLists,
} from '../../domain/recommendations/precompute';
import type { Env } from '../../env';

const DAY_MS = 86_400_000;
/** Signals older than this weigh < 2 % (six 30-day half-lives) and are left out. */
export const SIGNAL_WINDOW_MS = 180 * DAY_MS;
/** Swarm health looks at the peer sessions of the last day. */
export const SWARM_WINDOW_MS = DAY_MS;
// Upper bounds that keep one run inside a scheduled invocation's CPU and memory; beyond them the newest
// signals and the first videos in id order are used (raise with care, or shard by region).
const MAX_SIGNALS = 300_000;
const MAX_CATALOG = 50_000;
const PAGE = 5_000;

export interface PrecomputeResult {
  signals: number;
  videos: number;
  collaborativeRows: number;
  contentRows: number;
  trendingRows: number;
  swarmHealthRows: number;
  viewerCandidateRows: number;
}

export async function precomputeRecommendations(env: Pick<Env, 'DB'>, now: number): Promise<PrecomputeResult> {
  const db = openDatabase(env.DB);
  const catalog: ContentItem[] = [];
  for (let after: string | null = null; catalog.length < MAX_CATALOG; ) {
    const page = await catalogPage(db, after, PAGE);
    catalog.push(...page);
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.id ?? null;
  }
  const listed = new Set(catalog.map((video) => video.id));

  const signals: SignalRecord[] = [];
  for (let after: [string, string] | null = null; signals.length < MAX_SIGNALS; ) {
    const page = await signalsPage(db, now - SIGNAL_WINDOW_MS, after, PAGE);
    for (const row of page) signals.push({ userId: row.userId, videoId: row.videoId, region: row.region, ...toSummary(row) });
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = [last.userId, last.videoId];
  }

  const health = (await swarmHealthFromAnalytics(db, now - SWARM_WINDOW_MS)).map((row) => {
    const bytes = (row.bytesFromPeers ?? 0) + (row.bytesFromHttp ?? 0);
    return {
      videoId: row.videoId as string,
      region: row.region as string,
      peers: row.peers,
      offloadRatio: bytes > 0 ? (row.bytesFromPeers ?? 0) / bytes : null,
      quality: row.quality ?? null,
    };
  });

  const collaborative = collaborativeLists(signals, listed, now);
  const content = contentLists(catalog);
  return {
    signals: signals.length,
    videos: catalog.length,
    collaborativeRows: await replaceNeighbours(db, 'collaborative', collaborative, now),
    contentRows: await replaceNeighbours(db, 'content', content, now),
    trendingRows: await replaceTrending(db, trendingLists(signals, listed, now), now),
    swarmHealthRows: await replaceSwarmHealth(db, health, now),
    // Last: each viewer's candidates from the neighbour lists just written, so a request reads one list.
    viewerCandidateRows: await replaceViewerCandidates(db, viewerCandidateLists(signals, { collaborative, content }, now), now),
  };
}
