const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, decided from the raw text
 * before anything parses it.
 *
 * Written by hand because nothing on the request path bounds depth: JSON.parse and
 * secure-json-parse accept any nesting, and what runs later (JSON.stringify when a payload is
 * stored or hashed, a recursive schema, a handler's own walk) recurses once per level and
 * overflows the stack past some thousands of levels, answering a valid body with "Maximum call
 * stack size exceeded". Counting brackets outside strings is linear, allocates nothing and cannot
 * recurse. The text need not be valid JSON: invalid text is the parser's to reject.
 *
 * It runs on every JSON body, so it is kept cheap (a fraction of JSON.parse's time): a body with
 * no more opening brackets than the limit cannot exceed it, which native indexOf settles for
 * most bodies; only the others are walked, skipping strings with indexOf as well.
 */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth || fewOpenings(text, maxDepth)) return false;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** At most `max` opening brackets in the whole text (inside strings or not). */
function fewOpenings(text: string, max: number): boolean {
  let openings = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++openings > max) return false;
    }
  }
  return true;
}

/** The index of the quote that closes the string opened at `open`, or -1 if none does. */
function closingQuote(text: string, open: number): number {
  let i = open;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}
