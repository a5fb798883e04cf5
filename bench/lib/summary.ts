// The summary table at the top of bench/RESULTS.md: one row per benchmark with its target, the measured value,
// met/missed and the command that reproduces it. Rows live in bench/summary.json, so a run of some sections
// updates their rows and keeps the others (each row carries the date it was measured).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_PATH } from './results';

export interface SummaryRow {
  /** Stable key: the section that measures it plus the measure. */
  key: string;
  benchmark: string;
  target: string;
  measured: string;
  met: boolean;
  command: string;
  /** Where missed: why, and what would close it. */
  note?: string;
  /** Load average (1 min) when measured. */
  load?: string;
  date?: string;
}

export const SUMMARY_PATH = join(import.meta.dirname, '..', 'summary.json');
const SUMMARY_TITLE = 'Summary';
/** Row order in the table: the order of the suite. */
const ORDER = ['ingest', 'cpu', 'queries', 'dashboard', 'p2p', 'tracker', 'swarm', 'rooms', 'recs', 'ipfs', 'packaging', 'bundle', 'load'];

async function readRows(path: string): Promise<SummaryRow[]> {
  if (!existsSync(path)) return [];
  return JSON.parse(await readFile(path, 'utf8')) as SummaryRow[];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function summaryMarkdown(rows: readonly SummaryRow[]): string {
  const sorted = [...rows].sort(
    (a, b) => ORDER.indexOf(a.key.split(':')[0] as string) - ORDER.indexOf(b.key.split(':')[0] as string) || (a.key < b.key ? -1 : 1),
  );
  const missed = sorted.filter((row) => !row.met && row.note);
  return [
    'One row per benchmark: target, measured value (ratios are to the baseline measured side by side in the same run), and how to',
    'reproduce it. Everything runs on one shared 2-core machine (load generator, workerd, Chromium, and other work), so absolute',
    'numbers are pessimistic and noisy; each row gives the 1-minute load average when it was measured. Details in the sections below.',
    '',
    '| benchmark | target | measured | verdict | measured at (UTC, load) | reproduce |',
    '| --- | --- | --- | --- | --- | --- |',
    ...sorted.map(
      (row) =>
        `| ${cell(row.benchmark)} | ${cell(row.target)} | ${cell(row.measured)} | ${row.met ? 'met' : '**missed**'} | ${row.date ?? ''}${row.load ? `, ${row.load}` : ''} | \`${cell(row.command)}\` |`,
    ),
    '',
    ...(missed.length > 0
      ? [
          '**Where a target is missed, why, and what would close it:**',
          '',
          ...missed.map((row) => `- **${row.benchmark}**: ${row.note}`),
          '',
        ]
      : []),
  ].join('\n');
}

/** Puts the summary section right under the document title, replacing an earlier one. */
export function placeSummary(document: string, body: string): string {
  const section = `## ${SUMMARY_TITLE}\n\n${body.trim()}\n`;
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${SUMMARY_TITLE}`);
  if (start !== -1) {
    let end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
    if (end === -1) end = lines.length;
    lines.splice(start, end - start, ...section.split('\n'));
    return lines.join('\n').replace(/\n{3,}/g, '\n\n');
  }
  const title = lines.findIndex((line) => line.startsWith('# '));
  lines.splice(title + 1, 0, '', ...section.split('\n'));
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** Replaces the rows with these keys (others kept) and rewrites the summary table of RESULTS.md. */
export async function updateSummary(rows: readonly SummaryRow[], resultsPath = RESULTS_PATH, summaryPath = SUMMARY_PATH): Promise<void> {
  const keys = new Set(rows.map((row) => row.key));
  const all = [...(await readRows(summaryPath)).filter((row) => !keys.has(row.key)), ...rows];
  await writeFile(summaryPath, `${JSON.stringify(all, null, 2)}\n`);
  const current = existsSync(resultsPath) ? await readFile(resultsPath, 'utf8') : '# Benchmark results\n';
  await writeFile(resultsPath, `${placeSummary(current, summaryMarkdown(all)).trimEnd()}\n`);
}
