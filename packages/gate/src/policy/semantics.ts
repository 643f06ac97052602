import { hostPatternProblem } from './host-name.js';
import { parseCidr } from './ip-address.js';
import type { PolicyDocument } from './types.js';

/**
 * What a policy must satisfy beyond its JSON Schema, checked on a document the schema accepted.
 * Each problem names the place by path, so the loader can point at the line in the file.
 */

export type PolicyPathSegment = string | number;

export interface PolicyProblem {
  readonly path: readonly PolicyPathSegment[];
  readonly message: string;
}

/** Every gate has these: PUB is where it starts safe, WORK what a transition unlocks. */
export const REQUIRED_MODES = ['PUB', 'WORK'] as const;

/** The first semantic problem of a schema-valid document, or undefined. */
export function semanticProblem(document: PolicyDocument): PolicyProblem | undefined {
  for (const mode of REQUIRED_MODES) {
    if (!Object.hasOwn(document.modes, mode)) {
      return {
        path: ['modes'],
        message: `mode ${mode} is missing (every policy has PUB and WORK)`,
      };
    }
  }
  if (!Object.hasOwn(document.modes, document.defaultMode)) {
    return {
      path: ['defaultMode'],
      message: `${document.defaultMode} is not one of the modes (${Object.keys(document.modes).join(', ')})`,
    };
  }
  for (const [mode, policy] of Object.entries(document.modes)) {
    const firstById = new Map<string, number>();
    for (const [i, rule] of policy.rules.entries()) {
      const first = firstById.get(rule.id);
      if (first !== undefined) {
        return {
          path: ['modes', mode, 'rules', i, 'id'],
          message: `duplicate rule id ${rule.id} (also rules[${first}])`,
        };
      }
      firstById.set(rule.id, i);
      for (const [name, condition] of Object.entries(rule.when?.args ?? {})) {
        if (
          condition.min !== undefined &&
          condition.max !== undefined &&
          condition.min > condition.max
        ) {
          return {
            path: ['modes', mode, 'rules', i, 'when', 'args', name],
            message: `min ${condition.min} is greater than max ${condition.max}: nothing can match`,
          };
        }
      }
    }
    for (const [i, rule] of policy.egress.entries()) {
      const at = ['modes', mode, 'egress', i];
      if ((rule.host === undefined) === (rule.cidr === undefined)) {
        return { path: at, message: 'an egress rule names exactly one of host and cidr' };
      }
      if (rule.host !== undefined) {
        const problem = hostPatternProblem(rule.host);
        if (problem) return { path: [...at, 'host'], message: `${rule.host} ${problem}` };
      }
      if (rule.cidr !== undefined && !parseCidr(rule.cidr)) {
        return {
          path: [...at, 'cidr'],
          message: `${rule.cidr} is not an IPv4 or IPv6 address or network (10.0.0.0/8, 2001:db8::/32)`,
        };
      }
      for (const [k, port] of (rule.ports ?? []).entries()) {
        if (!Number.isInteger(port) || port < 1 || port > 65_535) {
          return { path: [...at, 'ports', k], message: `${port} is not a port (1 to 65535)` };
        }
      }
    }
  }
  return undefined;
}
