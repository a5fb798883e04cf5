// .dev.vars holds the secrets `wrangler dev` binds (production sets them with `wrangler secret put`).
// A fresh clone has none, so `npm run dev` writes one from .dev.vars.example with a random JWT_SECRET.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Creates `<root>/.dev.vars` unless it exists; returns whether it did. Never overwrites a developer's file. */
export async function ensureDevVars(root: string): Promise<boolean> {
  const file = join(root, '.dev.vars');
  if (existsSync(file)) return false;
  const examplePath = join(root, '.dev.vars.example');
  const example = existsSync(examplePath) ? await readFile(examplePath, 'utf8') : '';
  // 48 random bytes = 64 base64url characters, well over the 32 the Worker's config requires.
  const jwtSecret = randomBytes(48).toString('base64url');
  const lines = ['# Created by `npm run dev` from .dev.vars.example. Local secrets only; never commit this file.'];
  let hasJwtSecret = false;
  for (const line of example.split('\n')) {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (!key) continue;
    if (key === 'JWT_SECRET') {
      lines.push(`JWT_SECRET=${jwtSecret}`);
      hasJwtSecret = true;
    } else {
      lines.push(line.trim());
    }
  }
  if (!hasJwtSecret) lines.push(`JWT_SECRET=${jwtSecret}`);
  // Owner-only: it holds secrets.
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return true;
}
