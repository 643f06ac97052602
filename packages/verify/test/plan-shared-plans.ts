import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { type ImportResult, importMarkdownPlan } from '../src/plan/import/index.js';
import { parsePlan } from '../src/plan/load.js';
import type { CriterionStatus, Plan } from '../src/plan/schema.js';
import { serializePlan } from '../src/plan/serialize.js';

/**
 * The five hardening plans of ../shared/plans, copied into examples/source/ so the repository
 * holds its own test input, and the example plan each one is imported into under examples/.
 */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SHARED_PLANS = join(REPO_ROOT, 'examples/source');
export const EXAMPLES = join(REPO_ROOT, 'examples');

export const SHARED_PLAN_EXAMPLES = {
  '000_8b788f0aeac24581.txt': 'sovereign-ai-stack',
  '001_e14f9608765660cc.txt': 'agent-platform',
  '002_dfeac7ade37a8f38.txt': 'sim-corp',
  '003_d2ff71194cffa7a9.txt': 'ai-stack',
  '004_5f1834c59f514800.txt': 'trading',
} as const;

export type SharedPlanFile = keyof typeof SHARED_PLAN_EXAMPLES;

export function readSharedPlan(file: SharedPlanFile): string {
  const path = join(SHARED_PLANS, file);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the shared plans are this test's input (examples/source)`);
  }
  return readFileSync(path, 'utf8');
}

/** Imports a shared plan exactly as examples/README.md regenerates it. */
export function importSharedPlan(file: SharedPlanFile): ImportResult {
  return importMarkdownPlan(
    readSharedPlan(file),
    { sourcePath: `source/${file}`, name: SHARED_PLAN_EXAMPLES[file] },
    defaultRegistry(),
  );
}

export function exampleYaml(file: SharedPlanFile): string {
  return serializePlan(importSharedPlan(file).plan, {
    planFile: `examples/${SHARED_PLAN_EXAMPLES[file]}.plan.yaml`,
  });
}

/** The plan as the loader reads it back from YAML: schema, ids, checks and their parameters. */
export function validated(plan: Plan): Plan {
  return parsePlan(serializePlan(plan), 'imported.plan.yaml', defaultRegistry());
}

export function countByStatus(plan: Plan): Partial<Record<CriterionStatus, number>> {
  const counts: Partial<Record<CriterionStatus, number>> = {};
  for (const c of plan.criteria) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return counts;
}

/** Every binding as [criterion id, check, parameters as written by the importer]. */
export function bindings(plan: Plan): Array<[string, string, Record<string, unknown>]> {
  return plan.criteria.flatMap((c) =>
    (c.checks ?? []).map(
      (b) => [c.id, b.check, b.with ?? {}] as [string, string, Record<string, unknown>],
    ),
  );
}

/** Every imported criterion points at its line, and that line holds the start of its text. */
export function expectSourceLinesHoldTheirText(result: ImportResult, markdown: string): void {
  const lines = markdown.split(/\r\n|\r|\n/);
  for (const criterion of result.plan.criteria) {
    const line = lines[(criterion.source?.line ?? 0) - 1] ?? '';
    const leading = (criterion.text.match(/[A-Za-z0-9_/]{3,}/g) ?? []).slice(0, 3);
    expect(
      leading.some((word) => line.includes(word)),
      `${criterion.id}: line ${criterion.source?.line} is ${JSON.stringify(line)}`,
    ).toBe(true);
  }
}
