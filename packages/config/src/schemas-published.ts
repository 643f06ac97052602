import { builtInConfigSchemas } from './schemas/built-in.js';
import type { ConfigSchemas } from './schemas.js';

/** Where a published config schema lives: `schemas/config/<name>.v<version>.schema.json`. */
export function configSchemaFileName(name: string, version: number): string {
  return `${name}.v${version}.schema.json`;
}

/**
 * The JSON Schemas published in the repository's schemas/config/ folder, by file name, written
 * from the TypeBox definitions (scripts/write-config-schemas.ts) so each is written once. The
 * `x-` annotations stay in: JSON Schema allows them, and tools outside TypeScript can read them.
 */
export function publishedConfigSchemas(
  schemas: ConfigSchemas = builtInConfigSchemas(),
): Record<string, object> {
  const out: Record<string, object> = {};
  for (const entry of schemas.list()) {
    const file = configSchemaFileName(entry.name, entry.version);
    out[file] = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `https://bulwark.dev/schemas/config/${file}`,
      title: `Bulwark config ${entry.label}`,
      ...JSON.parse(JSON.stringify(entry.schema)),
    };
  }
  return out;
}
