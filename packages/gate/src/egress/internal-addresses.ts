import { normalizeAddress, specialAddressKind } from '../policy/ip-address.js';

/**
 * Whether a host-name rule must never reach this address by resolution alone: loopback,
 * private, link-local (the metadata address), shared, unspecified, multicast, reserved, by the
 * same table the policy's egress check uses (policy/ip-address.ts). A string that is no
 * address counts as internal.
 */
export function isInternalAddress(address: string): boolean {
  const normalized = normalizeAddress(address);
  return normalized === undefined || specialAddressKind(normalized) !== undefined;
}
