// `npm run admin -- <command>`: operator tasks on user accounts, straight against D1.
// Run without arguments (or with --help) for the list of commands. Exit codes: 0 done, 1 the database said
// no (duplicate email, no such user, wrangler failed), 2 the command line is wrong.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { newId } from '../src/domain/ids';
import { hashPassword } from '../src/domain/password';
import { passwordStrength, weakPasswordMessage } from '../src/domain/password-strength';
import { ROLES } from '../src/domain/roles';
import { CommandFailed, parseOrUsage, runCli, targetFrom, targetOptions, UsageError } from './lib/cli';
import type { D1Target, Row } from './lib/d1';
import { D1CommandError, d1Execute } from './lib/d1';
import { insertStatement, sqlString, sqlValue } from './lib/sql';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-user     --email E (--password P | --password-stdin) --role viewer|creator|admin [--name N]
  set-role        --email E --role viewer|creator|admin
  disable-user    --email E          blocks login, refresh and API keys; ends the user's sessions
  enable-user     --email E
  reset-password  --email E (--password P | --password-stdin)   also ends the user's sessions
  list-users      [--role R] [--json]

Database (every command):
  (default)         the local database of \`npm run dev\` (.wrangler/state)
  --persist-to DIR  a local database kept in DIR (wrangler's --persist-to)
  --remote          the deployed database, through the Cloudflare account wrangler is logged in to
                    (\`wrangler login\` or CLOUDFLARE_API_TOKEN). Needs network access; the offline test
                    suite cannot exercise this path.

Passwords: at least 10 characters. --password-stdin reads it from standard input, which keeps it out of
the shell history and the process list. Emails are stored lower-cased.

Exit codes: 0 done, 1 the database refused or the user does not exist, 2 invalid command line.`;

// The same rules as the API's sign-up (src/workers/schemas.ts), so an operator cannot create an account
// the API would refuse to log in.
const PASSWORD_MIN = 10;
const PASSWORD_MAX = 256;

const EmailInput = z
  .string({ error: 'missing --email' })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `not an email address: ${String(issue.input)}` }).max(254));
const PasswordInput = z
  .string({ error: 'missing --password (or --password-stdin)' })
  .min(PASSWORD_MIN, `password must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `password must be at most ${PASSWORD_MAX} characters`);
const RoleInput = z.enum(ROLES, {
  error: (issue) => (issue.input === undefined ? 'missing --role' : `role must be one of ${ROLES.join(', ')} (got ${String(issue.input)})`),
});
const NameInput = z.string().trim().min(1, 'name must not be empty').max(80, 'name must be at most 80 characters');

const CreateUserInput = z.object({ email: EmailInput, password: PasswordInput, role: RoleInput, name: NameInput.optional() });
const SetRoleInput = z.object({ email: EmailInput, role: RoleInput });
const EmailOnlyInput = z.object({ email: EmailInput });
const ResetPasswordInput = z.object({ email: EmailInput, password: PasswordInput });
const ListUsersInput = z.object({ role: RoleInput.optional(), json: z.boolean() });

function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new UsageError(result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}

function readPassword(values: Record<string, unknown>): unknown {
  if (values.password !== undefined && values['password-stdin']) throw new UsageError('give --password or --password-stdin, not both');
  if (!values['password-stdin']) return values.password;
  // One line from standard input; the trailing newline of `echo` or a here-string is not part of it.
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

/** The API's rule for every password it sets (domain/password-strength), for accounts made here too. */
async function ensureStrongPassword(password: string, userInputs: (string | undefined)[]): Promise<void> {
  const refusal = weakPasswordMessage(await passwordStrength(password, userInputs));
  if (refusal) throw new UsageError(refusal);
}

function noSuchUser(email: string): CommandFailed {
  return new CommandFailed(`no user with email ${email}`);
}

// Signing a user out means revoking every refresh token still valid and moving the token version on, so access
// tokens already issued are refused within the API's account-check cache bound (ACCOUNT_CHECK_CACHE_MS).
function revokeSessionsSql(email: string, now: number): string {
  return (
    `UPDATE refresh_tokens SET revoked_at = ${sqlValue(now)} WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE email = ${sqlString(email)}) RETURNING id; ` +
    `UPDATE users SET token_version = token_version + 1 WHERE email = ${sqlString(email)};`
  );
}

export async function createUser(target: D1Target, input: z.infer<typeof CreateUserInput>): Promise<Row> {
  const now = Date.now();
  const row = {
    id: newId('usr'),
    email: input.email,
    password_hash: await hashPassword(input.password),
    display_name: input.name ?? input.email.split('@')[0] ?? input.email,
    role: input.role,
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  try {
    await d1Execute(target, { command: insertStatement('users', row) });
  } catch (error) {
    if (error instanceof D1CommandError && error.isUniqueViolation) {
      throw new CommandFailed(`a user with email ${input.email} already exists`);
    }
    throw error;
  }
  return row;
}

async function setRole(target: D1Target, input: z.infer<typeof SetRoleInput>): Promise<void> {
  const email = sqlString(input.email);
  const [before, updated] = await d1Execute(target, {
    command:
      `SELECT role FROM users WHERE email = ${email}; ` +
      `UPDATE users SET role = ${sqlString(input.role)}, token_version = token_version + (role != ${sqlString(input.role)}), updated_at = ${sqlValue(Date.now())} WHERE email = ${email} RETURNING id;`,
  });
  const previous = before?.results[0]?.role;
  if (!updated?.results[0]) throw noSuchUser(input.email);
  console.log(
    previous === input.role ? `${input.email} already has role ${input.role}` : `${input.email}: role ${String(previous)} → ${input.role}`,
  );
}

async function setDisabled(target: D1Target, email: string, disabled: boolean): Promise<void> {
  const now = Date.now();
  const quoted = sqlString(email);
  const statements = [
    `SELECT disabled_at FROM users WHERE email = ${quoted};`,
    disabled
      ? `UPDATE users SET disabled_at = coalesce(disabled_at, ${now}), updated_at = ${now} WHERE email = ${quoted} RETURNING id;`
      : `UPDATE users SET disabled_at = NULL, updated_at = ${now} WHERE email = ${quoted} RETURNING id;`,
  ];
  if (disabled) statements.push(revokeSessionsSql(email, now));
  const [before, updated, revoked] = await d1Execute(target, { command: statements.join(' ') });
  if (!updated?.results[0]) throw noSuchUser(email);
  const wasDisabled = before?.results[0]?.disabled_at != null;
  if (disabled) {
    const sessions = revoked?.results.length ?? 0;
    console.log(`${email} ${wasDisabled ? 'was already' : 'is now'} disabled; ${sessions} session(s) ended`);
  } else {
    console.log(`${email} ${wasDisabled ? 'is enabled again' : 'was not disabled'}`);
  }
}

async function resetPassword(target: D1Target, input: z.infer<typeof ResetPasswordInput>): Promise<void> {
  const now = Date.now();
  const hash = await hashPassword(input.password);
  const [updated, revoked] = await d1Execute(target, {
    command:
      `UPDATE users SET password_hash = ${sqlString(hash)}, updated_at = ${now} WHERE email = ${sqlString(input.email)} RETURNING id; ` +
      revokeSessionsSql(input.email, now),
  });
  if (!updated?.results[0]) throw noSuchUser(input.email);
  console.log(`${input.email}: password replaced; ${revoked?.results.length ?? 0} session(s) ended`);
}

export interface ListedUser {
  id: string;
  email: string;
  displayName: string;
  role: string;
  createdAt: string;
  disabledAt: string | null;
}

export async function listUsers(target: D1Target, role?: string): Promise<ListedUser[]> {
  const where = role ? ` WHERE role = ${sqlString(role)}` : '';
  const [result] = await d1Execute(target, {
    command: `SELECT id, email, display_name, role, created_at, disabled_at FROM users${where} ORDER BY created_at, id;`,
  });
  return (result?.results ?? []).map((row) => ({
    id: String(row.id),
    email: String(row.email),
    displayName: String(row.display_name),
    role: String(row.role),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    disabledAt: row.disabled_at == null ? null : new Date(Number(row.disabled_at)).toISOString(),
  }));
}

function printTable(users: ListedUser[]): void {
  if (users.length === 0) {
    console.log('(no users)');
    return;
  }
  const rows = users.map((user) => [
    user.email,
    user.role,
    user.disabledAt ? 'disabled' : 'active',
    user.displayName,
    user.id,
    user.createdAt.slice(0, 16).replace('T', ' '),
  ]);
  const header = ['EMAIL', 'ROLE', 'STATUS', 'NAME', 'ID', 'CREATED (UTC)'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

const COMMAND_OPTIONS = {
  'create-user': {
    email: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    role: { type: 'string' },
    name: { type: 'string' },
  },
  'set-role': { email: { type: 'string' }, role: { type: 'string' } },
  'disable-user': { email: { type: 'string' } },
  'enable-user': { email: { type: 'string' } },
  'reset-password': { email: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  'list-users': { role: { type: 'string' }, json: { type: 'boolean', default: false } },
} as const;

type Command = keyof typeof COMMAND_OPTIONS;

function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (!isCommand(command)) throw new UsageError(`unknown command: ${command}`);
  const { values } = parseOrUsage(() =>
    parseArgs({
      args: rest,
      options: { ...COMMAND_OPTIONS[command], ...targetOptions, help: { type: 'boolean', default: false } },
      allowPositionals: false,
      strict: true,
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = targetFrom(values);
  // parseArgs types the union of every command's options loosely; the zod schemas below are the real check.
  const options = values as Record<string, string | boolean | undefined>;

  switch (command) {
    case 'create-user': {
      const input = validate(CreateUserInput, { ...options, password: readPassword(options) });
      await ensureStrongPassword(input.password, [input.email, input.name]);
      const row = await createUser(target, input);
      console.log(`created ${row.role} ${row.email} (${row.id})`);
      return;
    }
    case 'set-role':
      return setRole(target, validate(SetRoleInput, options));
    case 'disable-user':
      return setDisabled(target, validate(EmailOnlyInput, options).email, true);
    case 'enable-user':
      return setDisabled(target, validate(EmailOnlyInput, options).email, false);
    case 'reset-password': {
      const input = validate(ResetPasswordInput, { ...options, password: readPassword(options) });
      await ensureStrongPassword(input.password, [input.email]);
      return resetPassword(target, input);
    }
    case 'list-users': {
      const input = validate(ListUsersInput, options);
      const users = await listUsers(target, input.role);
      if (input.json) console.log(JSON.stringify(users, null, 2));
      else printTable(users);
      return;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runCli(main, '(npm run admin -- --help lists the commands and options)');
