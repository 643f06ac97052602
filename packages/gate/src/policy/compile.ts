import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { PolicyError } from '../errors.js';
import { ModeEgress } from './egress-match.js';
import { ModeRules } from './rule-match.js';
import type {
  CompiledPolicy,
  DecisionInput,
  EgressDestination,
  EgressVerdict,
  PolicyDocument,
  Verdict,
} from './types.js';
import { describePolicyProblem, policyProblem } from './validate.js';

/**
 * A policy document compiled into the tables evaluation reads (rule-match.ts, egress-match.ts).
 * The document is validated again here, schema and semantics, because a document built in code
 * never passed the loader; and it is copied and frozen, so the tables, the digest and the
 * document the gate reports cannot drift apart.
 */
export function compilePolicy(document: PolicyDocument): CompiledPolicy {
  const problem = policyProblem(document);
  if (problem) throw new PolicyError(`invalid policy: ${describePolicyProblem(problem)}`);
  const canonical = canonicalize(document);
  if (canonical === undefined) throw new PolicyError('invalid policy: not JSON');
  const digest = createHash('sha256').update(canonical).digest('hex');
  // The copy is read back from the canonical text: exactly what the digest covers (keys sorted).
  return new IndexedPolicy(deepFreeze(JSON.parse(canonical) as PolicyDocument), digest);
}

interface CompiledMode {
  readonly rules: ModeRules;
  readonly egress: ModeEgress;
}

class IndexedPolicy implements CompiledPolicy {
  readonly modes: readonly string[];
  private readonly byMode = new Map<string, CompiledMode>();

  constructor(
    readonly document: PolicyDocument,
    readonly digest: string,
  ) {
    for (const [mode, policy] of Object.entries(document.modes)) {
      this.byMode.set(mode, {
        rules: new ModeRules(mode, policy.rules),
        egress: new ModeEgress(mode, policy.egress),
      });
    }
    this.modes = Object.freeze([...this.byMode.keys()]);
  }

  hasMode(mode: string): boolean {
    return this.byMode.has(mode);
  }

  evaluate(mode: string, input: DecisionInput): Verdict {
    const compiled = this.byMode.get(mode);
    if (compiled === undefined) return unknownMode(mode);
    return compiled.rules.evaluate(input);
  }

  egress(mode: string, destination: EgressDestination): EgressVerdict {
    const compiled = this.byMode.get(mode);
    if (compiled === undefined) return { allow: false, reason: unknownMode(mode).reason };
    return compiled.egress.check(destination);
  }
}

function unknownMode(mode: string): Verdict {
  return {
    effect: 'deny',
    allow: false,
    reason: `unknown mode ${JSON.stringify(mode)}: the policy has no such mode, so nothing is allowed`,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
