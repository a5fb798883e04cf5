// bench/RESULTS.md is one file with a section per benchmark ("## Title" up to the next "## "). A benchmark run
// alone replaces its own section and leaves the others as they were, so results from separate runs coexist;
// each section states its own machine, date and command.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RESULTS_PATH = join(import.meta.dirname, '..', 'RESULTS.md');

export function replaceSection(document: string, title: string, body: string): string {
  const section = `## ${title}\n\n${body.trim()}\n`;
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${title}`);
  if (start === -1) return `${document.trimEnd()}\n\n${section}`;
  let end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  if (end === -1) end = lines.length;
  return [...lines.slice(0, start), ...section.split('\n'), ...lines.slice(end)].join('\n').replace(/\n{3,}/g, '\n\n');
}

export async function writeResultsSection(title: string, body: string, path = RESULTS_PATH): Promise<void> {
  const current = existsSync(path) ? await readFile(path, 'utf8') : '# Benchmark results\n';
  await writeFile(path, `${replaceSection(current, title, body).trimEnd()}\n`);
}
