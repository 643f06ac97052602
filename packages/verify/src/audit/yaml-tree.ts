import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  visit,
} from 'yaml';
import { MAX_INPUT_BYTES, TOO_LARGE } from './input-text.js';
import type { Location } from './model.js';
import {
  aliasExpansionTooLarge,
  firstTooDeep,
  MAX_ALIAS_NODES,
  MAX_YAML_DEPTH,
  tooDeep,
  YamlLimitError,
} from './yaml-limits.js';

/**
 * YAML turned into plain JavaScript values that remember where each key came from.
 *
 * Checks judge the effective configuration (aliases and `<<` merges resolved, compose variables
 * interpolated), yet every finding must point at the exact key in the source. So the conversion
 * walks the yaml Document AST once, builds plain objects and arrays, and records for each of them,
 * in a side table, the location of the object itself and of each of its keys. A merged key keeps
 * the location of the anchor that defined it, an overridden key the location of the override.
 */
export interface NodeMeta {
  readonly at: Location;
  readonly keys: Map<string | number, Location>;
  /** For interpolated scalars: where the effective value came from (compose only). */
  readonly provenance: Map<string | number, ScalarProvenance>;
}

/** `literal`: written in the file (also a `${VAR:-default}` default); `env`: from .env; `unset`: supplied at deploy time. */
export type ScalarProvenance = 'literal' | 'env' | 'unset';

export type YamlObject = { [key: string]: unknown };

const META = new WeakMap<object, NodeMeta>();

export function metaOf(value: object): NodeMeta | undefined {
  return META.get(value);
}

export function setMeta(value: object, meta: NodeMeta): void {
  META.set(value, meta);
}

export function isObject(value: unknown): value is YamlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type PathSegment = string | number;

/**
 * The location of the deepest key of `path` that exists under `root`: the offending key when it
 * is there, its nearest present parent when it is missing.
 */
export function locate(root: unknown, path: readonly PathSegment[], fallback: Location): Location {
  let current: unknown = root;
  let found = (typeof root === 'object' && root !== null && META.get(root)?.at) || fallback;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) break;
    const meta = META.get(current);
    const next = (current as Record<string | number, unknown>)[segment];
    if (next === undefined) break;
    found = meta?.keys.get(segment) ?? found;
    current = next;
  }
  return found;
}

/** Where the effective scalar at `container[key]` came from. */
export function provenanceOf(container: object, key: string | number): ScalarProvenance {
  return META.get(container)?.provenance.get(key) ?? 'literal';
}

export interface ParsedYamlDocument {
  /** The document converted to plain values; undefined for an empty document. */
  readonly value: unknown;
  readonly errors: ReadonlyArray<{ message: string; location: Location }>;
  /** Line range of the document, 1-based, inclusive. */
  readonly startLine: number;
  readonly endLine: number;
}

export interface ConvertOptions {
  /** Rewrites string scalars (compose interpolation); returns the value and where it came from. */
  readonly interpolate?: (raw: string) => { value: string; provenance: ScalarProvenance };
}

/**
 * Parses every document of a YAML stream into located plain values; never throws on bad input.
 * A document over the limits in yaml-limits.ts comes back with one error saying which limit.
 */
export function parseYamlStream(
  text: string,
  file: string,
  options: ConvertOptions = {},
): ParsedYamlDocument[] {
  if (text.length > MAX_INPUT_BYTES) {
    return [
      {
        value: undefined,
        errors: [{ message: TOO_LARGE, location: { file, line: 1, column: 1 } }],
        startLine: 1,
        endLine: 1,
      },
    ];
  }
  const lineCounter = new LineCounter();
  const position = (offset: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  // parseAllDocuments, taken apart so that each document's CST is measured before the composer,
  // which recurses, sees it. An over-deep document is composed empty and reported.
  const tooDeepAt = new Map<number, number>();
  let docs: Document.Parsed[];
  try {
    const tokens = withinDepth(new Parser(lineCounter.addNewLine).parse(text), tooDeepAt);
    docs = Array.from(new Composer({ merge: true }).compose(tokens));
  } catch (error) {
    // Not expected after the depth check; kept so that bad input can never crash the audit.
    const message =
      error instanceof RangeError
        ? tooDeep(0).message
        : error instanceof Error
          ? error.message
          : String(error);
    return [
      { value: undefined, errors: [{ message, location: position(0) }], startLine: 1, endLine: 1 },
    ];
  }
  return docs.map((doc) => {
    const deepAt = tooDeepAt.get(doc.range[0]);
    if (deepAt === undefined) return convertDocument(doc, position, options, text.length);
    const line = position(doc.range[0]).line;
    return {
      value: undefined,
      errors: [{ message: tooDeep(deepAt).message, location: position(deepAt) }],
      startLine: line,
      endLine: position(Math.max(doc.range[0], doc.range[2] - 1)).line,
    };
  });
}

/** Passes the parser's tokens on, emptying each document nested too deeply (keyed by its offset). */
function* withinDepth(
  tokens: Iterable<CST.Token>,
  tooDeepAt: Map<number, number>,
): Generator<CST.Token> {
  for (const token of tokens) {
    const at = token.type === 'document' && token.value ? firstTooDeep(token.value) : undefined;
    if (token.type === 'document' && at !== undefined) {
      tooDeepAt.set(token.offset, at);
      yield { ...token, value: undefined };
    } else {
      yield token;
    }
  }
}

function convertDocument(
  doc: Document.Parsed,
  position: (offset: number) => Location,
  options: ConvertOptions,
  textLength: number,
): ParsedYamlDocument {
  const [start = 0, , end = textLength] = doc.range;
  const startLine = position(start).line;
  const endLine = position(Math.max(start, end - 1)).line;
  const errors = doc.errors.map((error) => ({
    message: error.message.split('\n')[0] ?? error.message,
    location: position(error.pos[0]),
  }));
  if (errors.length > 0) return { value: undefined, errors, startLine, endLine };
  try {
    const converter = new Converter(doc, position, options);
    return { value: converter.convert(doc.contents), errors: [], startLine, endLine };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = error instanceof YamlLimitError ? error.offset : start;
    return {
      value: undefined,
      errors: [{ message, location: position(at) }],
      startLine,
      endLine,
    };
  }
}

/** What one anchored node expands to: its node count and its height in levels. */
interface Expansion {
  readonly nodes: number;
  readonly height: number;
}

class Converter {
  /** Each alias's anchored node, found in one pass (yaml's Alias.resolve walks the whole document per call). */
  private readonly targets = new Map<Alias, Node>();
  private readonly aliased = new Map<Node, unknown>();
  private readonly expansions = new Map<Node, Expansion>();
  /** The aliases being expanded, outermost first; a limit crossed inside is reported at the outermost. */
  private readonly expanding: Alias[] = [];
  /** Anchored nodes being converted for an alias: meeting one again is a cycle. */
  private readonly resolving = new Set<Node>();
  private depth = 0;
  private deepest = 0;
  private nodes = 0;
  private aliasNodes = 0;

  constructor(
    doc: Document.Parsed,
    private readonly position: (offset: number) => Location,
    private readonly options: ConvertOptions,
  ) {
    // An alias names the last node with that anchor before it, in document order.
    const anchors = new Map<string, Node>();
    visit(doc, (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) this.targets.set(node, target);
      } else if (isNode(node) && node.anchor) {
        anchors.set(node.anchor, node);
      }
    });
  }

  convert(node: unknown): unknown {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return this.resolveAlias(node);
    if (!isNode(node)) return undefined;
    this.count(1);
    if (isScalar(node)) return node.value;
    if (!isMap(node) && !isSeq(node)) return undefined;
    this.depth++;
    if (this.depth > MAX_YAML_DEPTH) throw tooDeep(this.offsetOf(node), this.expanding.length > 0);
    this.deepest = Math.max(this.deepest, this.depth);
    const value = isMap(node) ? this.convertMap(node) : this.convertSeq(node);
    this.depth--;
    return value;
  }

  /** Counts converted nodes; those inside an alias's expansion count against MAX_ALIAS_NODES. */
  private count(nodes: number): void {
    this.nodes += nodes;
    const outermost = this.expanding[0];
    if (!outermost) return;
    this.aliasNodes += nodes;
    if (this.aliasNodes > MAX_ALIAS_NODES) throw aliasExpansionTooLarge(this.offsetOf(outermost));
  }

  private offsetOf(node: Node): number {
    return node.range?.[0] ?? 0;
  }

  /**
   * An alias converts its anchored node once; every later use shares that value and is charged
   * the expansion's size and height, so a document that expands exponentially is stopped after
   * MAX_ALIAS_NODES nodes of work rather than after billions.
   */
  private resolveAlias(node: Alias): unknown {
    const target = this.targets.get(node);
    if (!target) throw new Error(`unresolved alias *${node.source}`);
    if (this.resolving.has(target)) throw new Error(`recursive alias *${node.source}`);
    this.expanding.push(node);
    const known = this.expansions.get(target);
    if (known) {
      this.count(known.nodes);
      if (this.depth + known.height > MAX_YAML_DEPTH) throw tooDeep(this.offsetOf(node), true);
      this.deepest = Math.max(this.deepest, this.depth + known.height);
      this.expanding.pop();
      return this.aliased.get(target);
    }
    const nodesBefore = this.nodes;
    const deepestBefore = this.deepest;
    this.deepest = this.depth;
    this.resolving.add(target);
    const value = this.convert(target);
    this.resolving.delete(target);
    this.expanding.pop();
    this.expansions.set(target, {
      nodes: this.nodes - nodesBefore,
      height: this.deepest - this.depth,
    });
    this.deepest = Math.max(deepestBefore, this.deepest);
    this.aliased.set(target, value);
    return value;
  }

  private at(node: { range?: [number, number, number] | null } | null | undefined): Location {
    return this.position(node?.range?.[0] ?? 0);
  }

  private convertMap(node: import('yaml').YAMLMap): YamlObject {
    const out: YamlObject = {};
    const meta: NodeMeta = { at: this.at(node), keys: new Map(), provenance: new Map() };
    const merged: YamlObject[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      // With `merge: true` the yaml library marks a plain `<<` key with a symbol value.
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const source of sources) {
          const value = this.convert(source);
          if (isObject(value)) merged.push(value);
        }
        continue;
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : String(this.convert(keyNode));
      this.assign(out, meta, key, pair.value as Node | null, this.at(keyNode));
    }
    // Merged keys never override explicit ones; earlier merge sources win over later ones.
    for (const source of merged) {
      const sourceMeta = META.get(source);
      for (const [key, value] of Object.entries(source)) {
        if (key in out) continue;
        out[key] = value;
        const keyAt = sourceMeta?.keys.get(key);
        if (keyAt) meta.keys.set(key, keyAt);
        const provenance = sourceMeta?.provenance.get(key);
        if (provenance) meta.provenance.set(key, provenance);
      }
    }
    META.set(out, meta);
    return out;
  }

  private convertSeq(node: import('yaml').YAMLSeq): unknown[] {
    const out: unknown[] = [];
    const meta: NodeMeta = { at: this.at(node), keys: new Map(), provenance: new Map() };
    node.items.forEach((item, index) => {
      this.assign(
        out as unknown as YamlObject,
        meta,
        index,
        item as Node | null,
        this.at(item as Node),
      );
    });
    META.set(out, meta);
    return out;
  }

  private assign(
    out: Record<string | number, unknown>,
    meta: NodeMeta,
    key: string | number,
    valueNode: Node | null,
    keyAt: Location,
  ): void {
    let value = this.convert(valueNode);
    if (typeof value === 'string' && this.options.interpolate && isScalar(valueNode)) {
      const result = this.options.interpolate(value);
      value = result.value;
      if (result.provenance !== 'literal') meta.provenance.set(key, result.provenance);
    }
    out[key] = value;
    meta.keys.set(key, keyAt);
  }
}
