import { BlockList } from 'node:net';
import { normalizeHostName, wildcardSuffix } from './host-name.js';
import {
  formatAddressPort,
  type NormalizedAddress,
  normalizeAddress,
  parseCidr,
  SPECIAL_ADDRESS_DESCRIPTIONS,
  socketAddressOf,
  specialAddressKind,
} from './ip-address.js';
import type { EgressDestination, EgressRule, EgressScheme, EgressVerdict } from './types.js';

/**
 * One mode's egress allow-list, compiled: host rules indexed by exact name and by wildcard
 * suffix (a Map lookup each), cidr rules as node:net BlockLists. See `ModeEgress.check` for how a
 * destination with both a host name and a resolved address is judged.
 */

const SCHEME_BITS: Readonly<Record<EgressScheme, number>> = { http: 1, https: 2, tcp: 4, tls: 8 };

class CompiledEgressRule {
  readonly ruleId: string;
  /**
   * Undefined: with schemes given, each scheme's default port (443 for https and tls, 80 for
   * http, any for tcp); with neither ports nor schemes, any port (types.ts, EgressRule.ports).
   */
  readonly ports: ReadonlySet<number> | undefined;
  /** A bit per allowed scheme; 0 allows any. */
  readonly schemes: number;
  readonly verdict: EgressVerdict;

  constructor(rule: EgressRule, index: number) {
    // Rules without an id are named by their place, so a decision still says which one allowed.
    this.ruleId = rule.id ?? `egress[${index}]`;
    this.ports = rule.ports ? new Set(rule.ports) : undefined;
    let schemes = 0;
    for (const scheme of rule.schemes ?? []) schemes |= SCHEME_BITS[scheme];
    this.schemes = schemes;
    this.verdict = Object.freeze({
      allow: true,
      ruleId: this.ruleId,
      reason: `allowed by egress rule ${this.ruleId}`,
    });
  }

  /**
   * `scheme` undefined: a connection judged below the protocol (a socket sees an address and a
   * port, as the kernel layers do), which any scheme the rule allows may be carrying; HTTP
   * clients are judged with their scheme before they get that far.
   */
  allowsPort(scheme: EgressScheme | undefined, port: number): boolean {
    if (scheme !== undefined && this.schemes !== 0 && (this.schemes & SCHEME_BITS[scheme]) === 0) {
      return false;
    }
    if (this.ports !== undefined) return this.ports.has(port);
    if (this.schemes === 0) return true;
    if (scheme === undefined) return this.defaultPortAllowed(port);
    if (scheme === 'https' || scheme === 'tls') return port === 443;
    if (scheme === 'http') return port === 80;
    return true;
  }

  /** Whether any of the rule's schemes allows the port by default. */
  private defaultPortAllowed(port: number): boolean {
    if ((this.schemes & SCHEME_BITS.tcp) !== 0) return true;
    if ((this.schemes & (SCHEME_BITS.https | SCHEME_BITS.tls)) !== 0 && port === 443) return true;
    return (this.schemes & SCHEME_BITS.http) !== 0 && port === 80;
  }
}

interface CidrRule {
  readonly rule: CompiledEgressRule;
  readonly network: BlockList;
}

export class ModeEgress {
  private readonly exactHosts = new Map<string, CompiledEgressRule[]>();
  private readonly wildcardHosts = new Map<string, CompiledEgressRule[]>();
  private readonly cidrRules: CidrRule[] = [];
  private readonly notAllowed: string;

  /** The rules must have passed semantics.ts (host xor cidr, valid host, cidr that parses). */
  constructor(
    readonly mode: string,
    rules: readonly EgressRule[],
  ) {
    this.notAllowed = `is not in mode ${mode}'s allow-list`;
    rules.forEach((rule, index) => {
      const compiled = new CompiledEgressRule(rule, index);
      if (rule.host !== undefined) {
        const wildcard = rule.host.startsWith('*.');
        const table = wildcard ? this.wildcardHosts : this.exactHosts;
        const key = wildcard ? rule.host.slice(2) : rule.host;
        const list = table.get(key);
        if (list) list.push(compiled);
        else table.set(key, [compiled]);
      } else if (rule.cidr !== undefined) {
        const parsed = parseCidr(rule.cidr);
        if (!parsed) throw new Error(`egress cidr ${rule.cidr} does not parse`);
        const network = new BlockList();
        network.addSubnet(parsed.address.address, parsed.prefix, parsed.address.family);
        this.cidrRules.push({ rule: compiled, network });
      }
    });
  }

  /**
   * Whether this mode allows the destination.
   * - Only a host (before resolution): host rules decide; the guard asks again once resolved.
   * - Only an address: cidr rules decide.
   * - Both: a cidr rule allowing the address, or a host rule allowing the name; but an address
   *   that is loopback, private, link-local (cloud metadata), shared, unspecified, multicast or
   *   reserved needs a cidr rule: a name rule alone never reaches it, so a name an attacker
   *   rebinds to 169.254.169.254 or 127.0.0.1 is refused.
   * A destination without a scheme (a socket's view) matches a rule on any scheme it allows.
   */
  check(destination: EgressDestination): EgressVerdict {
    const scheme = destination.scheme;
    const port = destination.port;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return deny(`egress to port ${String(port)} is refused: not a port number`);
    }
    let host = destination.host === undefined ? undefined : normalizeHostName(destination.host);
    let addressText = destination.address;
    // A URL may name an address as its host (`http://10.0.0.5/`): that is an address, never a name.
    if (host !== undefined && normalizeAddress(host) !== undefined) {
      addressText ??= host;
      host = undefined;
    }
    if (host === '') host = undefined;
    if (addressText === undefined) {
      if (host === undefined)
        return deny('egress refused: the destination names no host or address');
      return this.matchHost(host, scheme, port)?.verdict ?? this.hostDenied(host, scheme, port);
    }
    const address = normalizeAddress(addressText);
    if (!address) {
      return deny(`egress to ${JSON.stringify(addressText)} is refused: not an IP address`);
    }
    const byCidr = this.matchAddress(address, scheme, port);
    if (byCidr) return byCidr.verdict;
    if (host === undefined) {
      return deny(`egress to ${formatAddressPort(address, port)} ${this.notAllowed}`);
    }
    const kind = specialAddressKind(address);
    if (kind !== undefined) {
      const what = SPECIAL_ADDRESS_DESCRIPTIONS[kind];
      return deny(`${host} resolved to ${address.address}, ${what} no cidr rule allows`);
    }
    return this.matchHost(host, scheme, port)?.verdict ?? this.hostDenied(host, scheme, port);
  }

  private matchHost(
    host: string,
    scheme: EgressScheme | undefined,
    port: number,
  ): CompiledEgressRule | undefined {
    const exact = this.exactHosts.get(host);
    if (exact) {
      for (const rule of exact) if (rule.allowsPort(scheme, port)) return rule;
    }
    const suffix = wildcardSuffix(host);
    const wildcard = suffix === undefined ? undefined : this.wildcardHosts.get(suffix);
    if (wildcard) {
      for (const rule of wildcard) if (rule.allowsPort(scheme, port)) return rule;
    }
    return undefined;
  }

  private matchAddress(
    address: NormalizedAddress,
    scheme: EgressScheme | undefined,
    port: number,
  ): CompiledEgressRule | undefined {
    if (this.cidrRules.length === 0) return undefined;
    const socket = socketAddressOf(address);
    for (const { rule, network } of this.cidrRules) {
      if (rule.allowsPort(scheme, port) && network.check(socket)) return rule;
    }
    return undefined;
  }

  private hostDenied(host: string, scheme: EgressScheme | undefined, port: number): EgressVerdict {
    const suffix = wildcardSuffix(host);
    const listed =
      this.exactHosts.has(host) || (suffix !== undefined && this.wildcardHosts.has(suffix));
    return deny(
      listed
        ? `egress to ${host}:${port}${scheme ? ` over ${scheme}` : ''} ${this.notAllowed}: the host is listed, but not for this port${scheme ? ' and scheme' : ''}`
        : `egress to ${host}:${port} ${this.notAllowed}`,
    );
  }
}

function deny(reason: string): EgressVerdict {
  return { allow: false, reason };
}
