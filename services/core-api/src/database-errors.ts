import { DependencyUnavailableError } from '@bulwark/kit';

/** SQLSTATE classes of a lost or refused server: connection exception, operator intervention. */
const UNAVAILABLE_SQLSTATE = /^(08|57P)/;
/** Socket errors of a server that is down or unreachable, and @bulwark/db's failed open. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'DB_CONNECT_FAILED',
]);
/** What pg says when its pool cannot connect or a connection dies mid-query (no code). */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect/i;

/**
 * A database that is down answers 503 BW_DEPENDENCY_UNAVAILABLE (retry later), not 500: the kit
 * treats an unknown error as a bug. Anything else (a bug, a constraint the schemas should have
 * caught) is rethrown as it is.
 */
export function asDependencyError(error: unknown): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const unavailable =
    (typeof code === 'string' &&
      (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_CODES.has(code))) ||
    (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message));
  return unavailable
    ? new DependencyUnavailableError('the items database is unavailable', { cause: error })
    : error;
}
