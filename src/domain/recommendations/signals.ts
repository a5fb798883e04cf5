// Implicit feedback: what a viewer did with a video, folded into one summary per (user, video), and the weight
// that summary carries for the recommenders. Implicit signals say "how much", not "how good": a longer watch,
// a completion, a like or a purchase raise the confidence that the viewer cares (Hu, Koren & Volinsky,
// "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008), and old signals fade with a half-life.

export const INTERACTION_KINDS = ['view', 'complete', 'like', 'purchase', 'follow', 'skip'] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

export interface Interaction {
  kind: InteractionKind;
  /** Share of the video watched, 0–1 (views; a completion counts as 1). */
  watchFraction?: number | null;
  /** Epoch ms. */
  at: number;
}

/** Everything one viewer did with one video, as stored per (user, video). */
export interface SignalSummary {
  views: number;
  maxWatchFraction: number;
  completed: boolean;
  liked: boolean;
  purchased: boolean;
  followed: boolean;
  skipped: boolean;
  firstAt: number;
  lastAt: number;
}

export const emptySignal = (at: number): SignalSummary => ({
  views: 0,
  maxWatchFraction: 0,
  completed: false,
  liked: false,
  purchased: false,
  followed: false,
  skipped: false,
  firstAt: at,
  lastAt: at,
});

const clamp01 = (value: number) => Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));

/**
 * Adds one interaction to a summary. Every field is a count, a maximum or a flag, so the order of
 * interactions does not matter (the D1 upsert in recommendations-repo.ts applies the same rules in SQL).
 */
export function foldInteraction(summary: SignalSummary, interaction: Interaction): SignalSummary {
  const next = {
    ...summary,
    firstAt: Math.min(summary.firstAt, interaction.at),
    lastAt: Math.max(summary.lastAt, interaction.at),
  };
  switch (interaction.kind) {
    case 'view':
      return { ...next, views: next.views + 1, maxWatchFraction: Math.max(next.maxWatchFraction, clamp01(interaction.watchFraction ?? 0)) };
    case 'complete':
      return { ...next, completed: true, maxWatchFraction: 1 };
    case 'like':
      return { ...next, liked: true };
    case 'purchase':
      return { ...next, purchased: true };
    case 'follow':
      return { ...next, followed: true };
    case 'skip':
      return { ...next, skipped: true };
  }
}

/** How much each signal adds to the confidence that a viewer cares about a video. */
export const SIGNAL_WEIGHTS = {
  /** Any view at all. */
  view: 1,
  /** Times the share watched (a full watch adds this much on top of `view`). */
  watchFraction: 2,
  /** Each repeat view, up to `maxRepeatViews`. */
  repeatView: 0.25,
  maxRepeatViews: 4,
  complete: 1.5,
  like: 3,
  purchase: 4,
  follow: 2,
} as const;

export const DEFAULT_HALF_LIFE_MS = 30 * 86_400_000;
/** A skip after less than this share of the video reads as "not for me". */
export const SKIP_NEGATIVE_BELOW = 0.25;
/** Watched at least this share: counts as seen. */
export const SEEN_WATCH_FRACTION = 0.8;

/**
 * Confidence weight ≥ 0 of a summary at `now`. A quick skip with nothing positive is 0 (a negative signal:
 * the video is not used as a seed, and isSeen() keeps it out of the lists). The weight halves every
 * `halfLifeMs` since the last interaction, so tastes can move.
 */
export function signalWeight(summary: SignalSummary, now: number, halfLifeMs = DEFAULT_HALF_LIFE_MS): number {
  const positive = summary.completed || summary.liked || summary.purchased || summary.followed;
  if (summary.skipped && !positive && summary.maxWatchFraction < SKIP_NEGATIVE_BELOW) return 0;
  const w = SIGNAL_WEIGHTS;
  let weight = 0;
  if (summary.views > 0 || summary.completed) {
    weight += w.view + w.watchFraction * clamp01(summary.maxWatchFraction);
    weight += w.repeatView * Math.min(w.maxRepeatViews, Math.max(0, summary.views - 1));
  }
  if (summary.completed) weight += w.complete;
  if (summary.liked) weight += w.like;
  if (summary.purchased) weight += w.purchase;
  if (summary.followed) weight += w.follow;
  const ageMs = Math.max(0, now - summary.lastAt);
  return weight * 0.5 ** (ageMs / halfLifeMs);
}

/**
 * Seen videos are not recommended again: finished ones (completed or watched ≥ 80 %, purchased ones
 * included), liked ones and skipped ones. A purchase or a view still in progress stays eligible, so a viewer
 * is reminded of what they paid for or started.
 */
export function isSeen(summary: SignalSummary): boolean {
  return summary.completed || summary.liked || summary.skipped || summary.maxWatchFraction >= SEEN_WATCH_FRACTION;
}
