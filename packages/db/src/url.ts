import { isAbsolute, resolve } from 'node:path';

/** True for a PostgreSQL connection URL; anything else names PGlite (a directory or `memory://`). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** The URL safe to print: a PostgreSQL URL without its password; a PGlite path as given. */
export function displayUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

/**
 * Where a service's database is: `DATABASE_URL` when set (a postgres:// URL, a PGlite directory
 * or `memory://`), else the PGlite directory `BULWARK_<SERVICE>_DATA_DIR`, else
 * `./.bulwark/state/<service>`. Directories come back absolute (resolved against `cwd`).
 * The service name's dashes become underscores in the variable: core-api → BULWARK_CORE_API_DATA_DIR.
 */
export function databaseUrlFromEnv(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return absoluteDatabaseUrl(fromEnv, cwd);
  const variable = `BULWARK_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DATA_DIR`;
  const dir = env[variable]?.trim() || `./.bulwark/state/${service}`;
  return absoluteDatabaseUrl(dir, cwd);
}

/** A PGlite directory made absolute against `base`; PostgreSQL URLs and `memory://` unchanged. */
export function absoluteDatabaseUrl(url: string, base: string): string {
  if (isPostgresUrl(url) || url === 'memory://') return url;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return isAbsolute(path) ? path : resolve(base, path);
}
