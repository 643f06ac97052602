import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * Where a PostgreSQL program is: in `pgBin` when the plan gives it; else for a server program
 * of a known major version, Debian's /usr/lib/postgresql/<major>/bin (a physical backup must be
 * started by its own major version); else on PATH (Debian's wrappers pick the newest client);
 * else the newest Debian install that has it (pg_ctl is not on Debian's PATH).
 */
export function pgProgram(name: string, pgBin?: string, major?: string): string {
  if (pgBin) return join(pgBin, name);
  if (major && existsSync(join(DEBIAN_ROOT, major, 'bin', name))) {
    return join(DEBIAN_ROOT, major, 'bin', name);
  }
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, name)));
  if (onPath) return name;
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_ROOT, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? join(DEBIAN_ROOT, versions[0], 'bin', name) : name;
}
