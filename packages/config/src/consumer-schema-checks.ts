import type { ConfigConsumerOptions } from './consumer.js';
import type { ConfigSchemas } from './schemas.js';
import { restartKeysChanged } from './schemas-restart-keys.js';
import { resolveSecretReferences, type SecretSource } from './secrets-at-apply.js';
import type { ConfigVersion } from './types.js';
import { validateDocument } from './validate.js';

/** A config document as the consumer runs it: completed with its schema's defaults. */
export type ConfigDocument = Record<string, unknown>;

/**
 * The consumer's checks from the registered schemas: validate against the schema version the
 * document was published for (CONFIG_UNKNOWN_SCHEMA when this build lacks it, CONFIG_INVALID or
 * CONFIG_LITERAL_SECRET naming the path), resolve `${secret:name}` references through the
 * service's secret store (CONFIG_SECRET_UNRESOLVED), and compare the schema's `x-restart` keys.
 */
export function schemaChecks(
  schemas: ConfigSchemas,
  secrets?: SecretSource,
): Pick<
  ConfigConsumerOptions<ConfigDocument>,
  'validate' | 'resolveSecrets' | 'restartKeysChanged'
> {
  const entryOf = (version: ConfigVersion) => schemas.get(version.config, version.schemaVersion);
  return {
    validate: (document, version) => validateDocument(entryOf(version), document),
    ...(secrets === undefined
      ? {}
      : { resolveSecrets: (value: ConfigDocument) => resolveSecretReferences(value, secrets) }),
    restartKeysChanged: (running, next, version) =>
      restartKeysChanged(entryOf(version), running, next),
  };
}
