// Amounts as the API keeps them (integers in the currency's minor unit: cents, or whole yen for JPY) and as a
// creator reads and types them ("12.99"). Intl knows each currency's number of minor digits.

function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** 1299, "USD" → "$12.99" in the user's locale; unlike formatPrice, zero is an amount here, not "Free". */
export function formatMoney(minorUnits: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minorUnits / 10 ** minorDigits(currency));
  } catch {
    return `${(minorUnits / 100).toFixed(2)} ${currency}`;
  }
}

/** 1299, "USD" → "12.99": the value an amount field shows. */
export function toAmountInput(minorUnits: number, currency: string): string {
  return (minorUnits / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));
}

/**
 * "12.99" (or "12,99"), "USD" → 1299; "" → null (no price). Throws a RangeError with a sentence for the creator
 * when the text is not an amount of that currency.
 */
export function parseAmountInput(text: string, currency: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return null;
  const digits = minorDigits(currency);
  const pattern = digits > 0 ? new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`) : /^\d+$/;
  if (!pattern.test(trimmed)) {
    throw new RangeError(digits > 0 ? `Write an amount such as 4.99 (at most ${digits} decimals).` : 'Write a whole amount such as 500.');
  }
  const [whole = '0', fraction = ''] = trimmed.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}
