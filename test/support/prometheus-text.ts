// A strict little reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a
// HELP, a TYPE or a sample; a family's HELP/TYPE come once and before its samples; histogram buckets are
// cumulative and end in +Inf equal to _count. Throws on the first violation, naming the line.

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|\\+Inf|-Inf|NaN)';
const COMMENT_RE = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (${VALUE})$`);
const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const family = families.get(sampleName.slice(0, -suffix.length));
      if (family && family.type === 'histogram') return family;
    }
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, Family>();
  const lines = text.split('\n').slice(0, -1);
  let current: Family | undefined;
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    const comment = COMMENT_RE.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      let family = families.get(name);
      if (family && family !== current) throw new Error(`${where}: family ${name} is split`);
      if (!family) {
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
      }
      if (family.samples.length > 0) throw new Error(`${where}: ${kind} after samples`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${where}: unknown type`);
        family.type = rest;
      } else family.help = rest;
      current = family;
      return;
    }
    if (line.startsWith('#')) return; // other comments are allowed and ignored
    const sample = SAMPLE_RE.exec(line);
    if (!sample) throw new Error(`${where}: not a valid sample line`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    const family = familyOf(name, families);
    if (!family || family !== current) throw new Error(`${where}: sample outside its family's block`);
    const labels: Record<string, string> = {};
    for (const match of (labelText ?? '').matchAll(LABEL_RE)) {
      const [, label, value] = match as unknown as [string, string, string];
      if (label in labels) throw new Error(`${where}: duplicate label ${label}`);
      labels[label] = unescapeLabel(value);
    }
    family.samples.push({ name, labels, value: parseValue(valueText) });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: { le: number; value: number }[]; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push({ le: parseValue(le), value: sample.value });
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
    else if (sample.name.endsWith('_sum')) entry.sum = sample.value;
  }
  for (const [key, entry] of series) {
    const last = entry.buckets[entry.buckets.length - 1];
    if (!last || last.le !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket last`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const prev = entry.buckets[i - 1] as { le: number; value: number };
      const cur = entry.buckets[i] as { le: number; value: number };
      if (!(cur.le > prev.le)) throw new Error(`${family.name}${key}: le not increasing`);
      if (cur.value < prev.value) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (entry.count !== last.value) throw new Error(`${family.name}${key}: _count ≠ +Inf bucket`);
    if (entry.sum === undefined) throw new Error(`${family.name}${key}: no _sum`);
  }
}

/** The value of the one sample with exactly these labels (or a subset match when `partial`). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}
