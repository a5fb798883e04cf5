// How one video's swarm spreads over several SwarmTracker objects once it outgrows one.
//
// A Durable Object is one thread in one place. Cloudflare documents a soft ceiling of about 1,000 requests per
// second per object, and an object holding more than about 32k WebSockets is past what the platform guidance
// covers. One object per video is therefore a ceiling on the swarm, not only on throughput: every member
// re-announces every ANNOUNCE_INTERVAL_SECONDS and each announce brings its offers' answers back through the
// same object. So a video's swarm is cut into shards:
//   1. by region first. The matching already ranks same colo, then same country, before anyone else
//      (matching.ts), so peers on different continents were the last resort anyway: a shard per region
//      costs almost no match quality and keeps every shard's sockets near their members;
//   2. then by a member cap per shard, derived below from both budgets, so no object exceeds either.
//
// Who decides: the Worker that takes the announce picks the shard from a small per-video directory (which shards
// each region has, and how full each was when it last reported). The directory is read through a short cache, so
// it is stale by up to DIRECTORY_STALENESS_SECONDS: joiners keep arriving at a shard for that long after it
// filled. The plan therefore stops sending joiners to a shard at SHARD_FILL_TARGET (below the cap) and opens as
// many shards at once as the recent join rate needs to absorb a whole staleness window within the headroom.
//
// Pure: no Cloudflare types, no I/O. The tracker route and `npm run simulate:swarm` use the same functions.
import { ANNOUNCE_INTERVAL_SECONDS } from './protocol';

/** Documented soft ceiling of requests (here: incoming WebSocket messages) one object handles per second. */
export const OBJECT_REQUESTS_PER_SECOND_CEILING = 1_000;
/** WebSockets one object may hold before it is past the platform guidance. */
export const OBJECT_SOCKETS_CEILING = 32_768;

/**
 * The share of each ceiling a shard is planned to use. Half: joins arrive in bursts (a live event's first
 * minute), re-announces are not evenly spread, and the object also runs matching on every announce.
 */
export const SHARD_BUDGET_SHARE = 0.5;

/**
 * Incoming messages one member causes per announce: the announce itself, plus an answer for each of its offers.
 * p2p-media-loader sends at most 5 offers per announce (its WebSocket tracker client caps `numwant` at 5), and at
 * worst every recipient answers.
 */
export const MESSAGES_PER_ANNOUNCE = 1 + 5;

/**
 * Announces per member per interval: the periodic one, and about as many again for stream switches, "completed"
 * events and p2p-media-loader asking for more peers. Measured swarms announce less; this is the planning figure.
 */
export const ANNOUNCES_PER_MEMBER_PER_INTERVAL = 2;

/** Incoming messages per second one member costs its shard, on average. */
export const MESSAGES_PER_MEMBER_PER_SECOND = (ANNOUNCES_PER_MEMBER_PER_INTERVAL * MESSAGES_PER_ANNOUNCE) / ANNOUNCE_INTERVAL_SECONDS;

/** Members one shard may hold: the smaller of the socket budget and the message budget. */
export const SHARD_MEMBER_CAP = Math.floor(
  Math.min(
    OBJECT_SOCKETS_CEILING * SHARD_BUDGET_SHARE,
    (OBJECT_REQUESTS_PER_SECOND_CEILING * SHARD_BUDGET_SHARE) / MESSAGES_PER_MEMBER_PER_SECOND,
  ),
);

/**
 * Joins one shard may take per second. A join costs a full announce with its answers at once, on top of the
 * steady traffic the cap already budgets; a live event's first minute is mostly joins. The remaining
 * 30 % of the object's ceiling (keeping the last 20 % as margin) is theirs, so a spike is spread over enough
 * shards at once.
 */
export const SHARD_JOINS_PER_SECOND_CAP = Math.floor((OBJECT_REQUESTS_PER_SECOND_CEILING * 0.3) / MESSAGES_PER_ANNOUNCE);

/** A shard takes new joiners until it reports this many members; the rest of the cap absorbs stale directories. */
export const SHARD_FILL_TARGET = Math.floor(SHARD_MEMBER_CAP * 0.75);

/**
 * How much faster joins may arrive by the time a plan is replaced (one staleness window later). Observed
 * flash crowds grow within tens of seconds, not one second; a plan sized for the measured rate alone would send
 * a growing spike to too few shards.
 */
export const SPIKE_GROWTH = 3;

/** How stale the Worker's view of the directory may be: shard report interval plus the directory's cache TTL. */
export const SHARD_REPORT_INTERVAL_SECONDS = 2;
export const DIRECTORY_CACHE_SECONDS = 1;
export const DIRECTORY_STALENESS_SECONDS = SHARD_REPORT_INTERVAL_SECONDS + DIRECTORY_CACHE_SECONDS;

/**
 * Below this many members a shard cannot give a joiner a useful set of offers on its own, so its announces also
 * borrow offers from the fullest shard of the same region (a region's first viewer has nobody to borrow from and
 * starts over HTTP at once).
 */
export const MIN_MEMBERS_FOR_LOCAL_MATCHING = 8;

/** Regions are continents as Cloudflare names them in `request.cf.continent`; unknown clients share one. */
export const REGIONS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA', 'XX'] as const;
export type Region = (typeof REGIONS)[number];

export function regionOf(continent: string | null | undefined): Region {
  const upper = continent?.toUpperCase();
  return (REGIONS as readonly string[]).includes(upper ?? '') ? (upper as Region) : 'XX';
}

/** The Durable Object name of one shard. Shard 0 of the unknown region is the single object of a small swarm. */
export function shardObjectName(videoId: string, region: Region, index: number): string {
  return `${videoId}/${region}/${index}`;
}

/** What a shard last told the directory. */
export interface ShardReport {
  index: number;
  members: number;
}

/** Which shards of one region take joiners now. */
export interface RegionPlan {
  region: Region;
  /** Shard indices new joiners are spread over. Never empty. */
  open: number[];
  /** Each open shard's room up to the cap, in the same order: joiners are spread in proportion to it. */
  room: number[];
  /** Indices this plan creates (not yet in the reports). */
  created: number[];
}

/**
 * Plans one region from its shards' last reports and the region's recent join rate.
 *
 * Joiners go to the shards below the fill target: enough of them that a whole staleness window of joins fits
 * within their caps, and that none takes more than SHARD_JOINS_PER_SECOND_CAP joins a second. Missing shards
 * open now, in one step, instead of one per directory refresh — otherwise a live event's first minute would
 * overfill each new shard in turn.
 */
export function planRegion(region: Region, reports: readonly ShardReport[], joinsPerSecond: number): RegionPlan {
  // Plan for the rate to grow by SPIKE_GROWTH before the next plan is read: a premiere's audience arrives
  // within a minute of the notification.
  const rate = Math.max(0, joinsPerSecond) * SPIKE_GROWTH;
  const expectedJoins = rate * DIRECTORY_STALENESS_SECONDS;
  const shardsForRate = Math.max(1, Math.ceil(rate / SHARD_JOINS_PER_SECOND_CAP));
  const open: number[] = [];
  const roomOf: number[] = [];
  let room = 0;
  const enough = () => open.length >= shardsForRate && room >= expectedJoins;
  // Lowest indices first, and only as many as the window needs: filling few shards densely keeps matches
  // local, and the shards a spike opened drain and are forgotten afterwards.
  for (const report of [...reports].sort((a, b) => a.index - b.index)) {
    if (enough()) break;
    if (report.members >= SHARD_FILL_TARGET) continue;
    open.push(report.index);
    // A stale view may keep sending joiners here until the next report: count the room up to the cap.
    roomOf.push(SHARD_MEMBER_CAP - report.members);
    room += SHARD_MEMBER_CAP - report.members;
  }
  const created: number[] = [];
  let next = reports.reduce((highest, report) => Math.max(highest, report.index + 1), 0);
  while (!enough()) {
    open.push(next);
    roomOf.push(SHARD_MEMBER_CAP);
    room += SHARD_MEMBER_CAP;
    created.push(next);
    next += 1;
  }
  return { region, open, room: roomOf, created };
}

/** Half-life of the join rate the plan remembers: it follows a rise at once and a fall only slowly. */
export const PLANNING_RATE_HALF_LIFE_SECONDS = 60;

/**
 * The join rate to plan with: the measured one when it is higher, else the remembered one decaying with
 * PLANNING_RATE_HALF_LIFE_SECONDS. A lull of a few seconds inside a rising crowd (a premiere between its
 * countdown and its start) must not shrink the open set just before the crowd arrives.
 */
export function planningJoinRate(previous: number, measured: number, elapsedSeconds: number): number {
  const remembered = previous * 0.5 ** (Math.max(0, elapsedSeconds) / PLANNING_RATE_HALF_LIFE_SECONDS);
  return Math.max(measured, remembered);
}

/**
 * The shard one joiner gets (`random` in [0, 1)): open shards in proportion to their room, so a shard with
 * little room left gets few of the joiners a stale directory keeps sending, and none overfills.
 */
export function pickShard(plan: RegionPlan, random: number): number {
  const total = plan.room.reduce((sum, room) => sum + room, 0);
  let target = random * total;
  for (let position = 0; position < plan.open.length; position += 1) {
    target -= plan.room[position] as number;
    if (target < 0) return plan.open[position] as number;
  }
  return plan.open[plan.open.length - 1] as number;
}

/** Whether a shard of this size should borrow offers from a neighbour shard of its region. */
export function needsBorrowedOffers(members: number): boolean {
  return members < MIN_MEMBERS_FOR_LOCAL_MATCHING;
}
