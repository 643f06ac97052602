import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXAMPLES,
  exampleYaml,
  SHARED_PLAN_EXAMPLES,
  SHARED_PLANS,
  type SharedPlanFile,
} from './plan-shared-plans.js';

// examples/<name>.plan.yaml is `bulwark plan import` of each shared plan, kept in the repository;
// re-importing must give the same bytes, so neither the importer nor the examples drift.
describe('examples/ are the imports of the shared plans in examples/source', () => {
  it('has one example per shared plan, and no other', () => {
    const shared = readdirSync(SHARED_PLANS)
      .filter((f) => /^\d{3}_.*\.txt$/.test(f))
      .sort();
    expect(shared).toEqual(Object.keys(SHARED_PLAN_EXAMPLES).sort());
    const examples = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.plan.yaml'))
      .sort();
    expect(examples).toEqual(
      Object.values(SHARED_PLAN_EXAMPLES)
        .map((n) => `${n}.plan.yaml`)
        .sort(),
    );
  });

  for (const [file, name] of Object.entries(SHARED_PLAN_EXAMPLES)) {
    it(`examples/${name}.plan.yaml matches a fresh import of ${file}`, () => {
      const committed = readFileSync(join(EXAMPLES, `${name}.plan.yaml`), 'utf8');
      expect(exampleYaml(file as SharedPlanFile)).toBe(committed);
    });
  }
});
