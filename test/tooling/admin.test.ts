import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListedUser } from '../../dev/admin';
import { verifyPassword } from '../../src/domain/password';
import { freshState, openD1, queryD1, runScript } from './helpers';

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string;
  disabled_at: number | null;
}

describe('npm run admin', () => {
  let state: Awaited<ReturnType<typeof freshState>>;
  const admin = (...args: string[]) => runScript('admin', [...args, '--persist-to', state.dir]);
  const user = async (email: string) => (await queryD1<UserRow>(state.dir, 'SELECT * FROM users WHERE email = ?', email))[0];

  beforeAll(async () => {
    state = await freshState();
  });
  afterAll(() => state.cleanup());

  it('create-user stores a lower-cased email and a hash that verifies; list-users shows the user', async () => {
    const created = await admin(
      'create-user',
      '--email',
      'Dana@Example.COM',
      '--password',
      'dana-password-1',
      '--role',
      'creator',
      '--name',
      'Dana Scully',
    );
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toMatch(/created creator dana@example\.com \(usr_[a-z2-9]{24}\)/);

    const listed = await admin('list-users', '--json');
    expect(listed.exitCode).toBe(0);
    const users = JSON.parse(listed.stdout) as ListedUser[];
    expect(users).toEqual([
      expect.objectContaining({ email: 'dana@example.com', role: 'creator', displayName: 'Dana Scully', disabledAt: null }),
    ]);
    const row = await user('dana@example.com');
    expect(await verifyPassword('dana-password-1', row?.password_hash ?? '')).toBe(true);
  });

  it('set-role changes the role', async () => {
    const result = await admin('set-role', '--email', 'DANA@example.com', '--role', 'admin');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('creator → admin');
    expect((await user('dana@example.com'))?.role).toBe('admin');
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const result = await admin('create-user', '--email', 'dana@EXAMPLE.com', '--password', 'another-password', '--role', 'viewer');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('a user with email dana@example.com already exists');
    expect(await queryD1(state.dir, 'SELECT id FROM users')).toHaveLength(1);
  });

  it('rejects a bad role, a malformed email and a short or weak password with exit code 2 before touching the database', async () => {
    const [badRole, badEmail, shortPassword, weakPassword, unknownCommand] = await Promise.all([
      admin('create-user', '--email', 'eve@example.com', '--password', 'long-enough-pw', '--role', 'superuser'),
      admin('create-user', '--email', 'not-an-email', '--password', 'long-enough-pw', '--role', 'viewer'),
      admin('create-user', '--email', 'eve@example.com', '--password', 'short', '--role', 'viewer'),
      admin('create-user', '--email', 'eve@example.com', '--password', 'password123', '--role', 'viewer'),
      admin('delete-everything'),
    ]);
    expect(badRole.exitCode).toBe(2);
    expect(badRole.stderr).toContain('role must be one of viewer, creator, admin (got superuser)');
    expect(badEmail.exitCode).toBe(2);
    expect(badEmail.stderr).toContain('not an email address: not-an-email');
    expect(shortPassword.exitCode).toBe(2);
    expect(shortPassword.stderr).toContain('password must be at least 10 characters');
    expect(weakPassword.exitCode).toBe(2);
    expect(weakPassword.stderr).toContain('This password is too weak: This is a commonly used password.');
    expect(unknownCommand.exitCode).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command: delete-everything');
    expect(await queryD1(state.dir, 'SELECT id FROM users')).toHaveLength(1);
  });

  it('stores an email and a name containing single quotes exactly, and finds that user again', async () => {
    const email = "o'hara@example.com";
    const name = "Scarlett O'Hara'); DROP TABLE users; --";
    const created = await runScript(
      'admin',
      ['create-user', '--email', email, '--password-stdin', '--role', 'viewer', '--name', name, '--persist-to', state.dir],
      'tara-password-1\n',
    );
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    const row = await user(email);
    expect(row).toMatchObject({ email, display_name: name, role: 'viewer' });
    expect(await verifyPassword('tara-password-1', row?.password_hash ?? '')).toBe(true);
  });

  it('disable-user blocks the account and ends its sessions; enable-user lifts the block (quoted email)', async () => {
    const email = "o'hara@example.com";
    const id = (await user(email))?.id ?? '';
    // A live refresh token, as a login through the API would leave behind.
    const db = await openD1(state.dir, { readonly: false });
    db.prepare('INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      'rtk_test',
      id,
      'fam_test',
      'hash-of-a-token',
      Date.now(),
      Date.now() + 86_400_000,
    );
    db.close();

    const disabled = await admin('disable-user', '--email', email);
    expect(disabled.exitCode).toBe(0);
    expect(disabled.stdout).toContain('1 session(s) ended');
    expect((await user(email))?.disabled_at).toEqual(expect.any(Number));
    const [token] = await queryD1<{ revoked_at: number | null }>(state.dir, "SELECT revoked_at FROM refresh_tokens WHERE id = 'rtk_test'");
    expect(token?.revoked_at).toEqual(expect.any(Number));

    const enabled = await admin('enable-user', '--email', email);
    expect(enabled.exitCode).toBe(0);
    expect((await user(email))?.disabled_at).toBeNull();
  });

  it('reset-password replaces the hash', async () => {
    const result = await admin('reset-password', '--email', 'dana@example.com', '--password', 'a-brand-new-password');
    expect(result.exitCode).toBe(0);
    const hash = (await user('dana@example.com'))?.password_hash ?? '';
    expect(await verifyPassword('a-brand-new-password', hash)).toBe(true);
    expect(await verifyPassword('dana-password-1', hash)).toBe(false);
  });

  it('says so when the user does not exist (exit code 1)', async () => {
    const result = await admin('set-role', '--email', 'nobody@example.com', '--role', 'admin');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no user with email nobody@example.com');
  });
});
