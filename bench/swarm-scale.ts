// `npm run simulate:swarm -- --viewers 1000000`: one video's swarm at internet scale, through the real sharding
// and planning functions (src/domain/swarm/sharding.ts), without the network.
//
// Two arrival curves, one second per step:
//   - live: a 2-hour event; 15 % of the audience arrives in the 10 minutes before the start, 55 % in a spike
//     right after it (rising over 30 s as notifications fan out, `--spike-rise-seconds`; decaying with a 90 s time constant), the rest through the event;
//     60 % stay to the end (and leave within about a minute of it), the others after an exponential 20 minutes.
//   - vod: a viral video's long tail over 7 days; the arrival rate decays as 1/(1 + t/6 h); sessions are an
//     exponential 6 minutes (a 10-minute video, watched part way).
// Regions take their share of every arrival (default NA 32 %, EU 30 %, AS 24 %, SA 7 %, OC 4 %, AF 3 %), and
// the local time of day is ignored: a worst case for the spike, all regions at once.
//
// The Worker's view of the directory is as stale as production's: shards report every
// SHARD_REPORT_INTERVAL_SECONDS, the plan is recomputed from those reports every DIRECTORY_CACHE_SECONDS, and
// every joiner in between is placed by that stale plan (as if every colo read the same cached copy).
//
// Per object it records peak sockets (members) and peak incoming messages per second (joins' announces with
// their answers, the steady re-announce traffic, "stopped" announces), and checks them against the shard cap
// and the documented per-object ceilings. It also reports the same audience on one object per video (the
// design before sharding), shards created, joins that borrowed offers from a neighbour shard, joins with nobody
// to borrow from (those start over HTTP at once), and the expected offload: the share of watch time of viewers
// who had at least one reachable peer when they joined (an upper bound; `npm run bench:p2p` measures what a
// reachable peer actually delivers).
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng, type Rng } from '../dev/lib/random';
import {
  DIRECTORY_CACHE_SECONDS,
  MESSAGES_PER_ANNOUNCE,
  MESSAGES_PER_MEMBER_PER_SECOND,
  needsBorrowedOffers,
  OBJECT_REQUESTS_PER_SECOND_CEILING,
  OBJECT_SOCKETS_CEILING,
  pickShard,
  planningJoinRate,
  planRegion,
  type Region,
  type RegionPlan,
  regionOf,
  SHARD_FILL_TARGET,
  SHARD_MEMBER_CAP,
  SHARD_REPORT_INTERVAL_SECONDS,
} from '../src/domain/swarm/sharding';
import { loadDescription, machineDescription } from './lib/machine';
import { writeResultsSection } from './lib/results';
import { type SummaryRow, updateSummary } from './lib/summary';

export const SWARM_SCALE_SECTION = 'Swarm sharding at a million viewers (simulation)';

export type Scenario = 'live' | 'vod';

export interface SimulationOptions {
  viewers: number;
  regions: { region: Region; share: number }[];
  scenario: Scenario;
  seed: number;
  /** How long the live spike takes to reach its peak arrival rate. */
  spikeRiseSeconds: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  viewers: number;
  durationSeconds: number;
  peakConcurrent: number;
  shardsCreated: number;
  shardsPerRegion: Record<string, number>;
  maxObjectPeakSockets: number;
  maxObjectPeakMessagesPerSecond: number;
  borrowedJoins: number;
  httpStartJoins: number;
  expectedOffload: number;
  /** The same audience on one object per video. */
  singleObjectPeakSockets: number;
  singleObjectPeakMessagesPerSecond: number;
}

const DEFAULT_REGIONS = 'NA:0.32,EU:0.30,AS:0.24,SA:0.07,OC:0.04,AF:0.03';

export function parseRegions(text: string): { region: Region; share: number }[] {
  const entries = text.split(',').map((part) => {
    const [name, share] = part.split(':');
    const region = regionOf(name);
    const value = Number(share);
    if (region === 'XX' && name?.toUpperCase() !== 'XX') throw new Error(`unknown region "${name}"`);
    if (!(value > 0)) throw new Error(`region ${name} needs a positive share`);
    return { region, share: value };
  });
  const total = entries.reduce((sum, entry) => sum + entry.share, 0);
  return entries.map((entry) => ({ ...entry, share: entry.share / total }));
}

interface Curve {
  durationSeconds: number;
  /** Relative arrival weight at second t (normalised over the horizon). */
  arrivalWeight(t: number): number;
  sessionSeconds(rng: Rng, arrivedAt: number): number;
}

const LIVE_START = 600;
const LIVE_LENGTH = 7_200;
const exponential = (rng: Rng, mean: number) => -Math.log(1 - rng.next()) * mean;

function curveOf(scenario: Scenario, spikeRiseSeconds: number): Curve {
  if (scenario === 'live') {
    const spikeTau = 90;
    return {
      durationSeconds: LIVE_START + LIVE_LENGTH,
      arrivalWeight: (t) => {
        // A ramp before the start (15 %), which fades out after it rather than stopping at once.
        const preRollPeak = (0.15 / LIVE_START) * 2;
        if (t < LIVE_START) return preRollPeak * (t / LIVE_START);
        const sinceStart = t - LIVE_START;
        const preRollTail = preRollPeak * Math.exp(-sinceStart / 30);
        const spike = (0.55 / spikeTau) * Math.exp(-sinceStart / spikeTau) * Math.min(1, sinceStart / Math.max(1, spikeRiseSeconds));
        return preRollTail + spike + 0.3 / LIVE_LENGTH;
      },
      sessionSeconds: (rng, arrivedAt) => {
        const toEnd = LIVE_START + LIVE_LENGTH - arrivedAt;
        // Those who stay to the end close the tab over the next minutes, not all in one second.
        const untilBored = rng.chance(0.6) ? Number.POSITIVE_INFINITY : exponential(rng, 1_200);
        return untilBored < toEnd ? untilBored : toEnd + exponential(rng, 60);
      },
    };
  }
  const hour = 3_600;
  return {
    durationSeconds: 7 * 24 * hour,
    arrivalWeight: (t) => 1 / (1 + t / (6 * hour)),
    sessionSeconds: (rng) => Math.max(5, exponential(rng, 360)),
  };
}

/** Integer arrivals per second that sum exactly to `viewers` (largest remainders). */
function arrivalsPerSecond(curve: Curve, viewers: number): Uint32Array {
  const weights = new Float64Array(curve.durationSeconds);
  let total = 0;
  for (let t = 0; t < curve.durationSeconds; t += 1) {
    weights[t] = curve.arrivalWeight(t);
    total += weights[t] as number;
  }
  const counts = new Uint32Array(curve.durationSeconds);
  let assigned = 0;
  let carry = 0;
  for (let t = 0; t < curve.durationSeconds; t += 1) {
    const exact = ((weights[t] as number) / total) * viewers + carry;
    const whole = Math.floor(exact);
    counts[t] = whole;
    carry = exact - whole;
    assigned += whole;
  }
  counts[curve.durationSeconds - 1] = (counts[curve.durationSeconds - 1] as number) + (viewers - assigned);
  return counts;
}

interface Shard {
  id: number;
  region: Region;
  index: number;
  members: number;
  joinsSinceReport: number;
  reportedMembers: number;
  peakMembers: number;
  peakMessagesPerSecond: number;
  joinsThisSecond: number;
  leavesThisSecond: number;
}

export function simulateSwarm(options: SimulationOptions): ScenarioResult {
  const rng = createRng(options.seed);
  const curve = curveOf(options.scenario, options.spikeRiseSeconds);
  const arrivals = arrivalsPerSecond(curve, options.viewers);
  const regionWeights = options.regions.map((entry) => entry.share);
  const shards: Shard[] = [];
  const shardsOf = new Map<Region, Shard[]>(options.regions.map((entry) => [entry.region, []]));
  const plans = new Map<Region, RegionPlan>();
  const regionJoinRate = new Map<Region, number>();
  // Departures bucketed by second: shard ids, flat.
  const departures = new Map<number, number[]>();
  let concurrent = 0;
  let peakConcurrent = 0;
  let borrowedJoins = 0;
  let httpStartJoins = 0;
  let watchSecondsWithPeer = 0;
  let watchSecondsTotal = 0;
  let singleObjectPeakMessagesPerSecond = 0;

  const replan = () => {
    for (const { region } of options.regions) {
      const regionShards = shardsOf.get(region) ?? [];
      const reports = regionShards.map((shard) => ({ index: shard.index, members: shard.reportedMembers }));
      const plan = planRegion(region, reports, regionJoinRate.get(region) ?? 0);
      for (const index of plan.created) {
        const shard: Shard = {
          id: shards.length,
          region,
          index,
          members: 0,
          joinsSinceReport: 0,
          reportedMembers: 0,
          peakMembers: 0,
          peakMessagesPerSecond: 0,
          joinsThisSecond: 0,
          leavesThisSecond: 0,
        };
        regionShards.push(shard);
        shards.push(shard);
      }
      shardsOf.set(region, regionShards);
      plans.set(region, plan);
    }
  };
  replan();

  const horizon = curve.durationSeconds;
  for (let t = 0; t < horizon || departures.size > 0; t += 1) {
    if (t % SHARD_REPORT_INTERVAL_SECONDS === 0) {
      const joinsByRegion = new Map<Region, number>();
      for (const shard of shards) {
        shard.reportedMembers = shard.members;
        joinsByRegion.set(shard.region, (joinsByRegion.get(shard.region) ?? 0) + shard.joinsSinceReport);
        shard.joinsSinceReport = 0;
      }
      for (const { region } of options.regions) {
        const measured = (joinsByRegion.get(region) ?? 0) / SHARD_REPORT_INTERVAL_SECONDS;
        regionJoinRate.set(region, planningJoinRate(regionJoinRate.get(region) ?? 0, measured, SHARD_REPORT_INTERVAL_SECONDS));
      }
    }
    if (t % DIRECTORY_CACHE_SECONDS === 0) replan();

    for (const shardId of departures.get(t) ?? []) {
      const shard = shards[shardId] as Shard;
      shard.members -= 1;
      shard.leavesThisSecond += 1;
      concurrent -= 1;
    }
    departures.delete(t);

    const arriving = t < horizon ? (arrivals[t] as number) : 0;
    for (let n = 0; n < arriving; n += 1) {
      const region = options.regions[rng.weightedIndex(regionWeights)]?.region as Region;
      const plan = plans.get(region) as RegionPlan;
      const index = pickShard(plan, rng.next());
      const regionShards = shardsOf.get(region) as Shard[];
      // Shards of a region are created in index order, so a shard's index is its position in the region's list.
      const shard = regionShards[index] as Shard;
      // Who this joiner can get offers from: its shard, or the region's fullest shard when its own is too small.
      let reachable = shard.members;
      if (needsBorrowedOffers(shard.members)) {
        const neighbour = regionShards.reduce((best, candidate) => (candidate.members > best.members ? candidate : best), shard);
        if (neighbour !== shard && !needsBorrowedOffers(neighbour.members)) {
          borrowedJoins += 1;
          reachable += neighbour.members;
        }
      }
      if (reachable === 0) httpStartJoins += 1;
      const session = Math.max(1, Math.round(curve.sessionSeconds(rng, t)));
      watchSecondsTotal += session;
      if (reachable > 0) watchSecondsWithPeer += session;
      shard.members += 1;
      shard.joinsThisSecond += 1;
      shard.joinsSinceReport += 1;
      concurrent += 1;
      const leaveAt = t + session;
      const bucket = departures.get(leaveAt);
      if (bucket) bucket.push(shard.id);
      else departures.set(leaveAt, [shard.id]);
    }

    let totalMessages = 0;
    for (const shard of shards) {
      const messages =
        shard.joinsThisSecond * MESSAGES_PER_ANNOUNCE + shard.members * MESSAGES_PER_MEMBER_PER_SECOND + shard.leavesThisSecond;
      totalMessages += messages;
      if (messages > shard.peakMessagesPerSecond) shard.peakMessagesPerSecond = messages;
      if (shard.members > shard.peakMembers) shard.peakMembers = shard.members;
      shard.joinsThisSecond = 0;
      shard.leavesThisSecond = 0;
    }
    if (totalMessages > singleObjectPeakMessagesPerSecond) singleObjectPeakMessagesPerSecond = totalMessages;
    if (concurrent > peakConcurrent) peakConcurrent = concurrent;
  }

  const shardsPerRegion: Record<string, number> = {};
  for (const [region, regionShards] of shardsOf) shardsPerRegion[region] = regionShards.length;
  return {
    scenario: options.scenario,
    viewers: options.viewers,
    durationSeconds: curve.durationSeconds,
    peakConcurrent,
    shardsCreated: shards.length,
    shardsPerRegion,
    maxObjectPeakSockets: Math.max(...shards.map((shard) => shard.peakMembers)),
    maxObjectPeakMessagesPerSecond: Math.max(...shards.map((shard) => shard.peakMessagesPerSecond)),
    borrowedJoins,
    httpStartJoins,
    expectedOffload: watchSecondsTotal === 0 ? 0 : watchSecondsWithPeer / watchSecondsTotal,
    singleObjectPeakSockets: peakConcurrent,
    singleObjectPeakMessagesPerSecond,
  };
}

/** Whether a result keeps every object within the shard cap and the documented ceilings. */
export function withinCeilings(result: ScenarioResult): boolean {
  return (
    result.maxObjectPeakSockets <= SHARD_MEMBER_CAP &&
    result.maxObjectPeakSockets <= OBJECT_SOCKETS_CEILING &&
    result.maxObjectPeakMessagesPerSecond <= OBJECT_REQUESTS_PER_SECOND_CEILING
  );
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');

export function swarmScaleMarkdown(results: readonly ScenarioResult[], command: string): string {
  const rows = results.map((result) => {
    const regions = Object.entries(result.shardsPerRegion)
      .map(([region, shards]) => `${region} ${shards}`)
      .join(', ');
    return (
      `| ${result.scenario} | ${count(result.viewers)} | ${count(result.peakConcurrent)} | ${result.shardsCreated} (${regions}) | ` +
      `${count(result.maxObjectPeakSockets)} | ${count(result.maxObjectPeakMessagesPerSecond)} | ` +
      `${count(result.borrowedJoins)} | ${count(result.httpStartJoins)} | ${result.expectedOffload.toFixed(4)} | ` +
      `${count(result.singleObjectPeakSockets)} sockets, ${count(result.singleObjectPeakMessagesPerSecond)} msg/s | ` +
      `${withinCeilings(result) ? 'yes' : '**no**'} |`
    );
  });
  return [
    `Command: \`${command}\`. Machine: ${machineDescription()}, load average ${loadDescription()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    'The real planning functions of `src/domain/swarm/sharding.ts` place every joiner (no network). Ceilings checked per object:',
    `shard cap **${count(SHARD_MEMBER_CAP)} members** (fill target ${count(SHARD_FILL_TARGET)}), the documented ~${count(OBJECT_SOCKETS_CEILING)} WebSockets`,
    `and ~${count(OBJECT_REQUESTS_PER_SECOND_CEILING)} requests/s per Durable Object. A member costs ${MESSAGES_PER_MEMBER_PER_SECOND.toFixed(2)} incoming messages/s on average`,
    `(2 announces per 120 s interval, each with up to 5 answers) and a join ${MESSAGES_PER_ANNOUNCE}. The directory the Worker reads is ${SHARD_REPORT_INTERVAL_SECONDS} + ${DIRECTORY_CACHE_SECONDS} s stale.`,
    '',
    '| scenario | viewers | peak concurrent | shards (per region) | max sockets on one object | max msg/s on one object | joins that borrowed offers | joins with no peer (HTTP start) | expected offload (upper bound) | one object per video instead | every object within ceilings |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Expected offload is the share of watch time of viewers who had a reachable peer when they joined; what a reachable peer',
    'delivers is measured by `npm run bench:p2p`. "One object per video instead" is the whole audience on the design before',
    'sharding: past both ceilings at the live spike.',
  ].join('\n');
}

export function swarmScaleSummaryRows(results: readonly ScenarioResult[], command: string): SummaryRow[] {
  return results.map((result) => ({
    key: `swarm:${result.scenario}`,
    benchmark: `One video's swarm, ${count(result.viewers)} viewers (${result.scenario}, simulated)`,
    target: `every tracker object ≤ ${count(SHARD_MEMBER_CAP)} members and ≤ ${count(OBJECT_REQUESTS_PER_SECOND_CEILING)} msg/s`,
    measured: `${result.shardsCreated} shards, peak ${count(result.maxObjectPeakSockets)} members and ${count(result.maxObjectPeakMessagesPerSecond)} msg/s on one object`,
    met: withinCeilings(result),
    command,
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: 'string', default: '1000000' },
      regions: { type: 'string', default: DEFAULT_REGIONS },
      scenario: { type: 'string', default: 'both' },
      seed: { type: 'string', default: '7' },
      'spike-rise-seconds': { type: 'string', default: '30' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const viewers = Number(values.viewers);
  if (!Number.isInteger(viewers) || viewers <= 0) throw new Error('--viewers must be a positive integer');
  const scenarios: Scenario[] = values.scenario === 'both' ? ['live', 'vod'] : [values.scenario as Scenario];
  if (!scenarios.every((scenario) => scenario === 'live' || scenario === 'vod')) throw new Error('--scenario is live, vod or both');
  const regions = parseRegions(values.regions);
  const spikeRiseSeconds = Number(values['spike-rise-seconds']);
  if (!(spikeRiseSeconds >= 0)) throw new Error('--spike-rise-seconds must be ≥ 0');
  const command = `npm run simulate:swarm -- --viewers ${viewers}${values.regions === DEFAULT_REGIONS ? '' : ` --regions ${values.regions}`}${spikeRiseSeconds === 30 ? '' : ` --spike-rise-seconds ${spikeRiseSeconds}`}`;
  const results = scenarios.map((scenario) => simulateSwarm({ viewers, regions, scenario, seed: Number(values.seed), spikeRiseSeconds }));
  const markdown = swarmScaleMarkdown(results, command);
  console.log(markdown);
  if (!values['no-write']) {
    await writeResultsSection(SWARM_SCALE_SECTION, markdown);
    const stamp = { date: new Date().toISOString().slice(0, 16).replace('T', ' '), load: `load ${loadavg()[0]?.toFixed(1)}` };
    await updateSummary(swarmScaleSummaryRows(results, command).map((row) => ({ ...row, ...stamp })));
  }
  if (!results.every(withinCeilings)) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
