import { ConfigRegistryError } from '../errors.js';

/** CONFIG_TRANSPORT_CLOSED for a call on a transport after close(). */
export function transportClosed(kind: string): ConfigRegistryError {
  return new ConfigRegistryError(
    'CONFIG_TRANSPORT_CLOSED',
    `the ${kind} config transport is closed`,
  );
}

/**
 * CONFIG_TRANSPORT_FAILED for what the server refused or could not be reached for: one line
 * naming the operation and the cause (never the URL, which may hold a password). Errors of this
 * package (a bad name) pass through as they are.
 */
export function transportFailed(kind: string, operation: string, cause: unknown): Error {
  if (cause instanceof ConfigRegistryError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConfigRegistryError(
    'CONFIG_TRANSPORT_FAILED',
    `${kind} config transport: ${operation} failed: ${oneLine(reason)}`,
    { cause },
  );
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
