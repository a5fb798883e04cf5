// The demo accounts and catalog that `npm run seed` (and `npm run dev` on an empty database) writes; `npm run
// dev` then uploads each video's demo clip through the API (lib/demo-media.ts).
// The passwords are public on purpose — this data is for a local machine only; never seed a deployed
// database with it.
import type { Role } from '../../src/domain/roles';
import { type DemoClip, demoClipDurationSeconds, demoClipFor } from './demo-clips';

export interface DemoAccount {
  /** Stable key; the user id is derived from it, so ids survive edits to the rest of this file. */
  key: string;
  email: string;
  password: string;
  role: Role;
  displayName: string;
  /** BCP 47 languages the account watches in; shapes its interactions. */
  languages: readonly string[];
  /** Tags the account prefers; shapes its interactions. */
  interests: readonly string[];
  /** How many viewing sessions the seed simulates for it. */
  sessions: number;
}

export const DEMO_PASSWORDS = {
  admin: 'vibestream-admin',
  creator: 'vibestream-creator',
  viewer: 'vibestream-viewer',
} as const satisfies Record<Role, string>;

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    key: 'admin',
    email: 'admin@vibestream.local',
    password: DEMO_PASSWORDS.admin,
    role: 'admin',
    displayName: 'VibeStream Admin',
    languages: ['en'],
    interests: [],
    sessions: 0,
  },
  {
    key: 'creator1',
    email: 'creator1@vibestream.local',
    password: DEMO_PASSWORDS.creator,
    role: 'creator',
    displayName: 'Maya Okafor',
    languages: ['en', 'pt-BR'],
    interests: ['music', 'filmmaking'],
    sessions: 18,
  },
  {
    key: 'creator2',
    email: 'creator2@vibestream.local',
    password: DEMO_PASSWORDS.creator,
    role: 'creator',
    displayName: 'Lukas Brandt',
    languages: ['en', 'de'],
    interests: ['cooking', 'travel'],
    sessions: 18,
  },
  {
    key: 'viewer1',
    email: 'viewer1@vibestream.local',
    password: DEMO_PASSWORDS.viewer,
    role: 'viewer',
    displayName: 'Priya Raman',
    languages: ['en', 'pt-BR'],
    interests: ['cooking', 'travel', 'baking'],
    sessions: 110,
  },
  {
    key: 'viewer2',
    email: 'viewer2@vibestream.local',
    password: DEMO_PASSWORDS.viewer,
    role: 'viewer',
    displayName: 'Tom Becker',
    languages: ['en', 'de'],
    interests: ['tutorial', 'webrtc', 'programming', 'music'],
    sessions: 100,
  },
  {
    key: 'viewer3',
    email: 'viewer3@vibestream.local',
    password: DEMO_PASSWORDS.viewer,
    role: 'viewer',
    displayName: 'Lucía Fernández',
    languages: ['en', 'es', 'fr'],
    interests: ['music', 'travel', 'streaming'],
    sessions: 90,
  },
];

export interface DemoVideo {
  key: string;
  /** `key` of the creating account. */
  creator: string;
  title: string;
  description: string;
  tags: readonly string[];
  language: string;
  /** Buying it (0: free). Paid videos are also rented, for `rentalCents` and DEMO_RENTAL_HOURS. */
  priceCents: number;
  rentalCents?: number;
  visibility: 'public' | 'unlisted' | 'private';
  /** How many days before the seed anchor it was published. */
  ageDays: number;
}

/** A demo video with the media it plays: one of the committed demo clips, taken in turn (lib/demo-clips.ts). */
export interface DemoVideoWithMedia extends DemoVideo {
  clip: DemoClip;
  /** The clip's playable length, read from its manifest: what publishing its package sets anyway. */
  durationSeconds: number;
}

/** How long a demo rental lasts. */
export const DEMO_RENTAL_HOURS = 48;

// Currency is the schema default (USD) for every demo video.
const DEMO_CATALOG: readonly DemoVideo[] = [
  {
    key: 'lagos-street-food',
    creator: 'creator1',
    title: 'Street Food Tour of Lagos: Suya, Puff-Puff and Jollof',
    description:
      'A night walk through Lagos Island with three vendors who have cooked on the same corner for decades. Prices, spice levels and where to sit.',
    tags: ['food', 'travel', 'nigeria', 'street-food'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 84,
  },
  {
    key: 'sourdough-24h',
    creator: 'creator1',
    title: 'Perfect Sourdough in 24 Hours (Beginner Friendly)',
    description:
      'From a fed starter to an open crumb: feeding schedule, stretch-and-folds, cold retard and a Dutch-oven bake, with the timings written on screen.',
    tags: ['baking', 'sourdough', 'cooking'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 77,
  },
  {
    key: 'lisbon-3-days',
    creator: 'creator1',
    title: 'Lisbon in 3 Days: Trams, Tascas and Miradouros',
    description: 'Tram 28 without the queue, the viewpoints locals use, and five tascas where lunch costs less than a museum ticket.',
    tags: ['travel', 'portugal', 'city-guide'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 70,
  },
  {
    key: 'pao-de-queijo',
    creator: 'creator1',
    title: 'Receita de Pão de Queijo Mineiro',
    description: 'O pão de queijo da minha avó: polvilho azedo e doce, queijo canastra e o ponto certo da massa. Rende 30 unidades.',
    tags: ['cooking', 'brazil', 'baking'],
    language: 'pt-BR',
    priceCents: 0,
    visibility: 'public',
    ageDays: 63,
  },
  {
    key: 'knife-skills',
    creator: 'creator1',
    title: 'Masterclass: Knife Skills for Home Cooks',
    description:
      'Grip, stance and the six cuts every recipe assumes you know. Includes sharpening on a whetstone and a 20-minute practice routine.',
    tags: ['cooking', 'technique', 'masterclass'],
    language: 'en',
    priceCents: 499,
    rentalCents: 199,
    visibility: 'public',
    ageDays: 56,
  },
  {
    key: 'tacos-al-pastor',
    creator: 'creator1',
    title: 'Tacos al Pastor en Casa',
    description: 'Adobo de chiles guajillo y achiote, trompo casero en el horno y tortillas de maíz recién hechas. Sin equipo especial.',
    tags: ['cooking', 'mexico', 'tacos'],
    language: 'es',
    priceCents: 0,
    visibility: 'public',
    ageDays: 49,
  },
  {
    key: 'vienna-venice-night-train',
    creator: 'creator1',
    title: 'Night Train from Vienna to Venice',
    description:
      'Fourteen hours in a couchette across the Alps: what the sleeper costs, what breakfast looks like and whether you actually sleep.',
    tags: ['travel', 'trains', 'italy', 'austria'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 41,
  },
  {
    key: 'fermentation-basics',
    creator: 'creator1',
    title: 'Fermentation Basics: Kimchi, Sauerkraut and Kombucha',
    description: 'Salt ratios, temperatures and how to tell good funk from bad. Three jars, three weeks, one fridge shelf.',
    tags: ['fermentation', 'cooking', 'health'],
    language: 'en',
    priceCents: 299,
    rentalCents: 149,
    visibility: 'public',
    ageDays: 33,
  },
  {
    key: 'one-bag-travel',
    creator: 'creator1',
    title: 'Packing Light: One Bag for Two Weeks',
    description: 'A 28-litre backpack, a laundry plan and the five items I stopped bringing. Full packing list in the description.',
    tags: ['travel', 'packing', 'tips'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 24,
  },
  {
    key: 'tonkotsu-ramen',
    creator: 'creator1',
    title: '豚骨ラーメンを一から作る',
    description: '豚骨スープを12時間炊いて、かえし、香味油、チャーシュー、麺まで全部手作り。家庭のコンロでできる方法です。',
    tags: ['cooking', 'ramen', 'japan'],
    language: 'ja',
    priceCents: 0,
    visibility: 'public',
    ageDays: 15,
  },
  {
    key: 'food-doc-bts',
    creator: 'creator1',
    title: 'Behind the Scenes: Filming a Food Doc on a Budget',
    description: 'Two cameras, one microphone and a borrowed kitchen. Shared with patrons before the documentary comes out.',
    tags: ['filmmaking', 'behind-the-scenes'],
    language: 'en',
    priceCents: 0,
    visibility: 'unlisted',
    ageDays: 9,
  },
  {
    key: 'lagos-raw-footage',
    creator: 'creator1',
    title: 'Lagos Trip Raw Footage (Draft Cut)',
    description: 'Unedited selects for the Lagos episode. Not for publishing.',
    tags: ['travel', 'raw-footage'],
    language: 'en',
    priceCents: 0,
    visibility: 'private',
    ageDays: 4,
  },
  {
    key: 'webrtc-explained',
    creator: 'creator2',
    title: 'WebRTC Explained: ICE, STUN and TURN in 15 Minutes',
    description:
      'Why two browsers cannot simply connect, what candidates are, when a TURN relay is unavoidable, and how to read chrome://webrtc-internals.',
    tags: ['webrtc', 'networking', 'tutorial'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 88,
  },
  {
    key: 'p2p-hls-player',
    creator: 'creator2',
    title: 'Building a P2P Video Player with HLS',
    description:
      'hls.js plus a peer-to-peer segment loader: trackers, swarms, verifying segments peers send you, and measuring how much traffic the CDN saved.',
    tags: ['p2p', 'hls', 'javascript', 'tutorial'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 80,
  },
  {
    key: 'workers-from-zero',
    creator: 'creator2',
    title: 'Cloudflare Workers from Zero',
    description: 'A first Worker, routing with Hono, D1 for data and Durable Objects for state, deployed in under half an hour.',
    tags: ['cloudflare', 'serverless', 'tutorial'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 72,
  },
  {
    key: 'lofi-ableton',
    creator: 'creator2',
    title: 'Lo-fi Beat Making in Ableton: Start to Finish',
    description: 'Chopping a vinyl sample, swung drums, a warm bass line and the tape-saturation chain that makes it sound lo-fi.',
    tags: ['music', 'production', 'lofi'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 65,
  },
  {
    key: 'synthwave-focus-mix',
    creator: 'creator2',
    title: 'Synthwave Mix for Deep Work (1 Hour)',
    description: 'One hour of original synthwave, no vocals, no ads, mastered at a steady loudness for long focus sessions.',
    tags: ['music', 'synthwave', 'focus'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 58,
  },
  {
    key: 'typescript-generics-de',
    creator: 'creator2',
    title: 'Einführung in TypeScript-Generics',
    description:
      'Generische Funktionen, Constraints mit extends, bedingte Typen und infer – an Beispielen aus echtem Produktionscode erklärt.',
    tags: ['typescript', 'programming', 'tutorial'],
    language: 'de',
    priceCents: 0,
    visibility: 'public',
    ageDays: 46,
  },
  {
    key: 'advanced-sqlite',
    creator: 'creator2',
    title: 'Advanced SQLite: Indexes, FTS5 and Query Plans',
    description:
      'Covering indexes, keyset pagination, full-text search with bm25 ranking and reading EXPLAIN QUERY PLAN output line by line.',
    tags: ['sqlite', 'databases', 'tutorial'],
    language: 'en',
    priceCents: 999,
    rentalCents: 399,
    visibility: 'public',
    ageDays: 38,
  },
  {
    key: 'mixing-vocals',
    creator: 'creator2',
    title: 'Mixing Vocals Like a Pro',
    description: 'Gain staging, subtractive EQ, two-stage compression, de-essing and parallel saturation on a real session.',
    tags: ['music', 'mixing', 'audio'],
    language: 'en',
    priceCents: 799,
    rentalCents: 299,
    visibility: 'public',
    ageDays: 29,
  },
  {
    key: 'raspberry-pi-media-server',
    creator: 'creator2',
    title: 'Raspberry Pi Home Media Server',
    description: 'A Raspberry Pi 5, an SSD and Jellyfin: hardware transcoding, remote access without port forwarding, and backups.',
    tags: ['hardware', 'self-hosting', 'raspberry-pi'],
    language: 'en',
    priceCents: 0,
    visibility: 'public',
    ageDays: 20,
  },
  {
    key: 'streaming-adaptatif-fr',
    creator: 'creator2',
    title: 'Les bases du streaming vidéo adaptatif',
    description: 'Segments, playlists HLS, échelles de débit et algorithmes ABR : comment un lecteur choisit la qualité à chaque instant.',
    tags: ['streaming', 'video', 'hls'],
    language: 'fr',
    priceCents: 0,
    visibility: 'public',
    ageDays: 12,
  },
  {
    key: 'self-hosting-qa',
    creator: 'creator2',
    title: 'Q&A: Your Questions About Self-Hosting',
    description: 'Answers to the questions from the Raspberry Pi video: power draw, RAID, updates and when to just pay for hosting.',
    tags: ['self-hosting', 'q-and-a'],
    language: 'en',
    priceCents: 0,
    visibility: 'unlisted',
    ageDays: 6,
  },
  {
    key: 'modular-patch-notes',
    creator: 'creator2',
    title: 'Modular Synth Patch Notes (Unedited)',
    description: 'Raw recording of a patching session, kept for reference.',
    tags: ['music', 'modular'],
    language: 'en',
    priceCents: 0,
    visibility: 'private',
    ageDays: 2,
  },
];

// Clips are dealt out in publishing order, newest first — the catalog's order — so neighbouring cards on the home
// page never show the same poster.
const byAge = [...DEMO_CATALOG].sort((a, b) => a.ageDays - b.ageDays || a.key.localeCompare(b.key));

export const DEMO_VIDEOS: readonly DemoVideoWithMedia[] = DEMO_CATALOG.map((video) => {
  const clip = demoClipFor(byAge.indexOf(video));
  return { ...video, clip, durationSeconds: demoClipDurationSeconds(clip) };
});
