// Display formatting for catalog data, using the browser's Intl so numbers and dates follow the user's locale.

/** "Free", or the price in its currency; `priceCents` is in the currency's minor unit (cents, or yen for JPY). */
export function formatPrice(priceCents: number, currency: string): string {
  if (priceCents <= 0) return 'Free';
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    const minorDigits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(priceCents / 10 ** minorDigits);
  } catch {
    return `${(priceCents / 100).toFixed(2)} ${currency}`;
  }
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** 75 → "1 minute 15 seconds", for screen readers. */
export function describeDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const parts: [number, string][] = [
    [Math.floor(seconds / 3600), 'hour'],
    [Math.floor((seconds % 3600) / 60), 'minute'],
    [seconds % 60, 'second'],
  ];
  const words = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return words.length ? words.join(' ') : '0 seconds';
}

let languageNames: Intl.DisplayNames | null | undefined;

/** "en" → "English"; unknown codes are shown as given. */
export function formatLanguage(code: string): string {
  if (languageNames === undefined) {
    try {
      languageNames = new Intl.DisplayNames(undefined, { type: 'language' });
    } catch {
      languageNames = null;
    }
  }
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A stable hue (0–359) for a string, so each video's placeholder artwork keeps its colour. */
export function hueOf(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash % 360;
}
