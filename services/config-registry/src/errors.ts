import { type ConfigErrorCode, ConfigRegistryError } from '@bulwark/config';
import { BulwarkError } from '@bulwark/kit';

/**
 * The registry's refusals over HTTP. @bulwark/config's errors keep their stable codes as the
 * problem's `code`, with the status each one means (registry-errors.ts maps them); the kit
 * writes them as problem+json with an errorId.
 */
export class RegistryRefusal extends BulwarkError {}

/**
 * A rollout asked of a registry built without a transport (openConfigRegistry always has one,
 * embedded at least; an embedder may leave it out): it keeps and validates versions, but
 * cannot reach any consumer.
 */
export class TransportRequiredError extends BulwarkError {
  constructor() {
    super(
      'CONFIG_NO_TRANSPORT',
      503,
      'this config registry runs without a rollout transport: set NATS_URL (NATS JetStream) or a postgres:// DATABASE_URL or CONFIG_TRANSPORT_URL (PostgreSQL LISTEN/NOTIFY) and restart it',
      { expose: true },
    );
  }
}

/** The HTTP status of each @bulwark/config code. */
export const STATUS_OF: Readonly<Record<ConfigErrorCode, number>> = {
  CONFIG_INVALID: 422,
  CONFIG_LITERAL_SECRET: 422,
  CONFIG_UNKNOWN_SCHEMA: 422,
  CONFIG_SOURCE_UNREADABLE: 422,
  CONFIG_SECRET_UNRESOLVED: 422,
  CONFIG_BAD_NAME: 400,
  CONFIG_NOT_FOUND: 404,
  CONFIG_ROLLOUT_CONFLICT: 409,
  CONFIG_ROLLOUT_INVALID: 409,
  CONFIG_TRANSPORT_CLOSED: 503,
  CONFIG_TRANSPORT_FAILED: 503,
};

/** Runs a registry call and turns a ConfigRegistryError into the refusal it means over HTTP. */
export async function refusing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConfigRegistryError) {
      const status = STATUS_OF[error.code] ?? 500;
      throw new RegistryRefusal(error.code, status, error.message, {
        cause: error,
        // A transport that is down is a refusal with a reason worth showing, not a crash.
        expose: status < 500 || error.code.startsWith('CONFIG_TRANSPORT'),
      });
    }
    throw error;
  }
}
