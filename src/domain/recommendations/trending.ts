// Trending: what viewers in a region cared about lately. Each viewer counts once per video with their decayed
// signal weight (signals.ts), so one binge-watcher cannot make a video trend. Regions are ISO 3166 countries
// (request.cf.country); GLOBAL_REGION ranks everyone. New viewers get this list (cold start).
import { type Scored, TopK } from './top-k';

export const GLOBAL_REGION = '';

export interface RegionalSignal {
  videoId: string;
  /** ISO 3166 alpha-2, or '' when unknown. */
  region: string;
  /** Decayed signal weight (≥ 0). */
  weight: number;
}

export interface TrendingEntry extends Scored {
  viewers: number;
}

export function trendingByRegion(signals: Iterable<RegionalSignal>, perRegion = 50): Map<string, TrendingEntry[]> {
  const totals = new Map<string, Map<string, { score: number; viewers: number }>>();
  const add = (region: string, videoId: string, weight: number) => {
    let videos = totals.get(region);
    if (!videos) {
      videos = new Map();
      totals.set(region, videos);
    }
    const entry = videos.get(videoId) ?? { score: 0, viewers: 0 };
    entry.score += weight;
    entry.viewers += 1;
    videos.set(videoId, entry);
  };
  for (const { videoId, region, weight } of signals) {
    if (!(weight > 0)) continue;
    add(GLOBAL_REGION, videoId, weight);
    if (region) add(region, videoId, weight);
  }
  const result = new Map<string, TrendingEntry[]>();
  for (const [region, videos] of totals) {
    const best = new TopK(perRegion);
    for (const [videoId, { score }] of videos) best.push(videoId, score);
    result.set(
      region,
      best.sorted().map((entry) => ({ ...entry, viewers: videos.get(entry.id)?.viewers ?? 0 })),
    );
  }
  return result;
}
