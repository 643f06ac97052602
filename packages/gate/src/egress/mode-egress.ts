import { PolicyError } from '../errors.js';
import type { EgressRule, PolicyDocument } from '../policy/types.js';

/** An egress rule a renderer cannot express in its target, and the plain reason why. */
export interface UnexpressibleRule {
  readonly ruleId?: string;
  readonly host: string;
  readonly why: string;
}

/** The egress rules of one mode; a mode the document does not have is a PolicyError. */
export function modeEgressRules(document: PolicyDocument, mode: string): readonly EgressRule[] {
  const policy = Object.hasOwn(document.modes, mode) ? document.modes[mode] : undefined;
  if (!policy) {
    throw new PolicyError(
      `mode ${mode} is not in policy ${document.gate} v${document.version} (modes: ${Object.keys(document.modes).join(', ')})`,
    );
  }
  return policy.egress;
}

/** `rule openai (api.openai.com)`, for comments and messages. */
export function describeRule(rule: EgressRule, index: number): string {
  const name = rule.id ?? `#${index + 1}`;
  return `rule ${name} (${rule.host ?? rule.cidr ?? '?'})`;
}
