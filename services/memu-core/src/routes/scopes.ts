import type { Principal } from '@bulwark/kit';

/** What each route asks of its caller when authentication is on (BULWARK_AUTH=required). */
export const SCOPES = {
  memoriesRead: { scopes: ['memories:read'] },
  memoriesWrite: { scopes: ['memories:write'] },
} as const;

/**
 * Who the ledger records as having made a change: the authenticated subject, or `anonymous`
 * when the service runs without authentication (development without keys).
 */
export function actorOf(request: { readonly principal: Principal | null }): string {
  return request.principal?.subject ?? 'anonymous';
}
