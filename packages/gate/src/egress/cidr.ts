import { PolicyError } from '../errors.js';
import { parseCidr } from '../policy/ip-address.js';

/** A rule's network as renderers write it: always with a prefix, with its family. */
export interface Cidr {
  readonly family: 4 | 6;
  /** A single address becomes /32 or /128; a mapped IPv6 network its IPv4 form. */
  readonly cidr: string;
}

/** A rule's `cidr` in the form nftables and NetworkPolicy take (the policy's own parser). */
export function renderedCidr(text: string): Cidr {
  const network = parseCidr(text);
  if (!network) {
    throw new PolicyError(`egress cidr ${JSON.stringify(text)} is not an IPv4 or IPv6 network`);
  }
  return {
    family: network.address.family === 'ipv4' ? 4 : 6,
    cidr: `${network.address.address}/${network.prefix}`,
  };
}
