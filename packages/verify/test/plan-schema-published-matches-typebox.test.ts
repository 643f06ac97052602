import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS } from '../src/plan/published-schemas.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('the published JSON Schemas', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS))(
    'schemas/%s is what the TypeBox source generates (npm run schemas)',
    (file) => {
      const published = JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8'));
      expect(published).toEqual(PUBLISHED_SCHEMAS[file]);
    },
  );
});
