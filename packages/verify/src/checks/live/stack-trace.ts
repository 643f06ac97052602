/**
 * Finds a stack trace, or the fragments one leaves, in a response body. Written here because
 * it is a handful of patterns over text, not a parser: what matters is that each pattern is a
 * shape no deliberate error message has.
 */
const PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  // V8: "    at fn (/srv/app.js:10:5)", "    at /srv/app.js:10:5", "    at node:internal/...".
  {
    what: 'a V8 stack frame',
    pattern:
      /^\s*at\s+(?:async\s+)?(?:\S[^\n]*?\s\()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s)]*:\d+(?::\d+)?\)?\s*$/m,
  },
  { what: 'a V8 stack frame', pattern: /^\s*at\s+[\w$.<>[\] ]+\s\(native\)\s*$/m },
  // The head of a V8 stack: "TypeError: ... \n    at ".
  { what: 'an error followed by a stack', pattern: /\b\w*(?:Error|Exception)\b[^\n]*\n\s+at\s/ },
  { what: 'a node_modules path', pattern: /\bnode_modules[\\/]/ },
  { what: 'a source file position', pattern: /(?:\/|\\)[\w.-]+\.(?:[cm]?[jt]sx?):\d+:\d+\b/ },
  { what: 'a Python traceback', pattern: /Traceback \(most recent call last\)/ },
  { what: 'a JVM stack frame', pattern: /^\s*at\s+[\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)/m },
];

/** JSON members that carry a stack whatever their text looks like. */
const STACK_KEYS: ReadonlySet<string> = new Set([
  'stack',
  'stacktrace',
  'stack_trace',
  'backtrace',
]);

export interface StackTraceFinding {
  readonly what: string;
  /** The matching text, on one line, cut short. */
  readonly excerpt: string;
}

/**
 * The first stack-trace fragment in `body`, or undefined. A JSON body is also searched string by
 * string after decoding, since "\n    at ..." inside a JSON string is escaped in the raw text.
 */
export function findStackTrace(body: string): StackTraceFinding | undefined {
  const texts = [body];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    const keyed = stackMember(parsed, 0);
    if (keyed) return keyed;
    collectStrings(parsed, texts, 0);
  }
  for (const text of texts) {
    for (const { what, pattern } of PATTERNS) {
      const match = pattern.exec(text);
      if (match) return { what, excerpt: excerpt(match[0]) };
    }
  }
  return undefined;
}

const MAX_DEPTH = 32;

function stackMember(value: unknown, depth: number): StackTraceFinding | undefined {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return undefined;
  for (const [key, member] of Object.entries(value)) {
    if (STACK_KEYS.has(key.toLowerCase()) && hasContent(member)) {
      return { what: `a "${key}" member`, excerpt: excerpt(JSON.stringify(member)) };
    }
    const inner = stackMember(member, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

function hasContent(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null;
}

function collectStrings(value: unknown, into: string[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) collectStrings(member, into, depth + 1);
  }
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 100)}…` : line;
}
