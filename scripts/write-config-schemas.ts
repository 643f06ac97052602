/**
 * Writes the config JSON Schemas published in schemas/config/ from their TypeBox sources
 * (`<name>.v<version>.schema.json`, one per registered version), and removes a published file
 * whose schema is gone. `npm run schemas` after changing one; a test fails when a
 * published copy drifts (packages/config/test/published-config-schemas-match-typebox.test.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The module itself rather than '@bulwark/config': this script needs the schemas, not NATS or pg.
import { publishedConfigSchemas } from '../packages/config/src/schemas-published.js';

const folder = join(import.meta.dirname, '..', 'schemas', 'config');
const schemas = publishedConfigSchemas();
mkdirSync(folder, { recursive: true });
for (const [file, schema] of Object.entries(schemas)) {
  writeFileSync(join(folder, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/config/${file}`);
}
for (const file of readdirSync(folder)) {
  if (file.endsWith('.schema.json') && !Object.hasOwn(schemas, file)) {
    rmSync(join(folder, file));
    console.log(`removed schemas/config/${file}`);
  }
}
