// Values for a JSON schema: a plausible valid one (so a single mutation reaches the validation of one field
// rather than failing on the first), and malformed ones of every kind the API must refuse cleanly.
import type { JsonSchema } from './openapi';
import type { Rng } from './prng';

/** Ids the test created, by prefix ("vid_", "usr_", …): a valid-looking id that also exists reaches deeper code. */
export type KnownIds = Record<string, string[]>;

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** "^vid_[a-z0-9]{6,40}$" → "vid_": the id prefixes the API uses in its patterns. */
export function idPrefixOf(pattern: string | undefined): string | undefined {
  return pattern ? /^\^([a-z]{2,4}_)\[/.exec(pattern)?.[1] : undefined;
}

export function validValue(schema: JsonSchema, rng: Rng, known: KnownIds, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return rng.pick(schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return validValue(rng.pick(variants), rng, known, depth + 1);
  if (schema.allOf?.length) return validValue(Object.assign({}, ...schema.allOf), rng, known, depth + 1);
  switch (typeOf(schema)) {
    case 'string':
      return validString(schema, rng, known);
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const high = schema.maximum ?? low + 100;
      return low + rng.int(Math.max(1, Math.min(high, low + 1000) - low + 1));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      if (depth > 4 || !schema.items) return [];
      const n = Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 1 + rng.int(2)));
      return Array.from({ length: n }, () => validValue(schema.items as JsonSchema, rng, known, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (depth > 4) break;
        if (required.has(name) || rng.chance(0.5)) out[name] = validValue(property, rng, known, depth + 1);
      }
      return out;
    }
    default:
      return 'x';
  }
}

function validString(schema: JsonSchema, rng: Rng, known: KnownIds): string {
  switch (schema.format) {
    case 'email':
      return `fuzz-${rng.word(8)}@example.com`;
    case 'date-time':
      return new Date(Date.now() - rng.int(86_400_000)).toISOString();
    case 'uri':
    case 'url':
      return `https://example.com/${rng.word(6)}`;
    case 'uuid':
      return crypto.randomUUID();
  }
  const prefix = idPrefixOf(schema.pattern);
  if (prefix) {
    const ids = known[prefix];
    return ids?.length && rng.chance(0.7) ? rng.pick(ids) : `${prefix}${rng.word(16)}`;
  }
  if (schema.pattern === '^[A-Za-z]{2}$') return rng.pick(['US', 'DE', 'fr']);
  if (schema.pattern === '^[A-Za-z]{3}$') return rng.pick(['USD', 'EUR', 'usd']);
  if (schema.pattern?.startsWith('^[a-z2-9]')) return rng.word(24);
  const min = schema.minLength ?? 1;
  const max = Math.min(schema.maxLength ?? 24, 24);
  return rng.word(Math.max(min, Math.min(max, 8)));
}

const LONG = 'x'.repeat(100_000);

/** Strings that are valid UTF-8 JSON but hostile: empty, blank, huge, control characters, odd Unicode, injections. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'nul\u0000inside',
  '\ud800', // lone surrogate: JSON.stringify escapes it, JSON.parse gives it back
  '\u202eevil\u202c', // right-to-left override
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '\ufeffBOM',
  '🙂'.repeat(200),
  '𝕳𝖊𝖑𝖑𝖔',
  'ＡＢＣ', // full-width
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  `\${jndi:ldap://x}`, // log4shell-style lookup, literally
  '{{7*7}}',
  '__proto__',
  'a'.repeat(256),
  'a'.repeat(4097),
  LONG.slice(0, 20_000),
  LONG,
];

const HOSTILE_NUMBERS: readonly unknown[] = [-1, 0, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER * 4, '12', '1e3', '0x10'];

/** A value of the wrong JSON type for `schema`. */
export function wrongTypeValue(schema: JsonSchema, rng: Rng): unknown {
  const type = typeOf(schema);
  const choices: unknown[] = [null, true, 0, -7, 3.14, 'text', [], [1, 'two'], {}, { nested: { deeper: [] } }];
  const wrong = choices.filter((value) => {
    if (value === null) return !(Array.isArray(schema.type) && schema.type.includes('null')) && !schema.nullable;
    if (Array.isArray(value)) return type !== 'array';
    if (typeof value === 'object') return type !== 'object';
    if (typeof value === 'number') return type !== 'number' && type !== 'integer';
    if (typeof value === 'boolean') return type !== 'boolean';
    return type !== 'string';
  });
  return rng.pick(wrong.length > 0 ? wrong : choices);
}

/** A value of the right type that breaks the schema's limits, or a hostile string/number. */
export function edgeValue(schema: JsonSchema, rng: Rng): unknown {
  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') {
    const limits: unknown[] = [...HOSTILE_NUMBERS];
    if (schema.minimum !== undefined) limits.push(schema.minimum - 1);
    if (schema.maximum !== undefined) limits.push(schema.maximum + 1, schema.maximum * 1000);
    return rng.pick(limits);
  }
  if (type === 'array') {
    const item = schema.items ? validValue(schema.items, rng, {}) : 'x';
    return rng.pick([
      [],
      Array.from({ length: (schema.maxItems ?? 100) + 1 }, () => item),
      Array.from({ length: 5000 }, () => item),
      [null],
    ]);
  }
  if (type === 'object') return rng.pick([{}, { [rng.pick(HOSTILE_STRINGS).slice(0, 64)]: 1 }, deepNesting(200)]);
  if (schema.enum) return rng.pick(['', 'NOT_A_CHOICE', `${String(schema.enum[0])} `, String(schema.enum[0]).toUpperCase()]);
  if (schema.maxLength !== undefined && rng.chance(0.3)) return 'y'.repeat(schema.maxLength + 1);
  return rng.pick(HOSTILE_STRINGS);
}

export function deepNesting(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { n: value };
  return value;
}

/** Percent-encodes, turning lone surrogates (which URLs cannot carry) into U+FFFD. */
export function encodeUnicode(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** A query-string value breaking `schema` (the API sees every query value as a string first). */
export function badQueryValue(schema: JsonSchema, rng: Rng): string {
  const type = typeOf(schema) ?? (schema.anyOf ? 'anyOf' : undefined);
  const shared = ['', ' ', '%', '%%', '%zz', '%00', '%ff%fe', 'null', 'undefined', '[]', '{}', '-', '🙂', encodeURIComponent('\u202e')];
  const typed: string[] =
    type === 'integer' || type === 'number' || type === 'anyOf'
      ? ['-1', '0', '1.5', 'NaN', 'Infinity', '1e999', '99999999999999999999', '0x10', 'abc', String((schema.maximum ?? 100) + 1)]
      : schema.enum
        ? ['NOT_A_CHOICE', `${String(schema.enum[0]).toUpperCase()}`, encodeURIComponent(`${String(schema.enum[0])} `)]
        : [encodeUnicode(rng.pick(HOSTILE_STRINGS).slice(0, 3000)), 'z'.repeat((schema.maxLength ?? 512) + 1)];
  return rng.pick([...shared, ...typed]);
}

/** Path segments an id parameter must refuse (already percent-encoded where the URL needs it). */
export const BAD_PATH_SEGMENTS: readonly string[] = [
  'x',
  '%20',
  '%00',
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  'vid_',
  'usr_',
  `vid_${'a'.repeat(300)}`,
  'a'.repeat(2000),
  encodeURIComponent('🙂'),
  encodeURIComponent("1' OR '1'='1"),
  encodeURIComponent('<script>'),
  'VID_ABCDEFGH',
  '%',
  '%zz',
  '-1',
  '0',
  'null',
  encodeURIComponent('\u202e'),
];
