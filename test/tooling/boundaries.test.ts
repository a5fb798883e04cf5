// The import-boundary check behind `npm run lint` (dev/check-boundaries.ts): each rule refuses a real import
// written into a throwaway tree, the allowed imports next to them pass, and the repository itself passes.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBoundaries } from '../../dev/check-boundaries';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

// One file per case: path → source. The `ok` files import only what their folder may.
const FIXTURE: Record<string, string> = {
  'src/domain/alerts/rules.ts': "import { z } from 'zod';\nimport { clamp } from '../numbers';\nexport const a = z.string();\n",
  'src/domain/numbers.ts': 'export const clamp = (n: number) => n;\n',
  'src/domain/leaky.ts': "import { openDatabase } from '../adapters/db/client';\nexport const b = openDatabase;\n",
  'src/domain/platform.ts': "import { DurableObject } from 'cloudflare:workers';\nexport const c = DurableObject;\n",
  'src/adapters/db/client.ts': 'export const openDatabase = () => null;\n',
  'src/env.ts': 'export interface Env { DB: unknown }\n',
  'src/workers/env.ts': 'export interface AppEnv { x: 1 }\n',
  'src/workers/schemas.ts': 'export const VideoSchema = 1;\n',
  'src/workers/errors.ts': 'export class ApiError {}\n',
  'src/durable-objects/ok-object.ts':
    "import type { Env } from '../env';\nimport { clamp } from '../domain/numbers';\nexport type E = Env;\nexport const d = clamp;\n",
  'src/durable-objects/bad-object.ts': "import type { AppEnv } from '../workers/env';\nexport type F = AppEnv;\n",
  'src/workers/routes/checkout.ts': "import { ApiError } from '../errors';\nexport const g = ApiError;\n",
  'src/workers/routes/payments.ts': "export { g } from './checkout';\n",
  'src/shared/room-protocol.ts': 'export const h = 1;\n',
  'web/src/ok.ts':
    "import { h } from '../../src/shared/room-protocol';\nimport { clamp } from '../../src/domain/numbers';\nimport type { VideoSchema } from '../../src/workers/schemas';\nexport const i = [h, clamp];\nexport type J = typeof VideoSchema;\n",
  'web/src/pages/bad-adapter.ts': "const client = await import('../../../src/adapters/db/client');\nexport const k = client;\n",
  'web/src/pages/bad-schema-value.ts': "import { VideoSchema } from '../../../src/workers/schemas';\nexport const l = VideoSchema;\n",
};

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vibestream-boundaries-'));
  for (const [path, text] of Object.entries(FIXTURE)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('import boundaries', () => {
  it('refuses each crossing import, naming the file, line and rule, and lets the allowed ones through', () => {
    const found = checkBoundaries(root).map(({ file, line, rule, specifier }) => ({ file, line, rule, specifier }));
    expect(found.sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { file: 'src/domain/leaky.ts', line: 1, rule: 'domain-is-pure', specifier: '../adapters/db/client' },
      { file: 'src/domain/platform.ts', line: 1, rule: 'domain-is-pure', specifier: 'cloudflare:workers' },
      { file: 'src/durable-objects/bad-object.ts', line: 1, rule: 'objects-never-import-worker', specifier: '../workers/env' },
      { file: 'src/workers/routes/payments.ts', line: 1, rule: 'routes-never-import-routes', specifier: './checkout' },
      { file: 'web/src/pages/bad-adapter.ts', line: 1, rule: 'web-imports-shared-code-only', specifier: '../../../src/adapters/db/client' },
      {
        file: 'web/src/pages/bad-schema-value.ts',
        line: 1,
        rule: 'web-imports-shared-code-only',
        specifier: '../../../src/workers/schemas',
      },
    ]);
  });

  it('makes the lint command fail on a crossing import, and pass on the repository as it is', async () => {
    const failed = await run('npx', ['tsx', 'dev/check-boundaries.ts', root], { cwd: repoRoot }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('src/durable-objects/bad-object.ts:1  objects-never-import-worker');

    expect(checkBoundaries(repoRoot)).toEqual([]);
  });
});
