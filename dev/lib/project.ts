// Where the project lives and how every wrangler child process of the dev tooling is configured.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Wrangler's entry script, run with the current Node directly: `npx` adds a second or more to every call. */
export const WRANGLER_BIN = join(PROJECT_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

/** Wrangler's default local state directory (D1 sqlite files, Durable Object storage, R2, queues). */
export const DEFAULT_STATE_DIR = join(PROJECT_ROOT, '.wrangler', 'state');

/**
 * Environment for a wrangler child process that must work without internet or a Cloudflare account.
 * Without these, wrangler tries an update check, telemetry and a `request.cf` download, each of which costs a
 * timeout when the network drops it.
 *
 * For local work wrangler's own config and logs go under `.wrangler/` of the project instead of `~/.config`.
 * For `--remote` they stay where they are: the account login (`wrangler login`) lives in `~/.config/.wrangler`.
 */
export function wranglerEnv(options: { remote?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  };
  if (!options.remote) {
    env.XDG_CONFIG_HOME = join(PROJECT_ROOT, '.wrangler', 'config');
    env.WRANGLER_LOG_PATH = join(PROJECT_ROOT, '.wrangler', 'logs');
  }
  return env;
}
