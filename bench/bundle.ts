// The Worker bundle as Cloudflare would receive it: `wrangler deploy --dry-run --outdir` (no upload), then the
// size of every emitted module raw and gzip-compressed (level 9; Cloudflare's size limit applies to the
// compressed upload: 3 MiB on Workers Free, 10 MiB on Workers Paid).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleResult {
  files: { name: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
}

export const FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024;

export async function benchBundle(root: string): Promise<BundleResult> {
  const outdir = await mkdtemp(join(tmpdir(), 'vibestream-bundle-'));
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    });
    const files: BundleResult['files'] = [];
    for (const entry of await readdir(outdir, { recursive: true })) {
      const path = join(outdir, entry);
      if (!(await stat(path)).isFile() || entry.endsWith('.map') || entry.endsWith('README.md')) continue;
      const bytes = await readFile(path);
      files.push({ name: entry, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength });
    }
    return {
      files,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
