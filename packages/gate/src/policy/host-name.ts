import { isIP } from 'node:net';

/**
 * Host names in egress rules and in the destinations checked against them. A rule's host is
 * written lower case, exact (`api.openai.com`) or with one wildcard label in front
 * (`*.example.com`, which matches `a.example.com` but neither `example.com` nor
 * `a.b.example.com`). Destinations compare case-insensitively and without a trailing dot, as DNS
 * does.
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;

/**
 * Why a rule's host pattern is not valid, or undefined when it is. The schema has already held
 * it to lower-case letters, digits, dots and dashes after an optional `*.`.
 */
export function hostPatternProblem(pattern: string): string | undefined {
  const wildcard = pattern.startsWith('*.');
  const name = wildcard ? pattern.slice(2) : pattern;
  if (isIP(name) !== 0) return 'is an address: write it as a cidr rule';
  if (name.length === 0 || name.length > 253) return 'must be a host name of 1 to 253 characters';
  const labels = name.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return label === ''
        ? 'has an empty label (a leading, trailing or doubled dot)'
        : `has an invalid label ${JSON.stringify(label)} (letters, digits and inner dashes, at most 63)`;
    }
  }
  // A numeric last label makes URL parsers read the name as an IPv4 address (WHATWG URL).
  if (ALL_DIGITS.test(labels[labels.length - 1] as string)) {
    return 'ends in a numeric label, which URL parsers read as an address';
  }
  // `*.com` would allow a whole top-level domain.
  if (wildcard && labels.length < 2) return 'wildcards a top-level domain (*.com)';
  return undefined;
}

/** A destination host as rules compare it: lower case, without a trailing dot or brackets. */
export function normalizeHostName(host: string): string {
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name;
}

/**
 * The suffix a one-label wildcard rule is indexed by for this host: `a.example.com` →
 * `example.com`; undefined for a single-label name.
 */
export function wildcardSuffix(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot + 1) : undefined;
}
