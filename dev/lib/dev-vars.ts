// .dev.vars holds the secrets `wrangler dev` binds (production sets them with `wrangler secret put`).
// A fresh clone has none, so `npm run dev` writes one from .dev.vars.example with random values for the
// secrets the Worker generates itself: JWT_SECRET (signs tokens), CONTENT_KEY_SECRET (wraps the content keys
// of paid and private videos) and ALERT_WEBHOOK_SECRET (signs alert webhooks, so alert rules with a webhook can be
// tried locally). A file made before a secret existed gets that one line appended; lines already
// there are never changed (a new CONTENT_KEY_SECRET would make every stored content key unreadable).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets with no outside source: a random value is as good as any, locally. */
const GENERATED_SECRETS = ['JWT_SECRET', 'CONTENT_KEY_SECRET', 'ALERT_WEBHOOK_SECRET'] as const;

// 48 random bytes = 64 base64url characters, well over the 32 the Worker's config requires.
const randomSecret = () => randomBytes(48).toString('base64url');

const keyOf = (line: string) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];

export interface DevVarsResult {
  /** The file did not exist and was written. */
  created: boolean;
  /** Generated secrets appended to an existing file that lacked them. */
  added: string[];
}

/** Creates `<root>/.dev.vars` unless it exists, or appends the generated secrets it lacks. */
export async function ensureDevVars(root: string): Promise<DevVarsResult> {
  const file = join(root, '.dev.vars');
  if (existsSync(file)) {
    const present = new Set((await readFile(file, 'utf8')).split('\n').map(keyOf));
    const added = GENERATED_SECRETS.filter((key) => !present.has(key));
    if (added.length > 0) await appendFile(file, `${added.map((key) => `${key}=${randomSecret()}`).join('\n')}\n`);
    return { created: false, added };
  }
  const examplePath = join(root, '.dev.vars.example');
  const example = existsSync(examplePath) ? await readFile(examplePath, 'utf8') : '';
  const lines = ['# Created by `npm run dev` from .dev.vars.example. Local secrets only; never commit this file.'];
  const written = new Set<string>();
  for (const line of example.split('\n')) {
    const key = keyOf(line);
    if (!key) continue;
    if ((GENERATED_SECRETS as readonly string[]).includes(key)) {
      lines.push(`${key}=${randomSecret()}`);
      written.add(key);
    } else {
      lines.push(line.trim());
    }
  }
  for (const key of GENERATED_SECRETS) if (!written.has(key)) lines.push(`${key}=${randomSecret()}`);
  // Owner-only: it holds secrets.
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return { created: true, added: [] };
}
