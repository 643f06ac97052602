import type { SqlDriver } from './driver.js';
import { PgliteDriver } from './pglite.js';
import { PostgresDriver, type PostgresDriverOptions } from './postgres.js';

/** True for a PostgreSQL connection URL; anything else names a PGlite data directory. */
export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/** Opens PostgreSQL for a `postgres://` URL, otherwise PGlite in that directory (`memory://` for RAM). */
export async function openDriver(
  target: string,
  options: PostgresDriverOptions = {},
): Promise<SqlDriver> {
  if (isPostgresUrl(target)) return new PostgresDriver(target, options);
  return PgliteDriver.open(target);
}
