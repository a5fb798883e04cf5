// The one CSV writer of the API (analytics exports, revenue reports): RFC 4180 quoting, CRLF line ends, and
// guarded against formula injection — spreadsheets evaluate a cell that starts with =, +, -, @, tab or CR (OWASP
// "CSV Injection"), and creator-controlled text such as a video title lands in these files. Such a text cell is
// prefixed with a single quote; numbers are written as numbers (a negative amount stays a number).

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** `columns` in order; each row's missing column is an empty cell. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(cell).join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
