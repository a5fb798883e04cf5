// A 0–100 connection quality score per measurement window, modelled on LiveKit's connection quality scorer
// (livekit/livekit, pkg/sfu/connectionquality/scorer.go and connectionstats.go, Apache-2.0). As there:
// - a packet score: 100 minus a delay effect (the PingPlotter E-model knee, see mos.ts) minus loss% × a loss weight;
// - a bitrate score: 100 − 20·ln(expected / actual), so the score falls one tier at about 2.7× below the expected
//   bitrate and to poor at about 20×;
// - the window score is the lower of the two: quality is only as good as its worst dimension;
// - an asymmetric EWMA across windows that drops fast and recovers slowly, floored at 20;
// - three tiers: excellent above 80, good above 40, poor otherwise.
// Where this differs from LiveKit:
// - the loss weight is fixed at LiveKit's video weight (10: 2 % loss falls to good, 6 % to poor) because every
//   stream here is video; LiveKit also scales it by the window's packet rate against the busiest window seen,
//   which needs per-track state we do not keep;
// - there is no simulcast layer-distance score, as peers serve one rendition;
// - the expected bitrate is whatever the caller knows (the rendition's bitrate); without it the bitrate score is
//   left out, as LiveKit does when it has no expected bitrate;
// - a window without packet counters at all (a data-channel-only connection) is scored on delay alone, whereas a
//   window whose counters say nothing arrived scores 30, LiveKit's "dry" score;
// - the first window seeds the EWMA instead of starting from 100, so a connection that starts badly shows it.

export type QualityTier = 'excellent' | 'good' | 'poor';

export const MAX_SCORE = 100;
/** LiveKit `poorScore`: a window that should have carried media but carried none. */
export const DRY_WINDOW_SCORE = 30;
/** LiveKit video packet-loss weight: each percent of loss costs 10 points. */
export const VIDEO_LOSS_WEIGHT = 10;

export interface ScoreWindowInput {
  /** Packets received and lost during the window; leave both undefined when the connection has no RTP stream. */
  packetsReceived?: number;
  packetsLost?: number;
  rttMs?: number;
  jitterMs?: number;
  /** Received bitrate over the window and what the stream should carry; the bitrate score needs both. */
  bitrateBps?: number | null;
  expectedBitrateBps?: number | null;
  lossWeight?: number;
}

export interface WindowScore {
  score: number;
  packetScore: number;
  bitrateScore: number;
  /** Which component set the score: the lower one wins, 'dry' when nothing arrived. */
  limitedBy: 'packets' | 'bitrate' | 'dry';
}

function clampScore(value: number): number {
  return Math.min(MAX_SCORE, Math.max(0, value));
}

/**
 * LiveKit `calculatePacketScore`: effective delay = RTT/2 + 2·jitter (an estimate of the one-way delay plus the
 * jitter buffer), delay effect = delay/40 below 160 ms and (delay − 120)/10 above, loss effect = loss% × weight.
 */
export function packetScore(input: Omit<ScoreWindowInput, 'bitrateBps' | 'expectedBitrateBps'>): number {
  const delayMs = Math.max(0, input.rttMs ?? 0) / 2 + 2 * Math.max(0, input.jitterMs ?? 0);
  const delayEffect = delayMs > 160 ? (delayMs - 120) / 10 : delayMs / 40;
  const lost = Math.max(0, input.packetsLost ?? 0);
  const expected = lost + Math.max(0, input.packetsReceived ?? 0);
  const lossPercent = expected > 0 ? (lost * 100) / expected : 0;
  return clampScore(MAX_SCORE - delayEffect - lossPercent * (input.lossWeight ?? VIDEO_LOSS_WEIGHT));
}

/** LiveKit `calculateBitrateScore`: 100 − 20·ln(expected / actual), clamped; no expectation means no penalty. */
export function bitrateScore(bitrateBps: number | null | undefined, expectedBitrateBps: number | null | undefined): number {
  if (expectedBitrateBps === null || expectedBitrateBps === undefined || expectedBitrateBps <= 0) return MAX_SCORE;
  if (bitrateBps === null || bitrateBps === undefined || bitrateBps <= 0) return 0;
  return clampScore(MAX_SCORE - 20 * Math.log(expectedBitrateBps / bitrateBps));
}

/** The unsmoothed score of one window; feed successive scores through an `Ewma` for a stable display value. */
export function scoreWindow(input: ScoreWindowInput): WindowScore {
  const packetsMeasured = input.packetsReceived !== undefined || input.packetsLost !== undefined;
  if (packetsMeasured && (input.packetsReceived ?? 0) + Math.max(0, input.packetsLost ?? 0) <= 0) {
    return { score: DRY_WINDOW_SCORE, packetScore: DRY_WINDOW_SCORE, bitrateScore: DRY_WINDOW_SCORE, limitedBy: 'dry' };
  }
  const packets = packetScore(input);
  const bitrate = bitrateScore(input.bitrateBps, input.expectedBitrateBps);
  return bitrate < packets
    ? { score: bitrate, packetScore: packets, bitrateScore: bitrate, limitedBy: 'bitrate' }
    : { score: packets, packetScore: packets, bitrateScore: bitrate, limitedBy: 'packets' };
}

/** LiveKit `scoreToConnectionQuality`: R-factor-like cut-offs, with a wide middle band. */
export function qualityTier(score: number): QualityTier {
  if (score > 80) return 'excellent';
  if (score > 40) return 'good';
  return 'poor';
}

export interface EwmaOptions {
  /** Weight of a new sample that is higher than the average (recovery). */
  alphaUp: number;
  /** Weight of a new sample that is lower than the average (degradation). */
  alphaDown: number;
  /** Lowest value the average may take, so it can climb back within a few windows after an outage. */
  floor?: number;
}

/**
 * LiveKit's smoothing of quality scores: value ← α·sample + (1 − α)·value with α = 0.7 when quality drops (react
 * within one or two windows) and α = 0.4 when it recovers (don't flap back up on one good window), floored at 20.
 */
export const SCORE_SMOOTHING: EwmaOptions = { alphaUp: 0.4, alphaDown: 0.7, floor: 20 };

/**
 * Exponentially weighted moving average. The value is plain data, so a Durable Object can persist `value` and
 * rebuild the average with `new Ewma(options, value)` after waking up.
 */
export class Ewma {
  private current: number | null;

  constructor(
    readonly options: EwmaOptions = SCORE_SMOOTHING,
    initial: number | null = null,
  ) {
    for (const alpha of [options.alphaUp, options.alphaDown]) {
      if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`EWMA alpha must be in (0, 1], got ${alpha}`);
    }
    this.current = initial;
  }

  get value(): number | null {
    return this.current;
  }

  /** Adds a sample and returns the new average; the first sample becomes the average as is. */
  update(sample: number): number {
    const previous = this.current;
    let next = sample;
    if (previous !== null) {
      const alpha = sample < previous ? this.options.alphaDown : this.options.alphaUp;
      next = alpha * sample + (1 - alpha) * previous;
    }
    if (this.options.floor !== undefined) next = Math.max(this.options.floor, next);
    this.current = next;
    return next;
  }
}
