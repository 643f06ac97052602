/**
 * The policy's shapes as the rest of the gate sees them. policy/schema.ts holds the TypeBox
 * schema a bundle is validated against (published as schemas/bulwark.policy.schema.json); its
 * Static type must stay assignable to PolicyDocument (a type test holds the two together).
 */

export const POLICY_FORMAT = 'bulwark.policy/v1';

/** What a rule does when it matches. Deny overrides approval, approval overrides allow. */
export type RuleEffect = 'allow' | 'deny' | 'approval';

/** A string matcher: an exact value, or a trailing `*` for a prefix (`svc:*`, `https://api.x/*`). */
export type Pattern = string;

/** A condition on one tool argument; every field present must hold. */
export interface ArgCondition {
  readonly equals?: string | number | boolean;
  readonly in?: readonly (string | number)[];
  readonly prefix?: string;
  readonly min?: number;
  readonly max?: number;
}

export interface RuleConditions {
  /** The subject must match one of these. */
  readonly subject?: readonly Pattern[];
  /** The resource must match one of these (a rule with this field never matches no resource). */
  readonly resource?: readonly Pattern[];
  /** Each named argument must be present and meet its condition. */
  readonly args?: Readonly<Record<string, ArgCondition>>;
}

export interface PolicyRule {
  /** Unique within the mode; decisions name the rule that decided them. */
  readonly id: string;
  /** A tool name, or `*`. */
  readonly tool: string;
  /** An action name, or `*`. */
  readonly action: string;
  readonly effect: RuleEffect;
  readonly when?: RuleConditions;
  /** Shown to the caller with the decision. */
  readonly reason?: string;
}

export type EgressScheme = 'http' | 'https' | 'tcp' | 'tls';

/** One allowed destination; exactly one of host and cidr. */
export interface EgressRule {
  readonly id?: string;
  /** A host name, exact (`api.openai.com`) or one label wildcard (`*.example.com`). */
  readonly host?: string;
  /** An IPv4 or IPv6 network, `10.0.0.0/8`, `2001:db8::/32`, or one address. */
  readonly cidr?: string;
  /** Allowed ports; default: 443 for https/tls, 80 for http, any for tcp when schemes is absent. */
  readonly ports?: readonly number[];
  /** Allowed schemes; default any. */
  readonly schemes?: readonly EgressScheme[];
}

export interface ModePolicy {
  readonly description?: string;
  readonly rules: readonly PolicyRule[];
  readonly egress: readonly EgressRule[];
}

/** The policy document, after schema validation. */
export interface PolicyDocument {
  readonly format: typeof POLICY_FORMAT;
  /** The gate this policy is for: a bundle for another gate is refused (mix-and-match). */
  readonly gate: string;
  /** Increases with every published bundle; an installed bundle is only replaced by a higher one. */
  readonly version: number;
  /** ISO 8601; a bundle past it is refused, and an installed one past it denies everything. */
  readonly expiresAt: string;
  /** The mode a gate starts in before any transition. Must be a key of modes. */
  readonly defaultMode: string;
  /** At least PUB and WORK; mode names are upper-case identifiers. */
  readonly modes: Readonly<Record<string, ModePolicy>>;
}

/** What a caller asks the gate. */
export interface DecisionInput {
  readonly tool: string;
  readonly action: string;
  readonly subject: string;
  readonly resource?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** The outcome of evaluating one input under one mode: pure, no I/O. */
export interface Verdict {
  readonly effect: RuleEffect;
  /** `allow` only when effect is allow. */
  readonly allow: boolean;
  /** The rule that decided, absent for the default deny. */
  readonly ruleId?: string;
  readonly reason: string;
}

/** A destination the egress guard or a renderer asks about. */
export interface EgressDestination {
  /** Absent when judged at the socket (no protocol yet): any scheme a rule allows matches. */
  readonly scheme?: EgressScheme;
  /** The host name as asked for (absent when the caller connected to an address). */
  readonly host?: string;
  /** The address actually connected to, after DNS resolution. */
  readonly address?: string;
  readonly port: number;
}

export interface EgressVerdict {
  readonly allow: boolean;
  readonly ruleId?: string;
  readonly reason: string;
}

/**
 * A policy compiled into indexed lookup tables at load time. Evaluation is pure and does no
 * I/O; it allocates nothing on the hot path beyond the returned verdict (cached per rule).
 */
export interface CompiledPolicy {
  readonly document: PolicyDocument;
  /** SHA-256 (hex) of the canonical JSON of the document: the same policy has the same digest. */
  readonly digest: string;
  readonly modes: readonly string[];
  hasMode(mode: string): boolean;
  evaluate(mode: string, input: DecisionInput): Verdict;
  /**
   * Whether the mode allows this destination. A host name rule allows the name; the address it
   * resolved to must still not be a loopback, private, link-local or metadata address unless a
   * cidr rule allows that address too (so a name rebound to 169.254.169.254 is refused).
   */
  egress(mode: string, destination: EgressDestination): EgressVerdict;
}
