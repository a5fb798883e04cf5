// How hard one call connection may push its outgoing video, decided from what the receiver reports back.
// Pure: the room page measures loss and round-trip time per connection every few seconds (RTCP receiver
// reports surface as `remote-inbound-rtp` in getStats()), calls `adaptBitrate`, and applies the returned
// encoding with RTCRtpSender.setParameters. Each connection of a mesh has its own state, so one peer on a poor
// link gets a smaller stream without lowering what everyone else receives.
//
// The thresholds follow the loss-based controller of Google Congestion Control (draft-ietf-rmcat-gcc-02 §6):
// loss above 10 % means the send rate is too high, loss below 2 % means there is room to grow, and in between
// the rate holds. RTT is the second signal, because a link that queues before it drops shows up there first:
// ITU-T G.114 puts the comfortable one-way delay for conversation at ≤ 150 ms (RTT ≈ 300 ms), so RTT above
// 400 ms counts as bad and below 250 ms as good. The gap between the bad and good thresholds, and the streaks
// of samples needed before a change (quick to step down, slow to step up), are the hysteresis that keeps the
// encoder from flapping between two levels on a noisy link.

export interface EncodingLevel {
  /** RTCRtpEncodingParameters.maxBitrate, bits per second. */
  maxBitrateBps: number;
  /** RTCRtpEncodingParameters.scaleResolutionDownBy (1 = full camera resolution). */
  scaleResolutionDownBy: number;
}

/**
 * From best to worst, per outgoing stream. A mesh peer sends one stream to each of up to 7 others, so the top
 * level is a 640×360 camera at conversational quality (≈ 5.6 Mbit/s uplink in a full room) rather than HD;
 * each step roughly halves the bits, and the lower ones shrink the picture as well, because a tiny bitrate
 * spread over the full picture looks worse than a sharp smaller one.
 */
export const BITRATE_LADDER: readonly EncodingLevel[] = [
  { maxBitrateBps: 800_000, scaleResolutionDownBy: 1 },
  { maxBitrateBps: 500_000, scaleResolutionDownBy: 1 },
  { maxBitrateBps: 300_000, scaleResolutionDownBy: 1.5 },
  { maxBitrateBps: 150_000, scaleResolutionDownBy: 2 },
  { maxBitrateBps: 80_000, scaleResolutionDownBy: 4 },
];

export interface AdaptationConfig {
  /** Loss fraction (0–1) above which a sample counts as bad. */
  degradeLossFraction: number;
  /** Round-trip time above which a sample counts as bad. */
  degradeRttMs: number;
  /** Loss fraction below which (together with RTT) a sample counts as good. */
  recoverLossFraction: number;
  /** Round-trip time below which (together with loss) a sample counts as good. */
  recoverRttMs: number;
  /** Loss this high steps down at once, without waiting for a streak. */
  severeLossFraction: number;
  /** Consecutive bad samples before stepping down one level. */
  badSamplesToDegrade: number;
  /** Consecutive good samples before stepping up one level. */
  goodSamplesToRecover: number;
}

/** With samples every 2 s: down after 4 s of trouble (at once on heavy loss), up after 10 s of calm. */
export const DEFAULT_ADAPTATION: AdaptationConfig = {
  degradeLossFraction: 0.1,
  degradeRttMs: 400,
  recoverLossFraction: 0.02,
  recoverRttMs: 250,
  severeLossFraction: 0.25,
  badSamplesToDegrade: 2,
  goodSamplesToRecover: 5,
};

/** One measurement of a connection; `null` when the browser has not reported the value yet. */
export interface LinkQuality {
  lossFraction: number | null;
  rttMs: number | null;
}

export interface AdaptationState {
  /** Index into the ladder; 0 is the best level. */
  level: number;
  badStreak: number;
  goodStreak: number;
}

export type SampleVerdict = 'bad' | 'good' | 'hold';

export interface AdaptationStep {
  state: AdaptationState;
  encoding: EncodingLevel;
  /** True when the level changed, i.e. the sender's parameters need updating. */
  changed: boolean;
  verdict: SampleVerdict;
}

/** A new connection starts at the top: loopback and LAN calls never need less, and bad links step down in seconds. */
export function initialAdaptation(): AdaptationState {
  return { level: 0, badStreak: 0, goodStreak: 0 };
}

/**
 * Bad when either signal is over its degrade threshold; good only when both are known and under their recover
 * thresholds; anything else (in the hysteresis band, or nothing measured yet) holds.
 */
export function classifySample(quality: LinkQuality, config: AdaptationConfig = DEFAULT_ADAPTATION): SampleVerdict {
  const { lossFraction, rttMs } = quality;
  if ((lossFraction !== null && lossFraction > config.degradeLossFraction) || (rttMs !== null && rttMs > config.degradeRttMs)) {
    return 'bad';
  }
  if (lossFraction !== null && rttMs !== null && lossFraction < config.recoverLossFraction && rttMs < config.recoverRttMs) {
    return 'good';
  }
  return 'hold';
}

export function adaptBitrate(
  previous: AdaptationState,
  quality: LinkQuality,
  config: AdaptationConfig = DEFAULT_ADAPTATION,
  ladder: readonly EncodingLevel[] = BITRATE_LADDER,
): AdaptationStep {
  const lowest = ladder.length - 1;
  const current = Math.min(Math.max(previous.level, 0), lowest);
  const verdict = classifySample(quality, config);
  let { badStreak, goodStreak } = previous;
  let level = current;

  if (verdict === 'bad') {
    badStreak += 1;
    goodStreak = 0;
    const severe = quality.lossFraction !== null && quality.lossFraction >= config.severeLossFraction;
    if ((severe || badStreak >= config.badSamplesToDegrade) && level < lowest) {
      level += 1;
      badStreak = 0;
    }
  } else if (verdict === 'good') {
    goodStreak += 1;
    badStreak = 0;
    if (goodStreak >= config.goodSamplesToRecover && level > 0) {
      level -= 1;
      goodStreak = 0;
    }
  } else {
    // In the band between the thresholds: the rate holds and neither streak carries over.
    badStreak = 0;
    goodStreak = 0;
  }

  const encoding = ladder[level] as EncodingLevel;
  return { state: { level, badStreak, goodStreak }, encoding, changed: level !== previous.level, verdict };
}

/**
 * Loss fraction between two readings of cumulative RTP counters (the sender's packetsSent and the receiver's
 * packetsLost from its reports). Null when nothing was sent in between; clamped to 0–1 because RFC 3550
 * allows a negative cumulative loss (duplicates) and counters reset when a sender is replaced.
 */
export function lossFractionBetween(
  before: { packetsSent: number; packetsLost: number } | null,
  after: { packetsSent: number; packetsLost: number },
): number | null {
  if (before === null) return null;
  const sent = after.packetsSent - before.packetsSent;
  if (sent <= 0) return null;
  const lost = after.packetsLost - before.packetsLost;
  return Math.min(1, Math.max(0, lost / sent));
}
