import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import type { Location } from './model.js';

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

/** Parses every document of a YAML stream into located plain values; never throws on bad input. */
export function parseYamlStream(
  text: string,
  file: string,
  options: ConvertOptions = {},
): ParsedYamlDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: true });
  const position = (offset: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (!Array.isArray(docs)) {
    // An empty stream comes back as an EmptyStream object.
    return [];
  }
  return docs.map((doc) => convertDocument(doc, position, options, text.length));
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
    // prettyErrors appends the position and a source excerpt; the location carries the position.
    message: (error.message.split('\n')[0] ?? error.message).replace(
      / at line \d+, column \d+:?$/,
      '',
    ),
    location: position(error.pos[0]),
  }));
  if (errors.length > 0) return { value: undefined, errors, startLine, endLine };
  try {
    const converter = new Converter(doc, position, options);
    return { value: converter.convert(doc.contents), errors: [], startLine, endLine };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      value: undefined,
      errors: [{ message, location: position(start) }],
      startLine,
      endLine,
    };
  }
}

class Converter {
  private readonly aliased = new Map<Node, unknown>();
  private readonly resolving = new Set<Node>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly position: (offset: number) => Location,
    private readonly options: ConvertOptions,
  ) {}

  convert(node: unknown): unknown {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return this.resolveAlias(node);
    if (isScalar(node)) return node.value;
    if (isMap(node)) return this.convertMap(node);
    if (isSeq(node)) return this.convertSeq(node);
    return undefined;
  }

  private resolveAlias(node: Node & { resolve(doc: Document): Node | undefined }): unknown {
    const target = node.resolve(this.doc);
    if (!target) throw new Error(`unresolved alias ${String(node)}`);
    if (this.resolving.has(target)) throw new Error('recursive alias');
    const cached = this.aliased.get(target);
    if (cached !== undefined) return cached;
    this.resolving.add(target);
    const value = this.convert(target);
    this.resolving.delete(target);
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
