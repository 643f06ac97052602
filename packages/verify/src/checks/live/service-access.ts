import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BulwarkError } from '@bulwark/kit';
import { ENDPOINTS } from '@bulwark/kit/contract';
import type { ClientAccess } from './http.js';
import { endpointUrl } from './probe-checks.js';

/** The header an API key goes in when the plan names none: the kit's default. */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/**
 * A CA or credential file named for a service could not be used. The message names the file
 * and the system's error code, never a byte of what the file holds.
 */
export class ServiceAccessError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_SERVICE_ACCESS', 500, message, options);
  }
}

/** What a plan service says about reaching it; the shape `bulwark probe`'s flags fill too. */
export interface ServiceAccessSpec {
  readonly tls?: { readonly caFile?: string; readonly serverName?: string };
  readonly credentials?: {
    readonly apiKeyFile?: string;
    readonly apiKeyHeader?: string;
    readonly bearerTokenFile?: string;
  };
}

/** The client access for one service, and what evidence may say about it. */
export interface ServiceAccess {
  readonly client: ClientAccess;
  /** The API key header in use (the plan's or the kit's default), even without a key. */
  readonly apiKeyHeader: string;
  /**
   * How the service is reached, fit for evidence: "api key from secrets/core-api.key (header
   * x-api-key)", "CA ca.pem". Names files, never their contents.
   */
  readonly described: readonly string[];
}

/**
 * Reads the service's CA and credential files (relative paths against `baseDir`: the plan's
 * directory, or the working directory for `bulwark probe`). Read at run time, so a secret is
 * never part of the plan; kept in memory only, in the headers the client sends.
 */
export function loadServiceAccess(
  spec: ServiceAccessSpec,
  base: URL,
  baseDir: string,
): ServiceAccess {
  const described: string[] = [];
  let tls: ClientAccess['tls'];
  if (spec.tls?.caFile !== undefined || spec.tls?.serverName !== undefined) {
    const caFile = spec.tls.caFile;
    const ca = caFile === undefined ? undefined : readPem(caFile, baseDir);
    tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(spec.tls.serverName === undefined ? {} : { serverName: spec.tls.serverName }),
    };
    if (caFile !== undefined) described.push(`CA ${caFile}`);
    if (spec.tls.serverName !== undefined) described.push(`server name ${spec.tls.serverName}`);
  }
  const credentials: Record<string, string> = {};
  const apiKeyHeader = (spec.credentials?.apiKeyHeader ?? DEFAULT_API_KEY_HEADER).toLowerCase();
  const { apiKeyFile, bearerTokenFile } = spec.credentials ?? {};
  if (apiKeyFile !== undefined) {
    credentials[apiKeyHeader] = readSecret(apiKeyFile, baseDir, 'api key');
    described.push(`api key from ${apiKeyFile} (header ${apiKeyHeader})`);
  }
  if (bearerTokenFile !== undefined) {
    credentials.authorization = `Bearer ${readSecret(bearerTokenFile, baseDir, 'bearer token')}`;
    described.push(`bearer token from ${bearerTokenFile}`);
  }
  const anonymous = new Set(Object.values(ENDPOINTS).map((p) => endpointUrl(base, p).pathname));
  return {
    client: {
      ...(tls === undefined ? {} : { tls }),
      credentials,
      // The kit never authenticates its probe endpoints: credentials stay off those requests.
      sendsCredentials: (url) => !anonymous.has(url.pathname),
    },
    apiKeyHeader,
    described,
  };
}

function readFile(path: string, baseDir: string, what: string): string {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ServiceAccessError(`${what} file ${path} cannot be read (${code})`, {
      cause: error,
    });
  }
}

function readPem(path: string, baseDir: string): string {
  const text = readFile(path, baseDir, 'CA');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ServiceAccessError(`CA file ${path} holds no PEM certificate`);
  }
  return text;
}

/**
 * A secret file's value, without the line break editors and `echo` leave at its end. One line:
 * a header cannot carry more, and a second line would be sent as something else entirely.
 */
function readSecret(path: string, baseDir: string, what: string): string {
  const value = readFile(path, baseDir, what).replace(/\r?\n$/, '');
  if (value.trim() === '') throw new ServiceAccessError(`${what} file ${path} is empty`);
  // Printable ASCII without spaces at the ends: what an HTTP header value may carry as is.
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) {
    throw new ServiceAccessError(
      `${what} file ${path} must hold one line of printable ASCII (no line breaks or control characters)`,
    );
  }
  return value;
}
