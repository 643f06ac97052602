import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../exit-codes.js';
import { loadStackFile, serviceDatabaseUrl } from '../stack/stack-file.js';

/** One migration set: its bookkeeping name and its directory. */
export interface SetTarget {
  readonly name: string;
  readonly dir: string;
}

/** One database `bulwark db` works on, and the sets in it. */
export interface DbTarget {
  /** The stack service, or `--url` when given on the command line. */
  readonly service: string;
  /** postgres:// URL, absolute PGlite directory, or memory://. */
  readonly url: string;
  readonly sets: readonly SetTarget[];
}

export interface TargetFlags {
  service?: string[];
  url?: string;
  migrations?: string[];
  name?: string;
  stack: string;
}

const SET_NAME = /^[a-z][a-z0-9_]{0,40}$/;
/** Directory names that say where SQL lives, not whose it is. */
const GENERIC_DIRS = new Set(['migrations', 'src', 'sql', 'db', 'schema', 'database']);

/**
 * The set name a migrations directory gets when none is given: the nearest directory name that
 * is not generic, dashes as underscores. packages/memory/src/migrations → memory,
 * services/core-api/src/migrations → core_api: the names those packages give their own sets, so
 * the CLI and the service read and write the same bookkeeping table.
 */
export function defaultSetName(dir: string): string {
  let current = resolve(dir);
  while (GENERIC_DIRS.has(basename(current)) && dirname(current) !== current) {
    current = dirname(current);
  }
  return basename(current)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

function setTarget(dir: string, base: string, name?: string): SetTarget {
  const absolute = isAbsolute(dir) ? dir : resolve(base, dir);
  const setName = name ?? defaultSetName(absolute);
  if (!SET_NAME.test(setName)) {
    throw new UsageError(
      `migration set name ${JSON.stringify(setName)} (for ${dir}): use a-z, 0-9 and _, starting with a letter (--name)`,
    );
  }
  return { name: setName, dir: absolute };
}

/** A URL of a scheme @bulwark/db does not open would otherwise be taken for a directory name. */
function refuseOtherSchemes(what: string, url: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^(postgres(ql)?|memory|file):\/\//i.test(url)) {
    throw new UsageError(
      `${what} ${url.replace(/:\/\/[^@/]*@/, '://***@')} is not a postgres:// URL, memory:// or a directory`,
    );
  }
}

/**
 * What the flags point at: `--url` with `--migrations` (one database, no stack file needed), or
 * the stack file's services with a `database:` block (all of them, or those named by --service).
 */
export async function resolveTargets(flags: TargetFlags, cwd = process.cwd()): Promise<DbTarget[]> {
  if (flags.url !== undefined) {
    if (flags.service?.length) throw new UsageError('give either --service or --url, not both');
    if (!flags.migrations?.length) throw new UsageError('--url needs --migrations <dir>');
    if (flags.name !== undefined && flags.migrations.length > 1) {
      throw new UsageError('--name names one set: give one --migrations with it');
    }
    refuseOtherSchemes('--url', flags.url);
    const url =
      /^postgres(ql)?:\/\//i.test(flags.url) || flags.url === 'memory://'
        ? flags.url
        : resolve(cwd, flags.url.startsWith('file://') ? new URL(flags.url).pathname : flags.url);
    return [
      {
        service: flags.name ?? 'url',
        url,
        sets: flags.migrations.map((dir) => setTarget(dir, cwd, flags.name)),
      },
    ];
  }
  if (flags.migrations?.length || flags.name !== undefined) {
    throw new UsageError('--migrations and --name go with --url');
  }
  const stackPath = resolve(cwd, flags.stack);
  if (!existsSync(stackPath)) {
    throw new UsageError(
      `no stack file ${flags.stack}: give --stack <file>, or --url and --migrations`,
    );
  }
  const stack = await loadStackFile(stackPath);
  const root = dirname(stackPath);
  const withDatabase = stack.services.filter((s) => s.database);
  const wanted = flags.service?.length ? flags.service : withDatabase.map((s) => s.name);
  if (wanted.length === 0) {
    throw new UsageError(`stack file ${flags.stack}: no service has a database: block`);
  }
  return wanted.map((name) => {
    const service = stack.services.find((s) => s.name === name);
    if (!service) {
      throw new UsageError(
        `--service ${name}: no such service in ${flags.stack} (${stack.services.map((s) => s.name).join(', ')})`,
      );
    }
    if (!service.database) {
      throw new UsageError(
        `--service ${name}: it has no database: block in ${flags.stack} (${withDatabase.map((s) => s.name).join(', ') || 'none has'})`,
      );
    }
    const url = serviceDatabaseUrl(name, service.database, root);
    refuseOtherSchemes(`${name}'s database url`, url);
    return {
      service: name,
      url,
      sets: (service.database.migrations ?? []).map((entry) =>
        typeof entry === 'string' ? setTarget(entry, root) : setTarget(entry.dir, root, entry.name),
      ),
    };
  });
}
