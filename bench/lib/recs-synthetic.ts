// Seedable synthetic viewing data with planted structure, for the recommendation evaluation. MovieLens-100K is
// not shipped here (and its licence forbids redistribution), so the harness builds a data set of the same shape
// (943 viewers, 1,682 videos, 100,000 interactions, ≥ 20 per viewer, heavy-tailed activity and popularity) whose
// ground truth is known:
//   - taste communities: each video belongs to one; each viewer has a main and often a second one, and draws most
//     of their videos from them — what collaborative filtering can find;
//   - creators belong to a community and their videos share its tags and title words — what content can find;
//   - popularity skew: Zipf-like weights within and across communities — what the popularity baseline finds;
//   - regions: communities lean to a region — what "popular near you" and swarm health work with.
// Engagement (watch share, completion, like, purchase, skip) is higher inside a viewer's tastes.
import type { ContentItem } from '../../src/domain/recommendations/content';
import type { SignalRecord } from '../../src/domain/recommendations/precompute';
import { emptySignal, foldInteraction, type Interaction } from '../../src/domain/recommendations/signals';

export interface SyntheticOptions {
  users: number;
  items: number;
  interactions: number;
  communities: number;
  seed: number;
  now: number;
}

export interface SyntheticData {
  videos: (ContentItem & { community: number; popularity: number })[];
  users: { id: string; region: string; communities: number[] }[];
  signals: SignalRecord[];
  regions: string[];
}

/** mulberry32: small, fast, good enough for simulation, and identical on every machine for a seed. */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ['US', 'DE', 'BR', 'IN', 'JP', 'FR', 'NG', 'GB'];
const LANGUAGE_OF_REGION: Record<string, string> = { US: 'en', DE: 'de', BR: 'pt', IN: 'en', JP: 'ja', FR: 'fr', NG: 'en', GB: 'en' };
const DAY = 86_400_000;

function syllableWord(random: () => number): string {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  let word = '';
  for (let i = 0; i < 2 + Math.floor(random() * 2); i++) {
    word += consonants.charAt(Math.floor(random() * consonants.length)) + vowels.charAt(Math.floor(random() * vowels.length));
  }
  return word;
}

/** Cumulative weights for sampling by binary search. */
class Sampler {
  private readonly cumulative: Float64Array;
  constructor(
    readonly ids: number[],
    weights: number[],
  ) {
    this.cumulative = new Float64Array(ids.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
  }
  sample(random: () => number): number {
    const total = this.cumulative[this.cumulative.length - 1] ?? 0;
    const target = random() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return this.ids[lo] as number;
  }
}

export function generateSynthetic(options: SyntheticOptions): SyntheticData {
  const random = seededRandom(options.seed);
  const { communities } = options;
  const globalWords = Array.from({ length: 300 }, () => syllableWord(random));
  const globalTags = Array.from({ length: 30 }, (_, i) => `genre${i}`);
  const communityWords = Array.from({ length: communities }, () => Array.from({ length: 12 }, () => syllableWord(random)));
  const communityTags = Array.from({ length: communities }, (_, c) => Array.from({ length: 6 }, (_, k) => `c${c}t${k}`));
  const communityRegion = Array.from({ length: communities }, (_, c) => REGIONS[c % REGIONS.length] as string);
  const creatorsPerCommunity = Math.max(2, Math.round(options.items / 6 / communities));

  // Popularity: Zipf-like over a random permutation of the catalogue (exponent 0.9).
  const order = Array.from({ length: options.items }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    // Fisher–Yates.
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const popularity = new Array<number>(options.items);
  order.forEach((item, rank) => {
    popularity[item] = 1 / (rank + 1) ** 0.9;
  });
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;

  const videos = Array.from({ length: options.items }, (_, i) => {
    const community = Math.floor(random() * communities);
    const creator = `usr_c${community}k${Math.floor(random() * creatorsPerCommunity)}`;
    const words = communityWords[community] as string[];
    const tags = [...new Set([pick(communityTags[community] as string[]), pick(communityTags[community] as string[]), pick(globalTags)])];
    const region = communityRegion[community] as string;
    return {
      id: `vid_synth${String(i).padStart(6, '0')}`,
      title: `${pick(words)} ${pick(words)} ${pick(globalWords)}`,
      description: Array.from({ length: 8 }, () => (random() < 0.5 ? pick(words) : pick(globalWords))).join(' '),
      tags,
      language: random() < 0.7 ? (LANGUAGE_OF_REGION[region] as string) : 'en',
      creatorId: creator,
      community,
      popularity: popularity[i] as number,
    };
  });

  const byCommunity = Array.from({ length: communities }, () => [] as number[]);
  videos.forEach((video, i) => {
    byCommunity[video.community]?.push(i);
  });
  const communitySamplers = byCommunity.map(
    (ids) =>
      new Sampler(
        ids,
        ids.map((i) => popularity[i] as number),
      ),
  );
  const globalSampler = new Sampler(
    videos.map((_, i) => i),
    popularity,
  );

  // Activity: ≥ 20 per viewer (as MovieLens), log-normal tail, scaled to the requested total, capped at a third
  // of the catalogue.
  const raw = Array.from({ length: options.users }, () => Math.exp(1.1 * gaussian(random)));
  const rawSum = raw.reduce((a, b) => a + b, 0);
  const extra = Math.max(0, options.interactions - 20 * options.users);
  const cap = Math.floor(options.items / 3);
  const counts = raw.map((r) => Math.min(cap, 20 + Math.round((r / rawSum) * extra)));

  const users: SyntheticData['users'] = [];
  const signals: SignalRecord[] = [];
  for (let u = 0; u < options.users; u++) {
    const main = Math.floor(random() * communities);
    const second = random() < 0.5 ? Math.floor(random() * communities) : main;
    const region = random() < 0.8 ? (communityRegion[main] as string) : pick(REGIONS);
    const id = `usr_synth${String(u).padStart(6, '0')}`;
    users.push({ id, region, communities: [...new Set([main, second])] });
    const chosen = new Set<number>();
    const want = counts[u] as number;
    for (let tries = 0; chosen.size < want && tries < want * 5; tries++) {
      const draw = random();
      const sampler = draw < 0.6 ? communitySamplers[main] : draw < 0.8 ? communitySamplers[second] : globalSampler;
      chosen.add((sampler as Sampler).sample(random));
    }
    // Very active viewers exhaust their communities: the rest of their history is the long tail.
    while (chosen.size < want) chosen.add(Math.floor(random() * options.items));
    for (const item of chosen) {
      const video = videos[item] as (typeof videos)[number];
      const inTaste = video.community === main || video.community === second;
      const at = options.now - Math.floor(random() * 120 * DAY);
      const interactions: Interaction[] = [{ kind: 'view', watchFraction: inTaste ? 0.5 + 0.5 * random() : 0.6 * random(), at }];
      if (random() < (inTaste ? 0.6 : 0.15)) interactions.push({ kind: 'complete', at });
      if (random() < (inTaste ? 0.3 : 0.05)) interactions.push({ kind: 'like', at });
      if (random() < 0.05) interactions.push({ kind: 'purchase', at });
      if (!inTaste && random() < 0.3) interactions.push({ kind: 'skip', at });
      if (random() < 0.2) interactions.push({ kind: 'view', watchFraction: random(), at });
      const summary = interactions.reduce(foldInteraction, emptySignal(at));
      signals.push({ userId: id, videoId: video.id, region, ...summary });
    }
  }
  return { videos, users, signals, regions: REGIONS };
}

function gaussian(random: () => number): number {
  // Box–Muller.
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Holds out `share` of each viewer's interactions (at random, seeded) as the test set. */
export function holdOut(signals: readonly SignalRecord[], share: number, seed: number) {
  const random = seededRandom(seed);
  const byUser = new Map<string, SignalRecord[]>();
  for (const signal of signals) {
    const list = byUser.get(signal.userId) ?? [];
    list.push(signal);
    byUser.set(signal.userId, list);
  }
  const train: SignalRecord[] = [];
  const test = new Map<string, SignalRecord[]>();
  for (const [userId, list] of byUser) {
    const shuffled = list.map((signal) => ({ signal, key: random() })).sort((a, b) => a.key - b.key);
    const cut = Math.round(shuffled.length * (1 - share));
    shuffled.forEach(({ signal }, index) => {
      if (index < cut) train.push(signal);
      else {
        const held = test.get(userId) ?? [];
        held.push(signal);
        test.set(userId, held);
      }
    });
  }
  return { train, test };
}
