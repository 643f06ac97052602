import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/policy/compile.js';
import type {
  ArgCondition,
  DecisionInput,
  PolicyRule,
  RuleConditions,
  RuleEffect,
} from '../src/policy/types.js';
import { policyWith } from './fixtures/policy-documents.js';

/**
 * The compiled evaluator (indexes, precedence-sorted lists, early exits) must decide exactly as
 * the rules read: this reference walks every rule in file order, with no index at all.
 */
function referenceEvaluate(
  rules: readonly PolicyRule[],
  input: DecisionInput,
): { effect: RuleEffect; ruleId?: string } {
  const matching = rules.filter(
    (rule) =>
      (rule.tool === '*' || rule.tool === input.tool) &&
      (rule.action === '*' || rule.action === input.action) &&
      conditionsHold(rule.when, input),
  );
  for (const effect of ['deny', 'approval', 'allow'] as const) {
    const first = matching.find((rule) => rule.effect === effect);
    if (first) return { effect, ruleId: first.id };
  }
  return { effect: 'deny' };
}

function patternMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function argHolds(condition: ArgCondition, value: unknown): boolean {
  if (value === undefined) return false;
  if (condition.equals !== undefined && value !== condition.equals) return false;
  if (condition.in !== undefined && !condition.in.some((allowed) => allowed === value))
    return false;
  if (
    condition.prefix !== undefined &&
    !(typeof value === 'string' && value.startsWith(condition.prefix))
  ) {
    return false;
  }
  if (condition.min !== undefined && !(typeof value === 'number' && value >= condition.min))
    return false;
  if (condition.max !== undefined && !(typeof value === 'number' && value <= condition.max))
    return false;
  return true;
}

function conditionsHold(when: RuleConditions | undefined, input: DecisionInput): boolean {
  if (!when) return true;
  if (when.subject && !when.subject.some((p) => patternMatches(p, input.subject))) return false;
  if (when.resource && !when.resource.some((p) => patternMatches(p, input.resource))) return false;
  for (const [name, condition] of Object.entries(when.args ?? {})) {
    const args = input.args ?? {};
    if (!Object.hasOwn(args, name) || !argHolds(condition, args[name])) return false;
  }
  return true;
}

// Small pools, so rules and inputs collide often.
const TOOLS = ['files', 'shell', 'db', 'web'];
const ACTIONS = ['read', 'write', 'run'];
const SUBJECTS = ['svc:api', 'svc:billing', 'user:alice', 'user:bob', 'svc'];
const RESOURCES = [
  'https://a.example/x',
  'https://a.example/',
  'https://b.example/y',
  'file:///etc/passwd',
];

const subjectPatterns = fc.constantFrom('svc:*', 'user:alice', '*', 'svc:api', 'us*', 'svc');
const resourcePatterns = fc.constantFrom(
  'https://a.example/*',
  'https://*',
  'file:///etc/passwd',
  '*',
  'https://b.example/y',
);
const numberCondition = fc.record(
  {
    min: fc.integer({ min: 0, max: 5 }),
    max: fc.integer({ min: 5, max: 10 }),
    in: fc.uniqueArray(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 4 }),
    equals: fc.integer({ min: 0, max: 10 }),
  },
  { requiredKeys: [] },
);
const stringCondition = fc.record(
  {
    prefix: fc.constantFrom('rm', 'ls', ''),
    in: fc.uniqueArray(fc.constantFrom('ls', 'rm -rf', 'cat', 'ls -l'), {
      minLength: 1,
      maxLength: 3,
    }),
    equals: fc.constantFrom('ls', 'cat', true),
  },
  { requiredKeys: [] },
);

const conditions: fc.Arbitrary<RuleConditions> = fc.record(
  {
    subject: fc.array(subjectPatterns, { minLength: 1, maxLength: 3 }),
    resource: fc.array(resourcePatterns, { minLength: 1, maxLength: 3 }),
    args: fc.record({ n: numberCondition, cmd: stringCondition }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const ruleShape = fc.record(
  {
    tool: fc.constantFrom(...TOOLS, '*'),
    action: fc.constantFrom(...ACTIONS, '*'),
    effect: fc.constantFrom<RuleEffect>('allow', 'deny', 'approval'),
    when: conditions,
  },
  { requiredKeys: ['tool', 'action', 'effect'] },
);

/** Drops conditions that have no fields left: the schema wants at least one per argument. */
function tidy(rule: Omit<PolicyRule, 'id'>, index: number): PolicyRule {
  const args = Object.fromEntries(
    Object.entries(rule.when?.args ?? {}).filter(([, c]) => Object.keys(c).length > 0),
  );
  const argsHoldable = Object.entries(args).every(
    ([, c]) => c.min === undefined || c.max === undefined || c.min <= c.max,
  );
  const when = rule.when && {
    ...rule.when,
    args: Object.keys(args).length > 0 && argsHoldable ? args : undefined,
  };
  if (when && when.args === undefined) delete when.args;
  return { id: `rule-${index}`, ...rule, ...(when ? { when } : {}) };
}

const rules = fc
  .array(ruleShape, { maxLength: 40 })
  .map((shapes) => shapes.map((shape, i) => tidy(shape, i)));

const input: fc.Arbitrary<DecisionInput> = fc.record(
  {
    tool: fc.constantFrom(...TOOLS, 'other', '*'),
    action: fc.constantFrom(...ACTIONS, 'other'),
    subject: fc.constantFrom(...SUBJECTS),
    resource: fc.constantFrom(...RESOURCES),
    args: fc.record(
      {
        n: fc.oneof(fc.integer({ min: -1, max: 11 }), fc.constant('5')),
        cmd: fc.constantFrom('ls', 'ls -l', 'rm -rf', 'cat', 'echo'),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['tool', 'action', 'subject'] },
);

describe('compiled evaluation agrees with a naive reference evaluator', () => {
  it('for random rule sets and inputs', () => {
    fc.assert(
      fc.property(rules, fc.array(input, { minLength: 1, maxLength: 25 }), (ruleList, inputs) => {
        const policy = compilePolicy(policyWith({ WORK: { rules: ruleList } }));
        for (const call of inputs) {
          const expected = referenceEvaluate(ruleList, call);
          const verdict = policy.evaluate('WORK', call);
          expect({ effect: verdict.effect, ruleId: verdict.ruleId }).toEqual(expected);
          expect(verdict.allow).toBe(expected.effect === 'allow');
          // No mode but WORK has rules: PUB denies everything by default.
          expect(policy.evaluate('PUB', call).ruleId).toBeUndefined();
        }
      }),
      { numRuns: 400 },
    );
  });
});
