import { BlockList, isIP, SocketAddress } from 'node:net';

/**
 * IP addresses as the egress policy sees them: one canonical spelling per address, cidr networks,
 * and the special-purpose ranges behind its DNS-rebinding defence. An address in one of those
 * ranges is reachable only because of where the gate runs (its own host, its network, the
 * cloud's metadata service), so a host-name rule never allows it; only a cidr rule that names
 * the range does.
 */

export type AddressFamily = 'ipv4' | 'ipv6';

/** An address in one canonical spelling: IPv4-mapped IPv6 as its IPv4, no zone, lower case. */
export interface NormalizedAddress {
  readonly address: string;
  readonly family: AddressFamily;
}

export type SpecialAddressKind =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/** How a reason names each kind: `api.example.com resolved to 127.0.0.1, a loopback address`. */
export const SPECIAL_ADDRESS_DESCRIPTIONS: Readonly<Record<SpecialAddressKind, string>> = {
  metadata: 'the cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT (shared) address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

type Range = readonly [network: string, prefix: number, family: AddressFamily];

// Checked in this order, so the metadata addresses (inside link-local and private) are named
// as what they are.
const RANGES: ReadonlyArray<readonly [SpecialAddressKind, readonly Range[]]> = [
  [
    'metadata',
    [
      ['169.254.169.254', 32, 'ipv4'],
      ['fd00:ec2::254', 128, 'ipv6'],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
      // Site-local, deprecated (RFC 3879) but still routed inside some networks.
      ['fec0::', 10, 'ipv6'],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  ['shared', [['100.64.0.0', 10, 'ipv4']]],
  [
    'unspecified',
    [
      // 0.0.0.0/8 is "this network": connecting to 0.0.0.0 reaches the local host on Linux.
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  // 240.0.0.0/4 includes the limited broadcast address 255.255.255.255.
  ['reserved', [['240.0.0.0', 4, 'ipv4']]],
];

const SPECIAL: ReadonlyArray<readonly [SpecialAddressKind, BlockList]> = RANGES.map(
  ([kind, ranges]) => {
    const list = new BlockList();
    for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
    return [kind, list] as const;
  },
);

/** Every special range in one list: an ordinary address costs one check, not one per kind. */
const ANY_SPECIAL = new BlockList();
for (const [, ranges] of RANGES) {
  for (const [network, prefix, family] of ranges) ANY_SPECIAL.addSubnet(network, prefix, family);
}

/** The kind of a special-purpose address, or undefined for an ordinary (public) one. */
export function specialAddressKind(address: NormalizedAddress): SpecialAddressKind | undefined {
  const socket = socketAddressOf(address);
  if (!ANY_SPECIAL.check(socket)) return undefined;
  for (const [kind, list] of SPECIAL) {
    if (list.check(socket)) return kind;
  }
  return undefined;
}

/**
 * BlockList.check given a string builds a SocketAddress each time (about 3 µs in Node 20, most
 * of an egress check); given a SocketAddress it is a plain lookup. Destinations repeat (the same
 * few services), so built ones are kept, in a bounded table emptied when full: a flood of
 * distinct addresses costs what it would without the table, never more memory.
 */
const SOCKET_ADDRESSES = new Map<string, SocketAddress>();
const MAX_SOCKET_ADDRESSES = 4096;

/** The address as node:net's SocketAddress, for BlockList checks. */
export function socketAddressOf(address: NormalizedAddress): SocketAddress {
  let socket = SOCKET_ADDRESSES.get(address.address);
  if (socket === undefined) {
    if (SOCKET_ADDRESSES.size >= MAX_SOCKET_ADDRESSES) SOCKET_ADDRESSES.clear();
    socket = new SocketAddress({ address: address.address, family: address.family });
    SOCKET_ADDRESSES.set(address.address, socket);
  }
  return socket;
}

/**
 * The canonical form of an IP address, or undefined when the text is not one. IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`) becomes its IPv4 address: that is where the socket goes,
 * and both the special ranges and the cidr rules must see it so. A zone (`fe80::1%eth0`) is
 * dropped: it names an interface, not a different address. Brackets (`[::1]`, as URL.hostname
 * spells IPv6) are removed.
 */
export function normalizeAddress(text: string): NormalizedAddress | undefined {
  let candidate = text;
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  const zone = candidate.indexOf('%');
  if (zone >= 0) candidate = candidate.slice(0, zone);
  const family = isIP(candidate);
  if (family === 4) return { address: candidate, family: 'ipv4' };
  if (family !== 6) return undefined;
  // WHATWG URL serialization is the canonical IPv6 text (RFC 5952: lower case, longest zero run
  // compressed, a mapped address as two hex groups), so every spelling of one address compares
  // equal; node:net has no parser that returns the canonical form.
  const canonical = new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  if (canonical.startsWith('::ffff:')) {
    const groups = canonical.slice('::ffff:'.length).split(':');
    if (groups.length === 2) {
      const high = Number.parseInt(groups[0] as string, 16);
      const low = Number.parseInt(groups[1] as string, 16);
      return {
        address: `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`,
        family: 'ipv4',
      };
    }
  }
  return { address: canonical, family: 'ipv6' };
}

/** `10.0.0.5:5432`, `[2001:db8::1]:443`: an address and port as a reason shows them. */
export function formatAddressPort(address: NormalizedAddress, port: number): string {
  return address.family === 'ipv6' ? `[${address.address}]:${port}` : `${address.address}:${port}`;
}

/** A cidr rule's network: `10.0.0.0/8`, `2001:db8::/32`, or one address (a /32 or /128). */
export interface Network {
  readonly address: NormalizedAddress;
  readonly prefix: number;
}

/** The network a cidr rule names, or undefined when it does not parse. */
export function parseCidr(cidr: string): Network | undefined {
  const slash = cidr.indexOf('/');
  const networkText = slash < 0 ? cidr : cidr.slice(0, slash);
  // A zone or brackets are not part of a network's spelling.
  if (networkText.includes('%') || networkText.includes('[')) return undefined;
  const address = normalizeAddress(networkText);
  if (!address) return undefined;
  const written6 = networkText.includes(':');
  if (slash < 0) return { address, prefix: address.family === 'ipv4' ? 32 : 128 };
  const prefixText = cidr.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (written6 ? 128 : 32)) return undefined;
  // An IPv4-mapped network (::ffff:10.0.0.0/104) was normalized to IPv4: its prefix counts the
  // 96 bits of the mapping prefix, which must all be inside it.
  if (written6 && address.family === 'ipv4') {
    return prefix >= 96 ? { address, prefix: prefix - 96 } : undefined;
  }
  return { address, prefix };
}
