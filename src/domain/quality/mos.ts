// Mean Opinion Score estimated from network measurements with the ITU-T G.107 E-model, in the simplified form
// that WebRTC monitoring tools commonly use. The E-model was built for voice, so for video it is a network-health
// indicator on a familiar 1–4.5 scale, not a prediction of what a viewer would rate the picture.
//
// Sources:
// - ITU-T G.107 "The E-model": with every parameter at its default value the rating is R = 93.2, and Annex B
//   gives the R → MOS conversion and the table of user-satisfaction categories by R (taken from G.109).
// - R. G. Cole, J. H. Rosenbluth, "Voice over IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001: reduce the
//   E-model to a delay impairment that is linear with a knee, plus a loss impairment.
// - The piecewise form used here (Le/40 below 160 ms, (Le − 120)/10 above, 2.5 R per percent of loss, with jitter
//   counted twice and 10 ms of codec delay) is the PingPlotter formulation of that simplification
//   (https://www.pingman.com/kb/article/how-is-mos-calculated-in-pingplotter-pro-50.html), which LiveKit also cites.
//   Like PingPlotter it takes the measured round trip as the latency, which overstates the one-way mouth-to-ear
//   delay G.107 means; the result errs on the pessimistic side.

export interface MosInput {
  rttMs: number;
  jitterMs: number;
  lossPercent: number; // 0–100
}

/** G.107: the rating of a connection with every E-model parameter at its default value. */
export const R_DEFAULT = 93.2;

/** MOS limits of the G.107 Annex B conversion. */
export const MOS_MIN = 1;
export const MOS_MAX = 4.5;

function requireFinite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}

/** Le = RTT + 2·jitter + 10 ms (PingPlotter): jitter buffers hold about twice the jitter; 10 ms is codec delay. */
export function effectiveLatencyMs(rttMs: number, jitterMs: number): number {
  return Math.max(0, requireFinite('rttMs', rttMs)) + 2 * Math.max(0, requireFinite('jitterMs', jitterMs)) + 10;
}

/**
 * Transmission rating R in [0, 100]:
 *   R = 93.2 − (Le < 160 ? Le/40 : (Le − 120)/10) − 2.5·loss%
 * Both delay branches give 4 at Le = 160, so R is continuous; the steeper branch is the knee Cole & Rosenbluth
 * found where delay starts to hurt conversation.
 */
export function rFactor({ rttMs, jitterMs, lossPercent }: MosInput): number {
  const latencyMs = effectiveLatencyMs(rttMs, jitterMs);
  const delayImpairment = latencyMs < 160 ? latencyMs / 40 : (latencyMs - 120) / 10;
  const loss = Math.min(100, Math.max(0, requireFinite('lossPercent', lossPercent)));
  const r = R_DEFAULT - delayImpairment - 2.5 * loss;
  return Math.min(100, Math.max(0, r));
}

/**
 * G.107 Annex B: MOS = 1 + 0.035R + 7·10⁻⁶·R(R − 60)(100 − R), with R clamped to [0, 100].
 * The cubic dips just below 1 for R under about 7, so the result is clamped to [1, 4.5] as well.
 */
export function mosFromR(r: number): number {
  const rating = Math.min(100, Math.max(0, requireFinite('r', r)));
  const score = 1 + 0.035 * rating + 7e-6 * rating * (rating - 60) * (100 - rating);
  return Math.min(MOS_MAX, Math.max(MOS_MIN, score));
}

export function mos(input: MosInput): number {
  return mosFromR(rFactor(input));
}

export type MosBand = 'excellent' | 'good' | 'fair' | 'poor' | 'bad';

/**
 * G.107 Annex B user-satisfaction table (after G.109): R ≥ 90 users very satisfied, ≥ 80 satisfied, ≥ 70 some
 * dissatisfied, ≥ 60 many dissatisfied, below that nearly all dissatisfied. The MOS floors are those R limits put
 * through `mosFromR` — 4.339, 4.024, 3.597 and 3.100, which the table rounds to 4.34, 4.0, 3.6 and 3.1 — so a MOS
 * and the R it came from always land in the same band.
 * G.109 splits "below 60" again at R = 50; one "bad" band is enough for a dashboard.
 * Ordered worst to best; this order is also the bucket order of the MOS histogram.
 */
export const MOS_BANDS: readonly { band: MosBand; minR: number; minMos: number }[] = [
  { band: 'bad', minR: 0, minMos: MOS_MIN },
  { band: 'poor', minR: 60, minMos: mosFromR(60) },
  { band: 'fair', minR: 70, minMos: mosFromR(70) },
  { band: 'good', minR: 80, minMos: mosFromR(80) },
  { band: 'excellent', minR: 90, minMos: mosFromR(90) },
];

export function mosBand(score: number): MosBand {
  let band: MosBand = 'bad';
  for (const candidate of MOS_BANDS) if (score >= candidate.minMos) band = candidate.band;
  return band;
}
