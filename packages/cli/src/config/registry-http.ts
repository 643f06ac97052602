import { UsageError } from '../exit-codes.js';

/** Where the registry is when neither --registry nor --remote names it. */
export const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:8085';
export const REGISTRY_URL_ENV = 'BULWARK_CONFIG_REGISTRY_URL';

/** The flag's URL, else BULWARK_CONFIG_REGISTRY_URL, else the registry's default port on loopback. */
export function registryUrl(flag: string | undefined): URL {
  const text = flag ?? (process.env[REGISTRY_URL_ENV] || DEFAULT_REGISTRY_URL);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`registry URL ${JSON.stringify(text.slice(0, 128))} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`registry URL ${url.origin}: use http:// or https://`);
  }
  return url;
}

/** An RFC 9457 problem as the kit writes it; only `detail` is relied on. */
interface Problem {
  readonly title?: string;
  readonly detail?: string;
  readonly code?: string;
  readonly errorId?: string;
}

export interface RegistryAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * One JSON call to the registry. Whatever goes wrong is one line, exit 2: an unreachable
 * registry (named by its origin), a problem+json answer (its detail and code; for a 5xx its
 * errorId too, to find the registry's log line), a body that is not JSON.
 */
export async function callRegistry<T>(
  base: URL,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<RegistryAnswer<T>> {
  const url = new URL(path, base);
  // undici is loaded by the first call: the local subcommands and every --help do without it.
  const { request } = await import('undici');
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method,
      headers: {
        ...headers,
        accept: 'application/json, application/problem+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new UsageError(`cannot reach the config registry at ${url.origin}: ${oneLine(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new UsageError(
      `config registry ${method} ${url.pathname}: HTTP ${status} with a body that is not JSON`,
    );
  }
  if (status >= 200 && status < 300) {
    return { status, body: parsed as T };
  }
  const problem = (parsed ?? {}) as Problem;
  const detail = problem.detail ?? problem.title ?? 'no detail';
  const code = problem.code === undefined ? '' : ` ${problem.code}`;
  const errorId = status >= 500 && problem.errorId ? `, errorId ${problem.errorId}` : '';
  throw new UsageError(`${oneLine(detail)} (config registry: HTTP ${status}${code}${errorId})`);
}

function oneLine(value: unknown): string {
  const text = value instanceof Error ? value.message || value.name : String(value);
  return text.split('\n')[0] ?? '';
}
