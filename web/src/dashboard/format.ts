// How the dashboard writes its numbers: units always shown, "–" for no data (null), the user's locale through
// Intl. Rates from the API are fractions (0–1) and are shown as percentages.
import { type MosBand, mosBand } from '../../../src/domain/quality/mos';

export const NO_DATA = '–';

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const isNumber = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

export function formatCount(value: number | null | undefined): string {
  return isNumber(value) ? integer.format(value) : NO_DATA;
}

export function formatMs(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_DATA;
  if (value >= 10_000) return `${oneDecimal.format(value / 1000)} s`;
  // Jitter and LAN round trips are single-digit milliseconds, where the decimal matters.
  return `${(value < 10 ? oneDecimal : integer).format(value)} ms`;
}

/** 0.0123 → "1.23 %"; small rates keep two decimals so 0.4 % loss does not read as 0 %. */
export function formatPercent(ratio: number | null | undefined, digits?: number): string {
  if (!isNumber(ratio)) return NO_DATA;
  const percent = ratio * 100;
  const fractionDigits = digits ?? (percent < 10 ? 2 : 1);
  return `${percent.toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: fractionDigits })} %`;
}

/** Any other number: whole numbers grouped, fractions to at most three decimals. */
export function formatNumber(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_DATA;
  return value.toLocaleString(undefined, { maximumFractionDigits: Number.isInteger(value) ? 0 : 3 });
}

export function formatMos(value: number | null | undefined): string {
  return isNumber(value) ? twoDecimals.format(value) : NO_DATA;
}

/** Decimal (SI) units, as network traffic is usually counted. */
export function formatBytes(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_DATA;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? integer.format(scaled) : oneDecimal.format(scaled)} ${units[unit]}`;
}

export const MOS_BAND_LABELS: Record<MosBand, string> = {
  excellent: 'Excellent',
  good: 'Good',
  fair: 'Fair',
  poor: 'Poor',
  bad: 'Bad',
};

/** The G.107 band of a MOS value, e.g. "Good" (bands from src/domain/quality/mos.ts). */
export function describeMos(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_DATA;
  return MOS_BAND_LABELS[mosBand(value)];
}

let regionNames: Intl.DisplayNames | null | undefined;

/** "DE" → "Germany"; unknown codes as given, '' as "Unknown". */
export function countryName(code: string | null | undefined): string {
  if (!code) return 'Unknown';
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function formatDateTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return NO_DATA;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTime.format(date);
}

export function formatTime(value: string | number): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : timeOnly.format(date);
}

const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A time in a table cell: only the clock time when it is today, the day and time otherwise. */
export function formatRecent(value: string | number, nowMs = Date.now()): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toDateString() === new Date(nowMs).toDateString() ? timeOnly.format(date) : shortDateTime.format(date);
}

/** 4_000 → "4 s ago", 125_000 → "2 min ago". */
export function formatAgo(elapsedMs: number): string {
  const seconds = Math.max(0, Math.round(elapsedMs / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

/** A long id shortened for a table cell ("ses_abcd…wxyz"); the full id stays in a title or the drill-down. */
export function shortId(id: string | null | undefined): string {
  if (!id) return NO_DATA;
  return id.length > 16 ? `${id.slice(0, 10)}…${id.slice(-4)}` : id;
}

/** The units the dashboard's time series come in. */
export type MetricUnit = 'ms' | 'ratio' | 'mos' | 'count';

export function formatMetric(unit: MetricUnit, value: number | null | undefined): string {
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'ratio':
      return formatPercent(value);
    case 'mos':
      return formatMos(value);
    default:
      // Counts averaged over a bucket (active peers) are fractional: 0.2 peers must not read as 0.
      return isNumber(value) && !Number.isInteger(value) ? oneDecimal.format(value) : formatCount(value);
  }
}
