import type {
  ArgCondition,
  DecisionInput,
  Pattern,
  PolicyRule,
  RuleConditions,
  RuleEffect,
  Verdict,
} from './types.js';

/**
 * One mode's tool rules, compiled for evaluation on every tool call.
 *
 * Rules are indexed by tool and action at load time into four groups: exact tool and action,
 * exact tool with action `*`, tool `*` with an exact action, and `*`/`*`. A lookup is three Map
 * gets and a walk of at most four short lists. The groups are kept apart rather than merged into
 * one list per (tool, action): a merged table costs tools × wildcard rules in memory, which a
 * 100,000-rule policy with many `*` rules would turn into gigabytes.
 *
 * Each list is sorted by precedence (deny, then approval, then allow; earlier rules first within
 * an effect), so the first rule that matches in a list is the best that list can offer, and a
 * walk stops at the first rule that could not beat what an earlier list found. The verdict for
 * each rule is built once, frozen, and returned as is: a decided call allocates nothing.
 */

const RANK: Readonly<Record<RuleEffect, number>> = { deny: 3, approval: 2, allow: 1 };

/** A pattern list split at load time: exact values in a Set, `*`-terminated ones as prefixes. */
class PatternSet {
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
  /** A bare `*`: anything (but still a string: a missing resource never matches). */
  readonly any: boolean;

  constructor(patterns: readonly Pattern[]) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const pattern of patterns) {
      if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
      else exact.add(pattern);
    }
    this.exact = exact;
    this.prefixes = prefixes;
    this.any = prefixes.includes('');
  }

  matches(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (this.any || this.exact.has(value)) return true;
    const prefixes = this.prefixes;
    for (let i = 0; i < prefixes.length; i++) {
      if (value.startsWith(prefixes[i] as string)) return true;
    }
    return false;
  }
}

/** One argument condition; absent fields are undefined so every instance has one shape. */
class ArgMatcher {
  readonly name: string;
  readonly hasEquals: boolean;
  readonly equals: string | number | boolean | undefined;
  readonly oneOf: ReadonlySet<string | number> | undefined;
  readonly prefix: string | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;

  constructor(name: string, condition: ArgCondition) {
    this.name = name;
    this.hasEquals = condition.equals !== undefined;
    this.equals = condition.equals;
    this.oneOf = condition.in === undefined ? undefined : new Set(condition.in);
    this.prefix = condition.prefix;
    this.min = condition.min;
    this.max = condition.max;
  }

  holds(args: Readonly<Record<string, unknown>>): boolean {
    const value = args[this.name];
    // A missing argument fails every condition; an inherited one (`constructor`) is missing.
    if (value === undefined || !Object.hasOwn(args, this.name)) return false;
    if (this.hasEquals && value !== this.equals) return false;
    if (this.oneOf !== undefined && !this.oneOf.has(value as string | number)) return false;
    if (this.prefix !== undefined) {
      if (typeof value !== 'string' || !value.startsWith(this.prefix)) return false;
    }
    if (this.min !== undefined && (typeof value !== 'number' || !(value >= this.min))) return false;
    if (this.max !== undefined && (typeof value !== 'number' || !(value <= this.max))) return false;
    return true;
  }
}

class CompiledRule {
  /** Precedence: deny 3, approval 2, allow 1. */
  readonly rank: number;
  /** Place in the mode's rule list: among rules of one effect, the earliest decides. */
  readonly order: number;
  readonly verdict: Verdict;
  readonly subject: PatternSet | undefined;
  readonly resource: PatternSet | undefined;
  readonly args: readonly ArgMatcher[] | undefined;

  constructor(rule: PolicyRule, order: number) {
    this.rank = RANK[rule.effect];
    this.order = order;
    this.verdict = verdictFor(rule);
    const when: RuleConditions = rule.when ?? {};
    this.subject = when.subject ? new PatternSet(when.subject) : undefined;
    this.resource = when.resource ? new PatternSet(when.resource) : undefined;
    this.args = when.args
      ? Object.entries(when.args).map(([name, condition]) => new ArgMatcher(name, condition))
      : undefined;
  }

  matches(input: DecisionInput): boolean {
    if (this.subject !== undefined && !this.subject.matches(input.subject)) return false;
    if (this.resource !== undefined && !this.resource.matches(input.resource)) return false;
    const args = this.args;
    if (args !== undefined) {
      const given = input.args;
      if (typeof given !== 'object' || given === null) return false;
      for (let i = 0; i < args.length; i++) {
        if (!(args[i] as ArgMatcher).holds(given)) return false;
      }
    }
    return true;
  }

  /** Whether this rule, matching, would decide over `best`. */
  outranks(best: CompiledRule): boolean {
    return this.rank > best.rank || (this.rank === best.rank && this.order < best.order);
  }
}

function verdictFor(rule: PolicyRule): Verdict {
  const because = rule.reason === undefined ? '' : `: ${rule.reason}`;
  const reason =
    rule.effect === 'allow'
      ? `allowed by rule ${rule.id}${because}`
      : rule.effect === 'deny'
        ? `denied by rule ${rule.id}${because}`
        : `approval required by rule ${rule.id}${because}`;
  return Object.freeze({
    effect: rule.effect,
    allow: rule.effect === 'allow',
    ruleId: rule.id,
    reason,
  });
}

/** Rules for one tool (or for `*`): by exact action, and those for action `*`. */
class ActionIndex {
  readonly byAction = new Map<string, CompiledRule[]>();
  readonly anyAction: CompiledRule[] = [];

  add(action: string, rule: CompiledRule): void {
    if (action === '*') {
      this.anyAction.push(rule);
      return;
    }
    const list = this.byAction.get(action);
    if (list) list.push(rule);
    else this.byAction.set(action, [rule]);
  }

  sort(): void {
    this.anyAction.sort(byPrecedence);
    for (const list of this.byAction.values()) list.sort(byPrecedence);
  }
}

function byPrecedence(a: CompiledRule, b: CompiledRule): number {
  return b.rank - a.rank || a.order - b.order;
}

/**
 * The best rule of a precedence-sorted list that matches and outranks `best`, else `best`. The
 * first rule that cannot outrank `best` ends the walk: every later one ranks lower still.
 */
function bestIn(
  list: readonly CompiledRule[],
  input: DecisionInput,
  best: CompiledRule | undefined,
): CompiledRule | undefined {
  for (let i = 0; i < list.length; i++) {
    const rule = list[i] as CompiledRule;
    if (best !== undefined && !rule.outranks(best)) return best;
    if (rule.matches(input)) return rule;
  }
  return best;
}

export class ModeRules {
  private readonly byTool = new Map<string, ActionIndex>();
  private readonly anyTool = new ActionIndex();

  constructor(
    readonly mode: string,
    rules: readonly PolicyRule[],
  ) {
    rules.forEach((rule, order) => {
      const compiled = new CompiledRule(rule, order);
      let index = this.anyTool;
      if (rule.tool !== '*') {
        const forTool = this.byTool.get(rule.tool);
        if (forTool) index = forTool;
        else {
          index = new ActionIndex();
          this.byTool.set(rule.tool, index);
        }
      }
      index.add(rule.action, compiled);
    });
    this.anyTool.sort();
    for (const index of this.byTool.values()) index.sort();
  }

  /** Deny overrides approval, approval overrides allow; no matching rule denies. */
  evaluate(input: DecisionInput): Verdict {
    let best: CompiledRule | undefined;
    const forTool = this.byTool.get(input.tool);
    if (forTool !== undefined) {
      const exact = forTool.byAction.get(input.action);
      if (exact !== undefined) best = bestIn(exact, input, best);
      best = bestIn(forTool.anyAction, input, best);
    }
    const forAction = this.anyTool.byAction.get(input.action);
    if (forAction !== undefined) best = bestIn(forAction, input, best);
    best = bestIn(this.anyTool.anyAction, input, best);
    if (best !== undefined) return best.verdict;
    return {
      effect: 'deny',
      allow: false,
      reason: `no rule allows tool ${JSON.stringify(input.tool)} action ${JSON.stringify(input.action)} in mode ${this.mode}`,
    };
  }
}
