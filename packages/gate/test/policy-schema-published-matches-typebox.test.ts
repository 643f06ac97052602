import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATE_PUBLISHED_SCHEMAS } from '../src/policy/schema.js';

const ROOT = join(import.meta.dirname, '../../..');

describe("the gate's published JSON Schemas", () => {
  it('include the policy schema', () => {
    expect(Object.keys(GATE_PUBLISHED_SCHEMAS)).toContain('bulwark.policy.schema.json');
  });

  it.each(Object.keys(GATE_PUBLISHED_SCHEMAS))(
    'schemas/%s is what the TypeBox source generates (npm run schemas)',
    (file) => {
      const published = JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8'));
      expect(published).toEqual(GATE_PUBLISHED_SCHEMAS[file]);
    },
  );
});
