import { scrubKnownSecretValues } from '../secrets/known-secret-values.js';

/**
 * The safety net under every log line. pino's own `redact` matches exact, case-sensitive paths,
 * so `Authorization` at an unexpected depth, or a token inside an error message, would get
 * through; this walks the object once, matching key names case-insensitively at any depth and
 * scrubbing secret-shaped substrings out of every string (messages, URLs, stacks).
 */
export const REDACTED = '[REDACTED]';

const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'xauthtoken',
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'privatekey',
  'passphrase',
  'credentials',
  'sessionid',
  'pin',
]);

const SENSITIVE_SUFFIXES = ['password', 'secret', 'token', 'apikey', 'privatekey', 'passphrase'];

// Log keys come from a small vocabulary, so verdicts are memoized; the bound keeps a stream of
// attacker-chosen keys (say, echoed JSON) from growing the map without limit.
const verdicts = new Map<string, boolean>();
const MAX_MEMOIZED_KEYS = 4_096;

export function isSensitiveKey(key: string): boolean {
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const normalized = key.toLowerCase().replace(/[-_.\s]/g, '');
  const sensitive =
    SENSITIVE_KEYS.has(normalized) ||
    SENSITIVE_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
  if (verdicts.size < MAX_MEMOIZED_KEYS) verdicts.set(key, sensitive);
  return sensitive;
}

const STRING_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // PEM private keys of any kind (RSA, EC, OPENSSH, ENCRYPTED, plain PKCS#8).
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    '[REDACTED PRIVATE KEY]',
  ],
  // Credentials in URLs: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]+@/gi, `$1:${REDACTED}@`],
  // HTTP auth schemes followed by their token.
  [/\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // key=value pairs in query strings, form bodies and prose.
  [
    /\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|client[_-]?secret|password|passwd|pwd|signature|sig)=)[^&\s"',;]+/gi,
    `$1${REDACTED}`,
  ],
  // "password": "..." inside serialized JSON.
  [
    /("(?:[a-z_-]*password|[a-z_-]*secret|[a-z_-]*token|api[_-]?key|authorization|cookie)"\s*:\s*")(?:[^"\\]|\\.)*"/gi,
    `$1${REDACTED}"`,
  ],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

// Cheap pre-check: strings without any of these cannot match a rule, so most log strings skip
// the regex pass entirely.
const MAYBE_SECRET =
  /PRIVATE KEY|:\/\/|bearer|basic|digest|token|key|secret|pass|pwd|sig|eyJ|authorization|cookie/i;

export function scrubString(value: string): string {
  // Values the secret stores handed out, by exact match: no pattern recognizes an opaque one.
  const known = scrubKnownSecretValues(value, REDACTED);
  if (!MAYBE_SECRET.test(known)) return known;
  let out = known;
  for (const [pattern, replacement] of STRING_RULES) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 12;

/**
 * Returns the value with sensitive keys masked and secret-shaped substrings scrubbed. Copy on
 * write: a value with nothing to redact (the common case, e.g. every access-log line) is
 * returned as is, so the safety net costs one scan and no allocation.
 */
export function redact(value: unknown): unknown {
  return walk(value, 0, new Seen());
}

/**
 * The objects on the walk so far, for cycle detection. Allocated on the first nested object:
 * most log objects are flat, and a WeakSet per line costs more than the walk itself.
 */
class Seen {
  #set: WeakSet<object> | undefined;
  #first: object | undefined;

  /** Records `value`; false when it was already seen (a cycle or a shared reference). */
  add(value: object): boolean {
    if (this.#first === undefined) {
      this.#first = value;
      return true;
    }
    if (value === this.#first) return false;
    this.#set ??= new WeakSet();
    if (this.#set.has(value)) return false;
    this.#set.add(value);
    return true;
  }
}

function walk(value: unknown, depth: number, seen: Seen): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (!seen.add(value)) return '[Circular]';
  if (value instanceof Error) return walkError(value, depth, seen);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name}]`;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = walk(item, depth + 1, seen);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const next = isSensitiveKey(key) ? REDACTED : walk(item, depth + 1, seen);
    if (next !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

function walkError(error: Error, depth: number, seen: Seen): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: scrubString(error.message),
    stack: error.stack === undefined ? undefined : scrubString(error.stack),
  };
  for (const [key, item] of Object.entries(error)) {
    out[key] = isSensitiveKey(key) ? REDACTED : walk(item, depth + 1, seen);
  }
  if (error.cause !== undefined) out.cause = walk(error.cause, depth + 1, seen);
  return out;
}
