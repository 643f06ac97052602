import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { GateError } from '../errors.js';
import type { EgressRule, PolicyDocument } from '../policy/types.js';
import { renderedCidr } from './cidr.js';
import { wrapWords } from './comment-lines.js';
import { isInternalAddress } from './internal-addresses.js';
import { describeRule, modeEgressRules, type UnexpressibleRule } from './mode-egress.js';
import { ANY_PORT, egressRulePorts } from './rule-ports.js';

/** The addresses a host name resolves to, by family. */
export interface ResolvedHost {
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

export interface NftablesOptions {
  /** The table, in the inet family; default `bulwark_egress`. */
  readonly table?: string;
  /** Accept everything leaving through the loopback interface; default true. */
  readonly loopback?: boolean;
  /** DNS resolvers (addresses) accepted on UDP and TCP 53; default none, so DNS is dropped. */
  readonly resolvers?: readonly string[];
  /** Resolves a host rule's name; default getaddrinfo (`dns.lookup`, every address). */
  readonly resolve?: (host: string) => Promise<ResolvedHost>;
}

/** A named set holding the addresses of one host rule in one family. */
export interface NftablesHostSet {
  readonly name: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly host: string;
  readonly ruleId?: string;
  readonly ports: readonly number[] | typeof ANY_PORT;
  /** What the set holds. */
  readonly addresses: readonly string[];
  /**
   * Resolved addresses left out: internal ones (loopback, private, link-local, metadata) that the
   * policy's rebinding rule refuses to a name; a cidr rule may still allow them.
   */
  readonly refused: readonly string[];
  /** Why the name did not resolve; the set is then empty (fail closed) until a refresh fills it. */
  readonly unresolved?: string;
}

export interface RenderedNftables {
  readonly table: string;
  /** A complete `nft -f` file; it replaces the table atomically. */
  readonly ruleset: string;
  readonly sets: readonly NftablesHostSet[];
  /** Wildcard host rules: no address list can stand for them. */
  readonly unexpressible: readonly UnexpressibleRule[];
}

export interface RenderedNftablesRefresh {
  readonly table: string;
  /** `nft -f` commands that flush and refill the host sets, as one transaction. */
  readonly script: string;
  readonly sets: readonly NftablesHostSet[];
}

/** Thrown for renderer options that cannot be written into a ruleset. */
export class NftablesOptionsError extends GateError {
  constructor(message: string) {
    super('BW_EGRESS_NFTABLES_OPTIONS', 400, message);
  }
}

const DEFAULT_TABLE = 'bulwark_egress';

const WILDCARD_WHY =
  'a wildcard stands for names that cannot be listed in advance, and nftables matches ' +
  'addresses; allow it through an egress proxy, or a cidr rule that the in-process egress ' +
  'guard narrows to the name';

/**
 * The egress of one mode as an nftables ruleset: an `inet` table whose output chain drops by
 * default and accepts established traffic, loopback, IPv6 neighbour discovery, the configured
 * DNS resolvers, each cidr rule (interval sets grouped by port list) and each host rule (one
 * named set per family, filled with what the name resolves to now). DNS answers change, so
 * renderNftablesRefresh writes the commands that refill just those sets.
 *
 * This is the layer below the in-process guard: it holds for child processes and native code
 * too, on a host or inside a pod's network namespace.
 */
export async function renderNftables(
  document: PolicyDocument,
  mode: string,
  options: NftablesOptions = {},
): Promise<RenderedNftables> {
  const table = tableName(options);
  const rules = modeEgressRules(document, mode);
  const resolvers = resolverAddresses(options);
  const { hostRules, unexpressible } = splitHostRules(rules);
  const sets = await resolveHostSets(hostRules, options);
  const cidrGroups = groupCidrRules(rules);

  const lines: string[] = [
    '#!/usr/sbin/nft -f',
    `# Egress of mode ${comment(mode)}, policy ${comment(document.gate)} v${document.version}, rendered by Bulwark.`,
    '# Everything leaving this host (or network namespace) is dropped except what is accepted',
    '# below. Host-name rules are sets of the addresses their names resolved to when this was',
    '# written: refill them with the refresh script when DNS changes.',
  ];
  for (const rule of unexpressible) {
    const name = rule.ruleId === undefined ? '' : `rule ${comment(rule.ruleId)} `;
    lines.push(`# Not expressible, so dropped: ${name}${comment(rule.host)}.`);
  }
  // Creating the table first makes the delete valid when it does not exist yet; the three
  // statements are one transaction, so there is no moment without the table.
  if (unexpressible.length > 0) {
    lines.push(...wrapWords(`Why: ${WILDCARD_WHY}.`, 94).map((line) => `# ${line}`));
  }
  lines.push(`table inet ${table}`, `delete table inet ${table}`, `table inet ${table} {`);

  for (const group of cidrGroups) {
    for (const [family, cidrs] of [
      ['ipv4', group.v4],
      ['ipv6', group.v6],
    ] as const) {
      if (cidrs.length === 0) continue;
      lines.push(
        ...setDefinition(group.setName(family), family, [...new Set(cidrs)], {
          interval: true,
        }),
      );
    }
  }
  for (const set of sets) {
    lines.push(...setDefinition(set.name, set.family, set.addresses, { interval: false }));
  }

  lines.push(
    '\tchain output {',
    '\t\ttype filter hook output priority 0; policy drop;',
    '\t\tct state established,related accept',
  );
  if (options.loopback ?? true) lines.push('\t\toifname "lo" accept');
  // Without neighbour discovery no IPv6 destination is reachable at all (IPv4's ARP is not
  // filtered by an inet table).
  lines.push(
    '\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept',
  );
  for (const [match, addresses] of [
    ['ip', resolvers.v4],
    ['ip6', resolvers.v6],
  ] as const) {
    if (addresses.length === 0) continue;
    const list = `{ ${addresses.join(', ')} }`;
    lines.push(`\t\t${match} daddr ${list} udp dport 53 accept comment "DNS resolvers"`);
    lines.push(`\t\t${match} daddr ${list} tcp dport 53 accept comment "DNS resolvers"`);
  }
  for (const group of cidrGroups) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      if ((family === 'ipv4' ? group.v4 : group.v6).length === 0) continue;
      lines.push(
        `\t\t${family === 'ipv4' ? 'ip' : 'ip6'} daddr @${group.setName(family)} ${portMatch(group.ports)} accept comment "${comment(group.describe)}"`,
      );
    }
  }
  for (const set of sets) {
    const rule = `${set.ruleId === undefined ? '' : `rule ${set.ruleId} `}${set.host}`;
    lines.push(
      `\t\t${set.family === 'ipv4' ? 'ip' : 'ip6'} daddr @${set.name} ${portMatch(set.ports)} accept comment "${comment(rule)}"`,
    );
  }
  lines.push('\t}', '}', '');
  return { table, ruleset: lines.join('\n'), sets, unexpressible };
}

/**
 * The refresh: the same host rules resolved again, written as commands that flush and refill
 * just their named sets (`nft -f -`). The chain and every other set stay as they are, so a
 * rotating DNS answer is followed without reloading the table or dropping conntrack state.
 */
export async function renderNftablesRefresh(
  document: PolicyDocument,
  mode: string,
  options: NftablesOptions = {},
): Promise<RenderedNftablesRefresh> {
  const table = tableName(options);
  const { hostRules } = splitHostRules(modeEgressRules(document, mode));
  const sets = await resolveHostSets(hostRules, options);
  const lines = [
    `# Refill of the host sets of mode ${comment(mode)}, policy ${comment(document.gate)} v${document.version}:`,
    '# one nft transaction, so no packet meets a half-filled set.',
  ];
  for (const set of sets) {
    lines.push(`flush set inet ${table} ${set.name}`);
    if (set.addresses.length > 0) {
      lines.push(`add element inet ${table} ${set.name} { ${set.addresses.join(', ')} }`);
    }
  }
  lines.push('');
  return { table, script: lines.join('\n'), sets };
}

interface HostRule {
  readonly rule: EgressRule & { readonly host: string };
  readonly index: number;
}

function splitHostRules(rules: readonly EgressRule[]): {
  hostRules: HostRule[];
  unexpressible: UnexpressibleRule[];
} {
  const hostRules: HostRule[] = [];
  const unexpressible: UnexpressibleRule[] = [];
  rules.forEach((rule, index) => {
    if (rule.host === undefined) return;
    if (rule.host.includes('*')) {
      unexpressible.push({
        ...(rule.id === undefined ? {} : { ruleId: rule.id }),
        host: rule.host,
        why: WILDCARD_WHY,
      });
      return;
    }
    hostRules.push({ rule: rule as HostRule['rule'], index });
  });
  return { hostRules, unexpressible };
}

/** Resolves every host rule (concurrently) into its two named sets, in rule order. */
async function resolveHostSets(
  hostRules: readonly HostRule[],
  options: NftablesOptions,
): Promise<NftablesHostSet[]> {
  const resolve = options.resolve ?? resolveWithLookup;
  const names = new SetNames();
  const resolved = await Promise.all(
    hostRules.map(async ({ rule }) => {
      try {
        return { answer: await resolve(rule.host.toLowerCase()) };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return hostRules.flatMap(({ rule }, position) => {
    const outcome = resolved[position]!;
    const base = names.claim(`host_${sanitize(rule.host)}`);
    return (['ipv4', 'ipv6'] as const).map((family): NftablesHostSet => {
      const answer = outcome.answer
        ? family === 'ipv4'
          ? outcome.answer.v4
          : outcome.answer.v6
        : [];
      const wanted = family === 'ipv4' ? 4 : 6;
      const valid = [...new Set(answer)].filter((address) => isIP(address) === wanted).sort();
      return {
        name: `${base}_${family === 'ipv4' ? 'v4' : 'v6'}`,
        family,
        host: rule.host,
        ...(rule.id === undefined ? {} : { ruleId: rule.id }),
        ports: egressRulePorts(rule),
        addresses: valid.filter((address) => !isInternalAddress(address)),
        refused: valid.filter((address) => isInternalAddress(address)),
        ...(outcome.error === undefined ? {} : { unresolved: outcome.error }),
      };
    });
  });
}

async function resolveWithLookup(host: string): Promise<ResolvedHost> {
  const answers = await lookup(host, { all: true });
  return {
    v4: answers.filter((answer) => answer.family === 4).map((answer) => answer.address),
    v6: answers.filter((answer) => answer.family === 6).map((answer) => answer.address),
  };
}

interface CidrGroup {
  readonly ports: readonly number[] | typeof ANY_PORT;
  readonly v4: string[];
  readonly v6: string[];
  readonly describe: string;
  setName(family: 'ipv4' | 'ipv6'): string;
}

/** Cidr rules grouped by port list: one interval set per family and group, one rule each. */
function groupCidrRules(rules: readonly EgressRule[]): CidrGroup[] {
  const groups = new Map<string, CidrGroup & { described: string[] }>();
  rules.forEach((rule, index) => {
    if (rule.cidr === undefined) return;
    const ports = egressRulePorts(rule);
    const key = ports === ANY_PORT ? 'any' : `p${ports.join('_')}`;
    let group = groups.get(key);
    if (!group) {
      // Long port lists would make long names; past a few ports a digest names the group.
      const label = key.length <= 24 ? key : `g${digest(key)}`;
      const described: string[] = [];
      group = {
        ports,
        v4: [],
        v6: [],
        described,
        get describe() {
          return described.join(', ');
        },
        setName: (family) => `cidr_${family === 'ipv4' ? 'v4' : 'v6'}_${label}`,
      };
      groups.set(key, group);
    }
    const cidr = renderedCidr(rule.cidr);
    (cidr.family === 4 ? group.v4 : group.v6).push(cidr.cidr);
    group.described.push(describeRule(rule, index));
  });
  return [...groups.values()];
}

function setDefinition(
  name: string,
  family: 'ipv4' | 'ipv6',
  elements: readonly string[],
  { interval }: { interval: boolean },
): string[] {
  const lines = [`\tset ${name} {`, `\t\ttype ${family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr'}`];
  // auto-merge lets overlapping networks from different rules share one interval set.
  if (interval) lines.push('\t\tflags interval', '\t\tauto-merge');
  if (elements.length > 0) lines.push(`\t\telements = { ${elements.join(', ')} }`);
  lines.push('\t}');
  return lines;
}

function portMatch(ports: readonly number[] | typeof ANY_PORT): string {
  if (ports === ANY_PORT) return 'meta l4proto tcp';
  return ports.length === 1 ? `tcp dport ${ports[0]}` : `tcp dport { ${ports.join(', ')} }`;
}

function tableName(options: NftablesOptions): string {
  const table = options.table ?? DEFAULT_TABLE;
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(table)) {
    throw new NftablesOptionsError(
      `nftables table name ${JSON.stringify(table)} must be a letter, then letters, digits or _`,
    );
  }
  return table;
}

function resolverAddresses(options: NftablesOptions): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const resolver of options.resolvers ?? []) {
    const family = isIP(resolver);
    if (family === 0) {
      throw new NftablesOptionsError(`DNS resolver ${JSON.stringify(resolver)} is not an address`);
    }
    (family === 4 ? v4 : v6).push(resolver);
  }
  return { v4: [...new Set(v4)], v6: [...new Set(v6)] };
}

/** Set names are nft identifiers: a host becomes lower-case letters, digits and `_`. */
function sanitize(host: string): string {
  const plain = host
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return plain.length <= 40 ? plain : `${plain.slice(0, 31)}_${digest(host)}`;
}

/** Distinct names for hosts that sanitize alike (`a-b.com`, `a_b.com`) or repeat. */
class SetNames {
  readonly #taken = new Set<string>();

  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.#taken.has(name); n += 1) name = `${wanted}_${n}`;
    this.#taken.add(name);
    return name;
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Text inside an nft comment or `#` line: no quotes, backslashes or line breaks. */
function comment(text: string): string {
  return text.replace(/["\\\r\n]/g, '_').slice(0, 200);
}
