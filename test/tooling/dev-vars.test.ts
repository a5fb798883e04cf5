import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevVars } from '../../dev/lib/dev-vars';

describe('.dev.vars for npm run dev', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vibestream-devvars-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is created from the example with a random 48-byte JWT_SECRET, CONTENT_KEY_SECRET and ALERT_WEBHOOK_SECRET and the other keys copied', async () => {
    await writeFile(join(root, '.dev.vars.example'), '# comment\nJWT_SECRET=change-me\nSTRIPE_SECRET_KEY=sk_test_x\n');
    expect(await ensureDevVars(root)).toEqual({ created: true, added: [] });
    const text = await readFile(join(root, '.dev.vars'), 'utf8');
    const secret = /^JWT_SECRET=(.*)$/m.exec(text)?.[1] ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(48);
    expect(text).toContain('STRIPE_SECRET_KEY=sk_test_x');
    expect(text).not.toContain('change-me');
    expect(/^CONTENT_KEY_SECRET=([A-Za-z0-9_-]{64})$/m.exec(text)?.[1]).not.toBe(secret);
    expect(/^ALERT_WEBHOOK_SECRET=([A-Za-z0-9_-]{64})$/m.exec(text)?.[1]).not.toBe(secret);
    expect((await stat(join(root, '.dev.vars'))).mode & 0o777).toBe(0o600);

    await rm(join(root, '.dev.vars'));
    await ensureDevVars(root);
    const again = /^JWT_SECRET=(.*)$/m.exec(await readFile(join(root, '.dev.vars'), 'utf8'))?.[1];
    expect(again).not.toBe(secret);
  });

  it('never changes a line of an existing file; only a generated secret it lacks is appended, once', async () => {
    await writeFile(join(root, '.dev.vars'), 'JWT_SECRET=mine-and-only-mine-0123456789abcdef\n');
    expect(await ensureDevVars(root)).toEqual({ created: false, added: ['CONTENT_KEY_SECRET', 'ALERT_WEBHOOK_SECRET'] });
    const text = await readFile(join(root, '.dev.vars'), 'utf8');
    expect(text).toMatch(
      /^JWT_SECRET=mine-and-only-mine-0123456789abcdef\nCONTENT_KEY_SECRET=[A-Za-z0-9_-]{64}\nALERT_WEBHOOK_SECRET=[A-Za-z0-9_-]{64}\n$/,
    );
    expect(await ensureDevVars(root)).toEqual({ created: false, added: [] });
    expect(await readFile(join(root, '.dev.vars'), 'utf8')).toBe(text);
  });
});
