import type { ConfigRegistryError } from '@bulwark/config';
import { UsageError } from '../exit-codes.js';

/**
 * Known by its name rather than `instanceof`, so that the modules that only pass errors on do
 * not load @bulwark/config (and with it NATS and pg) for `bulwark config --help`.
 */
function isConfigError(error: unknown): error is ConfigRegistryError {
  return (
    error instanceof Error &&
    error.name === 'ConfigRegistryError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/**
 * A refusal from @bulwark/config (a document failing its schema, an unknown schema version, a
 * literal secret, an unreadable file) is the user's input: one line, exit 2. Its message already
 * names the path and the layer, and never the value, so it is shown as it is. Anything else is
 * returned untouched.
 */
export function asUsageError(error: unknown): unknown {
  if (isConfigError(error)) return new UsageError(error.message.split('\n')[0], { cause: error });
  return error;
}

/** Runs `work`, turning a ConfigRegistryError into a UsageError. */
export async function withConfigErrors<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asUsageError(error);
  }
}
