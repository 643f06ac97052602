import { ConfigRegistryError } from '../errors.js';
import type { ConfigSchemaEntry, ConfigSchemas } from '../schemas.js';
import { checkConfigName } from '../transport/names.js';
import type { ConfigVersion } from '../types.js';
import { validateDocument } from '../validate.js';
import { type Clock, systemClock } from './clock.js';
import { documentDigest } from './digest.js';
import type { NewVersion, RegistryStore } from './store.js';

export interface PublishRequest {
  readonly config: string;
  /** What the publisher sets; the schema's defaults fill the rest when it is applied. */
  readonly document: unknown;
  /** The schema version to validate against; default the config's latest. */
  readonly schemaVersion?: number | undefined;
  readonly publishedBy: string;
  readonly message?: string | undefined;
}

/**
 * Checks a document for publishing, without storing it: the config must have a schema
 * (CONFIG_NOT_FOUND), at the version asked (CONFIG_UNKNOWN_SCHEMA), and the document must pass
 * it (CONFIG_INVALID or CONFIG_LITERAL_SECRET, each naming the JSON pointer). The document is
 * kept as given (defaults are not written into it), so history and diffs show what was set.
 */
export function prepareVersion(
  schemas: ConfigSchemas,
  request: PublishRequest,
  clock: Clock = systemClock,
): NewVersion {
  const config = checkConfigName(request.config);
  const entry = schemaFor(schemas, config, request.schemaVersion);
  validateDocument(entry, request.document);
  const document = request.document as Record<string, unknown>;
  return {
    config,
    schemaVersion: entry.version,
    document,
    digest: documentDigest(document),
    publishedAt: clock.now(),
    publishedBy: request.publishedBy,
    message: request.message,
  };
}

/**
 * Validates and stores a config's next version. `beforeCommit` (the ledger record) sees it
 * numbered and may refuse it by throwing.
 */
export async function publishConfigVersion(
  store: RegistryStore,
  schemas: ConfigSchemas,
  request: PublishRequest,
  options: {
    readonly clock?: Clock;
    readonly beforeCommit?: (version: ConfigVersion) => Promise<void>;
  } = {},
): Promise<ConfigVersion> {
  const prepared = prepareVersion(schemas, request, options.clock);
  return store.publishVersion(prepared, options.beforeCommit);
}

/** The config's schema at a version, or its latest; CONFIG_NOT_FOUND for a config without one. */
export function schemaFor(
  schemas: ConfigSchemas,
  config: string,
  version?: number,
): ConfigSchemaEntry {
  if (!schemas.has(config)) {
    const known = [...new Set(schemas.list().map((entry) => entry.name))];
    throw new ConfigRegistryError(
      'CONFIG_NOT_FOUND',
      `no config is named ${config}: the registry knows ${known.length === 0 ? 'none' : known.join(', ')}`,
    );
  }
  return version === undefined ? schemas.latest(config) : schemas.get(config, version);
}
