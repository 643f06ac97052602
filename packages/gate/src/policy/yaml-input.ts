import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
} from 'yaml';
import { PolicyError } from '../errors.js';
import type { PolicyPathSegment } from './semantics.js';

/**
 * A policy file's text turned into a plain value, within bounds, remembering where things are
 * written so errors can name the line. JSON is YAML, so one reader takes both.
 *
 * The bounds: a policy is signed and reviewed, so anything past them is broken or hostile and
 * is refused before it can cost memory, stack or time.
 */

/** Large enough for 100,000 rules of a hundred bytes; a real policy is kilobytes. */
export const MAX_POLICY_MIB = 8;
export const MAX_POLICY_BYTES = MAX_POLICY_MIB * 1_048_576;

/**
 * Levels of nested mappings and sequences. A valid policy nests 8 deep; the limit sits far
 * below where the yaml composer's recursion would exhaust the stack (several hundred).
 */
export const MAX_POLICY_DEPTH = 64;

/**
 * The yaml library's alias guard (`maxAliasCount`): alias uses, weighted by the aliases nested
 * in what they name, so a "billion laughs" document fails at once while a few anchors shared
 * between rules are fine.
 */
export const MAX_POLICY_ALIASES = 100;

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface PolicyYaml {
  readonly value: unknown;
  /** Where the deepest present key of `path` is written (its parent's place when missing). */
  locate(path: readonly PolicyPathSegment[]): Position;
}

/** Reads one YAML (or JSON) document; throws PolicyError naming the place of what is wrong. */
export function readPolicyYaml(input: string | Uint8Array, source: string): PolicyYaml {
  const text = decode(input, source);
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const fail = (offset: number, message: string): never => {
    const { line, column } = position(offset);
    throw new PolicyError(`${source}:${line}:${column}: ${message}`);
  };

  // The parser builds the CST without recursion; it is measured before the composer, which
  // recurses, sees it.
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  for (const token of tokens) {
    const deep = token.type === 'document' && token.value ? firstTooDeep(token.value) : undefined;
    if (deep !== undefined) {
      fail(
        deep,
        `nested too deeply: more than ${MAX_POLICY_DEPTH} levels of mappings and sequences`,
      );
    }
  }
  const documents = Array.from(new Composer({ uniqueKeys: true }).compose(tokens));
  if (documents.length > 1) {
    fail(documents[1]?.range[0] ?? 0, 'a policy is one YAML document; this file holds several');
  }
  const document = documents[0];
  const error = document?.errors[0];
  if (error) fail(error.pos[0], error.message.split('\n')[0] ?? error.message);
  if (!document || document.contents === null) fail(0, 'the policy is empty');
  const doc = document as Document.Parsed;

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_POLICY_ALIASES });
  } catch (cause) {
    if (cause instanceof ReferenceError) {
      fail(
        0,
        `YAML aliases expand past the limit of ${MAX_POLICY_ALIASES} (an exponential "billion laughs" expansion?)`,
      );
    }
    // Aliases nested inside aliases can rebuild a deep value the CST check could not see.
    if (cause instanceof RangeError) fail(0, 'nested too deeply once aliases are expanded');
    throw cause;
  }
  return { value, locate: (path) => position(offsetOf(doc, path)) };
}

function decode(input: string | Uint8Array, source: string): string {
  const tooLarge = () =>
    new PolicyError(`${source}: larger than the policy input limit of ${MAX_POLICY_MIB} MiB`);
  if (typeof input === 'string') {
    // UTF-16 length bounds the UTF-8 length from below: measure bytes only near the limit.
    if (input.length > MAX_POLICY_BYTES || Buffer.byteLength(input) > MAX_POLICY_BYTES)
      throw tooLarge();
    const nul = input.indexOf('\0');
    if (nul >= 0)
      throw new PolicyError(`${source}: not a text file (a NUL character at offset ${nul})`);
    return input;
  }
  if (input.byteLength > MAX_POLICY_BYTES) throw tooLarge();
  const nul = input.indexOf(0);
  if (nul >= 0) throw new PolicyError(`${source}: not a text file (a NUL byte at offset ${nul})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new PolicyError(`${source}: not UTF-8 text`);
  }
}

/** The offset of the first collection nested deeper than MAX_POLICY_DEPTH, walked without recursion. */
function firstTooDeep(root: CST.Token): number | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = [{ token: root, depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (!('items' in token)) continue;
    if (depth > MAX_POLICY_DEPTH) return token.offset;
    for (const item of token.items as ReadonlyArray<{ key?: CST.Token; value?: CST.Token }>) {
      if (item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Where `path` is written: the key of the deepest mapping entry present, or the item's start. */
function offsetOf(doc: Document.Parsed, path: readonly PolicyPathSegment[]): number {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
