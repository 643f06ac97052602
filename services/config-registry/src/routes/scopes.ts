import type { Principal } from '@bulwark/kit';

/** What each route asks of its caller when authentication is on (BULWARK_AUTH=required). */
export const SCOPES = {
  configRead: { scopes: ['config:read'] },
  configPublish: { scopes: ['config:publish'] },
  configRollout: { scopes: ['config:rollout'] },
} as const;

/**
 * Who publishes or rolls out: the authenticated subject, or `anonymous` when the registry runs
 * without authentication (development without keys).
 */
export function actorOf(request: { readonly principal: Principal | null }): string {
  return request.principal?.subject ?? 'anonymous';
}
