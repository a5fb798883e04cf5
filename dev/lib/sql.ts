// SQL literals for statements sent through `wrangler d1 execute`, which accepts no bound parameters.
//
// SQLite's only escape inside a single-quoted string is a doubled quote ('' for '); backslashes have no
// special meaning, so doubling quotes is the complete rule for text. NUL is refused because SQLite ends the
// literal there. Numbers must be finite: `NaN`/`Infinity` would be read as column names.

export type SqlValue = string | number | boolean | null;

export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new Error('SQL text values cannot contain NUL characters');
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlValue(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  return sqlString(value);
}

/** `(a, b), (c, d)`: the rows as a VALUES list, columns in the given order. */
export function valuesList(columns: readonly string[], rows: readonly Record<string, SqlValue>[]): string {
  return rows.map((row) => `(${columns.map((column) => sqlValue(row[column] ?? null)).join(', ')})`).join(', ');
}

/** `INSERT [OR IGNORE] INTO table (a, b) VALUES (…), (…);` with every value escaped; columns from the first row. */
export function insertStatement(
  table: string,
  rows: Record<string, SqlValue> | readonly Record<string, SqlValue>[],
  options: { orIgnore?: boolean } = {},
): string {
  const list = Array.isArray(rows) ? rows : [rows as Record<string, SqlValue>];
  const columns = Object.keys(list[0] ?? {});
  if (columns.length === 0) throw new Error(`nothing to insert into ${table}`);
  const verb = options.orIgnore ? 'INSERT OR IGNORE INTO' : 'INSERT INTO';
  return `${verb} ${table} (${columns.join(', ')}) VALUES ${valuesList(columns, list)};`;
}
