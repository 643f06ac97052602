import { ConfigRegistryError } from './errors.js';
import { environmentLayer } from './layers-env.js';
import { readConfigFileLayer } from './layers-files.js';
import { type LayerContribution, mergeLayers, type ValueSource } from './layers-merge.js';
import type { ConfigSchemaEntry } from './schemas.js';
import { isPlainObject, pointerOf, pointerSegments } from './schemas-pointer.js';
import type { ConfigVersion } from './types.js';
import { documentProblem, problemError } from './validate.js';
import { findLiteralSecret } from './validate-literal-secrets.js';

/** A registry version applied over the local layers: a ConfigVersion, or the parts used. */
export type RemoteOverride = Pick<ConfigVersion, 'version' | 'document'> &
  Partial<Pick<ConfigVersion, 'config' | 'schemaVersion'>>;

export interface ResolveConfigOptions {
  readonly entry: ConfigSchemaEntry;
  /** Config files in precedence order: the base, then each environment overlay. */
  readonly files?: readonly string[];
  /** The environment the `x-env` variables are read from; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly remote?: RemoteOverride;
}

export interface ResolvedConfig {
  readonly entry: ConfigSchemaEntry;
  /** The merged, validated document. `${secret:name}` references are still references. */
  readonly value: Record<string, unknown>;
  /** For each leaf (JSON pointer), the layer whose value won. */
  readonly sources: Readonly<Record<string, ValueSource>>;
  /** Every layer's own document, lowest precedence first: what explainKey reads. */
  readonly layers: readonly LayerContribution[];
}

/**
 * Resolves a config the way a service starts with it: schema defaults, then the files (later
 * overlays win), then environment variables (`x-env`), then the registry's version, merged
 * (objects key by key, arrays and scalars replaced whole) and validated as one document.
 *
 * A literal secret is refused in any layer, even one a higher layer overrides: a file that holds
 * one is the leak, whatever wins. Errors name the layer a bad value came from.
 */
export async function resolveConfig(options: ResolveConfigOptions): Promise<ResolvedConfig> {
  const { entry } = options;
  const layers: LayerContribution[] = [
    { layer: 'default', origin: `schema ${entry.label}`, document: entry.defaults },
  ];
  for (const path of options.files ?? []) {
    layers.push({ layer: 'file', origin: path, document: await readConfigFileLayer(path) });
  }
  layers.push(...environmentLayer(entry, options.env ?? process.env));
  if (options.remote !== undefined) layers.push(remoteLayer(entry, options.remote));

  for (const layer of layers.slice(1)) {
    const secret = findLiteralSecret(entry, layer.document);
    if (secret !== undefined) throw problemError(entry, secret, originText(layer));
  }
  const { value, sources } = mergeLayers(layers);
  const problem = documentProblem(entry, value);
  if (problem !== undefined) {
    const source = sourceOf(sources, problem.path);
    throw problemError(entry, problem, source === undefined ? undefined : originText(source));
  }
  return { entry, value, sources, layers };
}

/** How an origin is said in messages: `file config/prod.yaml`, `env NOTIFICATIONS_WORKERS`. */
export function originText(source: ValueSource): string {
  return `${source.layer} ${source.origin}`;
}

function remoteLayer(entry: ConfigSchemaEntry, remote: RemoteOverride): LayerContribution {
  const origin = `registry v${remote.version}`;
  const config = remote.config ?? entry.name;
  const schemaVersion = remote.schemaVersion ?? entry.version;
  if (config !== entry.name || schemaVersion !== entry.version) {
    throw new ConfigRegistryError(
      'CONFIG_INVALID',
      `config ${entry.label}: ${origin} is a ${config} v${schemaVersion} document, not ${entry.label}`,
    );
  }
  if (!isPlainObject(remote.document)) {
    throw new ConfigRegistryError(
      'CONFIG_INVALID',
      `config ${entry.label}: / must be an object (from remote ${origin})`,
      { path: '' },
    );
  }
  return { layer: 'remote', origin, document: remote.document };
}

/**
 * The layer a faulty value came from: the leaf at `path` or above it (a scalar where an object
 * goes), else the one layer all leaves under it came from (an unknown section).
 */
function sourceOf(
  sources: Readonly<Record<string, ValueSource>>,
  path: string,
): ValueSource | undefined {
  const segments = pointerSegments(path);
  for (let length = segments.length; length > 0; length--) {
    const source = sources[pointerOf(segments.slice(0, length))];
    if (source !== undefined) return source;
  }
  const under = Object.entries(sources).filter(([leaf]) => leaf.startsWith(`${path}/`));
  const origins = new Set(under.map(([, source]) => originText(source)));
  return origins.size === 1 ? under[0]![1] : undefined;
}
