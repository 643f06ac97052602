import { type Command, Option } from 'commander';
import { type DbFlags, type DbSubcommand, runDb } from '../db/run.js';
import type { SetExitCode } from './index.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const HELP = `
Targets: every service of the stack file with a database: block (database: { url, migrations }),
or those named by --service; or one database by --url with --migrations (and --name for its set).
A url is a PGlite data directory or a postgres:// URL. Migration files: NNNN_slug.up.sql and
NNNN_slug.down.sql in each directory; bookkeeping in <set>_migrations (docs/db.md).

Examples:
  bulwark db status
  bulwark db migrate --service core-api --dry-run
  bulwark db rollback --service core-api --steps 1
  bulwark db status --url postgres://postgres@127.0.0.1:5432/app --migrations services/core-api/src/migrations
  bulwark db migrate --url ./data/pg --migrations ./migrations --name app --format json

Exit codes: 0 done, 1 a migration failed (its whole run was rolled back) or the database records
migrations the set lacks, 2 bad input, an unreachable database, or a PGlite directory a running
service holds (stop it first: PGlite serves one process).`;

/** `bulwark db`: every service's schema migrations, on PostgreSQL or PGlite (docs/db.md). */
export function registerDb(program: Command, setExitCode: SetExitCode): void {
  const db = program
    .command('db')
    .description("status, migrate and roll back each service's database schema")
    .addHelpText('after', HELP);

  const common = (command: Command) =>
    command
      .option(
        '--service <name>',
        'a stack service with a database: block (repeatable; default: all)',
        collect,
      )
      .option(
        '--url <url>',
        'a database outside the stack file: PGlite directory or postgres:// URL',
      )
      .option('--migrations <dir>', 'with --url: a migrations directory (repeatable)', collect)
      .option('--name <set>', "with --url: the set name (default: the directory's package name)")
      .option('--stack <file>', 'stack file', 'bulwark.stack.yaml')
      .addOption(
        new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
      );

  const action = (sub: DbSubcommand) => (flags: DbFlags) => runDb(sub, flags, setExitCode);

  common(db.command('status').description('list each migration: applied (when) or pending')).action(
    action('status'),
  );
  common(
    db
      .command('migrate')
      .description('apply every pending migration, in one transaction per set')
      .option('--dry-run', 'print the SQL that would run; execute nothing', false),
  ).action(action('migrate'));
  common(
    db
      .command('rollback')
      .description('run the down migrations of the newest applied ones (default: one)')
      .option('--steps <n>', 'how many migrations to roll back, newest first')
      .option('--dry-run', 'print the SQL that would run; execute nothing', false),
  ).action(action('rollback'));
}
