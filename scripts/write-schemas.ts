/**
 * Writes the JSON Schemas published in schemas/ from their TypeBox sources, so each is written
 * once. `npm run schemas` after changing a schema; a test fails when a published copy drifts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS } from '@bulwark/verify';
// The schema's own module rather than '@bulwark/gate': this script needs the schema, not the gate.
import { GATE_PUBLISHED_SCHEMAS } from '../packages/gate/src/policy/schema.js';

const root = join(import.meta.dirname, '..');
for (const [file, schema] of Object.entries({ ...PUBLISHED_SCHEMAS, ...GATE_PUBLISHED_SCHEMAS })) {
  writeFileSync(join(root, 'schemas', file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${file}`);
}
