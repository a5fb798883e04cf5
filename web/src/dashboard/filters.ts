// What the dashboard shows: a time range (a preset that follows the clock, or fixed from/to) and optional video
// and region filters. The state lives in the URL (`/dashboard/?range=6h&country=DE`), so a view can be
// bookmarked, shared and reloaded. Pure functions, no DOM: the page module wires them to the form.
import type { AnalyticsFilters, TimeseriesBucket } from '../api-types';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface RangePreset {
  id: '15m' | '1h' | '6h' | '24h' | '7d';
  label: string;
  durationMs: number;
  /** Chart resolution for this range: between 15 and 168 points. */
  bucket: TimeseriesBucket;
}

export const RANGE_PRESETS: readonly RangePreset[] = [
  { id: '15m', label: '15 min', durationMs: 15 * MINUTE_MS, bucket: '1m' },
  { id: '1h', label: '1 hour', durationMs: HOUR_MS, bucket: '1m' },
  { id: '6h', label: '6 hours', durationMs: 6 * HOUR_MS, bucket: '5m' },
  { id: '24h', label: '24 hours', durationMs: DAY_MS, bucket: '1h' },
  { id: '7d', label: '7 days', durationMs: 7 * DAY_MS, bucket: '1h' },
];

export type RangeId = RangePreset['id'] | 'custom';

export const DEFAULT_RANGE: RangePreset['id'] = '1h';

export const BUCKET_MS: Record<TimeseriesBucket, number> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '1h': HOUR_MS,
  '1d': DAY_MS,
};

/** A custom range gets the finest bucket that keeps a chart at or under this many points. */
const MAX_POINTS = 400;

export interface DashboardFilters {
  range: RangeId;
  /** Epoch ms; only for the custom range. */
  fromMs: number | null;
  toMs: number | null;
  videoId: string;
  /** ISO 3166-1 alpha-2, upper case; '' for all regions. */
  country: string;
}

export interface ResolvedRange {
  fromMs: number;
  toMs: number;
  bucket: TimeseriesBucket;
  /** Presets follow the clock; a fixed custom range does not change, so polling it is pointless. */
  live: boolean;
}

export const VIDEO_ID_MAX_LENGTH = 64;

export function normaliseCountry(value: string): string {
  const code = value.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? code : '';
}

export function normaliseVideoId(value: string): string {
  return value.trim().slice(0, VIDEO_ID_MAX_LENGTH);
}

function parseTime(value: string | null): number | null {
  if (!value) return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function readFilters(search: string): DashboardFilters {
  const params = new URLSearchParams(search);
  const fromMs = parseTime(params.get('from'));
  const toMs = parseTime(params.get('to'));
  const rangeParam = params.get('range');
  const preset = RANGE_PRESETS.find((candidate) => candidate.id === rangeParam);
  // A valid from/to pair wins over a preset; a broken one falls back to the default preset.
  const custom = fromMs !== null && toMs !== null && fromMs < toMs;
  return {
    range: custom ? 'custom' : (preset?.id ?? DEFAULT_RANGE),
    fromMs: custom ? fromMs : null,
    toMs: custom ? toMs : null,
    videoId: normaliseVideoId(params.get('videoId') ?? ''),
    country: normaliseCountry(params.get('country') ?? ''),
  };
}

/** The query string (with "?" when not empty) that `readFilters` turns back into `filters`. */
export function filtersToSearch(filters: DashboardFilters): string {
  const params = new URLSearchParams();
  if (filters.range === 'custom' && filters.fromMs !== null && filters.toMs !== null) {
    params.set('from', new Date(filters.fromMs).toISOString());
    params.set('to', new Date(filters.toMs).toISOString());
  } else if (filters.range !== DEFAULT_RANGE) {
    params.set('range', filters.range);
  }
  if (filters.videoId) params.set('videoId', filters.videoId);
  if (filters.country) params.set('country', filters.country);
  const query = params.toString();
  return query ? `?${query}` : '';
}

export function bucketForSpan(spanMs: number): TimeseriesBucket {
  const buckets = Object.entries(BUCKET_MS) as [TimeseriesBucket, number][];
  return (buckets.find(([, size]) => spanMs / size <= MAX_POINTS) ?? buckets[buckets.length - 1])?.[0] ?? '1d';
}

export function resolveRange(filters: DashboardFilters, nowMs: number): ResolvedRange {
  if (filters.range === 'custom' && filters.fromMs !== null && filters.toMs !== null) {
    return { fromMs: filters.fromMs, toMs: filters.toMs, bucket: bucketForSpan(filters.toMs - filters.fromMs), live: filters.toMs > nowMs };
  }
  const preset = RANGE_PRESETS.find((candidate) => candidate.id === filters.range) ?? (RANGE_PRESETS[1] as RangePreset);
  return { fromMs: nowMs - preset.durationMs, toMs: nowMs, bucket: preset.bucket, live: true };
}

/** The query every analytics report takes, for these filters and range. */
export function analyticsFilters(filters: DashboardFilters, range: ResolvedRange): AnalyticsFilters {
  const query: AnalyticsFilters = { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() };
  if (filters.videoId) query.videoId = filters.videoId;
  if (filters.country) query.country = filters.country;
  return query;
}

/** Epoch ms → the value of an `<input type="datetime-local">` (local time, minutes). */
export function toDateTimeLocal(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The value of an `<input type="datetime-local">` → epoch ms (the browser parses it as local time). */
export function fromDateTimeLocal(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}
