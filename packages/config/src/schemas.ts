import type { TObject } from '@sinclair/typebox';
import { ConfigRegistryError } from './errors.js';
import { type EnvBinding, schemaAnnotations, schemaDefaults } from './schemas-annotations.js';
import { checkConfigName } from './transport/names.js';

/** A config schema as code declares it: a name, a version, and its TypeBox definition. */
export interface ConfigSchemaDefinition {
  readonly name: string;
  /** Counts from 1 per name; a document names the version it was written against. */
  readonly version: number;
  readonly schema: TObject;
}

/** A registered schema, with what its annotations say (schemas-annotations.ts). */
export interface ConfigSchemaEntry extends ConfigSchemaDefinition {
  /** `notifications v1`: how errors and sources name it. */
  readonly label: string;
  /** JSON pointers of the keys whose change needs a restart (`x-restart`). */
  readonly restartKeys: readonly string[];
  /** JSON pointers of the keys that must hold a `${secret:name}` reference (`x-secret`). */
  readonly secretKeys: readonly string[];
  /** The environment variables that override keys (`x-env`). */
  readonly envBindings: readonly EnvBinding[];
  /** The document the schema's defaults make (a fresh copy each time you read it). */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/**
 * The named, versioned config schemas a process knows. Versions of one name live side by side:
 * a document published against v1 is still validated against v1 after v2 is registered.
 */
export class ConfigSchemas {
  readonly #entries = new Map<string, Map<number, ConfigSchemaEntry>>();

  constructor(definitions: Iterable<ConfigSchemaDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds a schema; a second definition for one name and version is a programming error. */
  register(definition: ConfigSchemaDefinition): ConfigSchemaEntry {
    const name = checkConfigName(definition.name);
    const { version, schema } = definition;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new TypeError(`config schema ${name}: version ${version} is not a whole number >= 1`);
    }
    const versions = this.#entries.get(name) ?? new Map<number, ConfigSchemaEntry>();
    if (versions.has(version)) {
      throw new TypeError(`config schema ${name} v${version} is registered already`);
    }
    const label = `${name} v${version}`;
    const annotations = schemaAnnotations(schema, label);
    const defaults = schemaDefaults(schema);
    const entry: ConfigSchemaEntry = {
      name,
      version,
      schema,
      label,
      ...annotations,
      get defaults() {
        return structuredClone(defaults);
      },
    };
    versions.set(version, entry);
    this.#entries.set(name, versions);
    return entry;
  }

  /** The schema `name` at `version`, or CONFIG_UNKNOWN_SCHEMA naming what there is. */
  get(name: string, version: number): ConfigSchemaEntry {
    const entry = this.#entries.get(name)?.get(version);
    if (entry !== undefined) return entry;
    throw this.#unknown(name, version);
  }

  /** The highest version of `name`, or CONFIG_UNKNOWN_SCHEMA. */
  latest(name: string): ConfigSchemaEntry {
    const versions = this.#entries.get(name);
    if (versions === undefined) throw this.#unknown(name);
    return versions.get(Math.max(...versions.keys()))!;
  }

  has(name: string, version?: number): boolean {
    const versions = this.#entries.get(name);
    return versions !== undefined && (version === undefined || versions.has(version));
  }

  /** Every registered schema, by name, then version. */
  list(): ConfigSchemaEntry[] {
    return [...this.#entries.keys()]
      .sort()
      .flatMap((name) =>
        [...this.#entries.get(name)!.values()].sort((a, b) => a.version - b.version),
      );
  }

  #unknown(name: string, version?: number): ConfigRegistryError {
    const versions = this.#entries.get(name);
    // The name may come from a request: quoted and cut short, so the message stays one line.
    const shown = JSON.stringify(String(name).slice(0, 64));
    const asked = version === undefined ? shown : `${shown} v${version}`;
    if (versions !== undefined) {
      const known = [...versions.keys()].sort((a, b) => a - b).map((v) => `v${v}`);
      return new ConfigRegistryError(
        'CONFIG_UNKNOWN_SCHEMA',
        `unknown config schema ${asked}: ${name} has ${known.join(', ')}`,
      );
    }
    const known = this.list().map((entry) => entry.label);
    return new ConfigRegistryError(
      'CONFIG_UNKNOWN_SCHEMA',
      `unknown config schema ${asked}: known schemas are ${known.length === 0 ? 'none' : known.join(', ')}`,
    );
  }
}
