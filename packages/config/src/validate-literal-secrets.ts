import { parseSecretReference } from '@bulwark/kit';
import type { ConfigSchemaEntry } from './schemas.js';
import { ANY_SEGMENT, isPlainObject, pointerOf, pointerSegments } from './schemas-pointer.js';

/**
 * Secrets are referenced in config (`${secret:name}`), never written there: a document that
 * holds one is refused before it is stored, published or applied. Two checks, in one walk in
 * document order: an `x-secret` key must hold a reference, and no string anywhere may be an
 * obvious credential. Findings name the path and the kind of credential, never the value.
 */

/** Strings that are credentials whatever key holds them. Shapes only: no value is compared. */
const CREDENTIAL_SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:[^\s/@]+@/i, 'a URL with a password'],
  [/\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/, 'an AWS access key id'],
  [/\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/, 'a GitHub token'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/, 'a JSON Web Token'],
];

const REFERENCE_PREFIX = `\${secret:`;

/** What is wrong where: CONFIG_LITERAL_SECRET, or CONFIG_INVALID for a malformed reference. */
export interface SecretFinding {
  readonly code: 'CONFIG_LITERAL_SECRET' | 'CONFIG_INVALID';
  /** A JSON pointer into the document. */
  readonly path: string;
  /** What is there, without the value: `must be a secret reference …`. */
  readonly problem: string;
}

/** The first literal secret (or malformed reference) in the document, in document order. */
export function findLiteralSecret(
  entry: Pick<ConfigSchemaEntry, 'secretKeys'>,
  document: unknown,
): SecretFinding | undefined {
  const secretPatterns = entry.secretKeys.map(pointerSegments);
  const walk = (value: unknown, path: string[]): SecretFinding | undefined => {
    if (secretPatterns.some((pattern) => matches(pattern, path))) {
      const finding = secretKeyFinding(value, pointerOf(path));
      if (finding !== undefined) return finding;
    }
    if (typeof value === 'string') return stringFinding(value, pointerOf(path));
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const finding = walk(item, [...path, String(index)]);
        if (finding !== undefined) return finding;
      }
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        const finding = walk(item, [...path, key]);
        if (finding !== undefined) return finding;
      }
    }
    return undefined;
  };
  return walk(document, []);
}

/** An `x-secret` key: a reference passes; text, numbers and booleans are literals. */
function secretKeyFinding(value: unknown, path: string): SecretFinding | undefined {
  if (typeof value === 'string' && parseSecretReference(value) !== undefined) return undefined;
  if (typeof value === 'string' && value.startsWith(REFERENCE_PREFIX)) {
    return malformedReference(path);
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return {
      code: 'CONFIG_LITERAL_SECRET',
      path,
      problem: `holds a literal value: a secret key takes a reference like \${secret:name}`,
    };
  }
  // null, objects and arrays are not secrets; the schema refuses their type.
  return undefined;
}

function stringFinding(value: string, path: string): SecretFinding | undefined {
  if (value.startsWith(REFERENCE_PREFIX) && parseSecretReference(value) === undefined) {
    return malformedReference(path);
  }
  for (const [shape, what] of CREDENTIAL_SHAPES) {
    if (shape.test(value)) {
      return {
        code: 'CONFIG_LITERAL_SECRET',
        path,
        problem: `holds what looks like ${what}: put it in a secret and reference it as \${secret:name}`,
      };
    }
  }
  return undefined;
}

function malformedReference(path: string): SecretFinding {
  return {
    code: 'CONFIG_INVALID',
    path,
    problem:
      `is not a valid secret reference: expected \${secret:name} or \${secret:name#field} ` +
      '(segments of letters, digits, ".", "_" and "-" separated by "/")',
  };
}

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  return (
    pattern.length === path.length &&
    pattern.every((segment, index) => segment === ANY_SEGMENT || segment === path[index])
  );
}
