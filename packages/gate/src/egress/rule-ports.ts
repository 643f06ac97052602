import type { EgressRule } from '../policy/types.js';

/** Every TCP port. */
export const ANY_PORT = 'any';

/**
 * The TCP ports an egress rule allows, with the defaults of policy/types.ts: its `ports` when
 * given; otherwise 443 for https/tls and 80 for http; any port when it allows tcp or names no
 * scheme at all. Every scheme the policy knows runs over TCP, so ports are TCP ports.
 */
export function egressRulePorts(rule: EgressRule): readonly number[] | typeof ANY_PORT {
  if (rule.ports !== undefined && rule.ports.length > 0) {
    return [...new Set(rule.ports)].sort((a, b) => a - b);
  }
  const schemes = rule.schemes;
  if (schemes === undefined || schemes.length === 0 || schemes.includes('tcp')) return ANY_PORT;
  const ports = new Set<number>();
  for (const scheme of schemes) ports.add(scheme === 'http' ? 80 : 443);
  return [...ports].sort((a, b) => a - b);
}
