import { asArray, type JsonObject } from './json-values.js';
import {
  declaredKinds,
  intersectKinds,
  type Kind,
  NO_SCHEMA,
  schemaObject,
} from './schema-view.js';

/** What a schema lets through: a set of types, or undefined for any type. */
export type Kinds = ReadonlySet<Kind> | undefined;

const NOTHING: ReadonlySet<Kind> = new Set();

/**
 * The types a schema admits with its compositions counted: its own `type` (or enum), met with
 * every allOf part's, met with the union of its oneOf branches and of its anyOf branches, and
 * `null` when it is `nullable` (3.0). SchemaView leaves oneOf/anyOf branches to be matched one
 * by one; this is what two schemas are compared by when only one of them is a oneOf/anyOf, so
 * `string` → `oneOf: [A, B]` of objects, or a `{type: 'null'}` branch, still reads as the type
 * change it is.
 *
 * Computed once per schema object. A composition that includes itself (through `$ref`s, as in
 * `Pet: {oneOf: [Cat, Dog]}`, `Cat: {allOf: [Pet, …]}`) is cut where it comes round, read there
 * as any type; a result that depended on such a cut of an outer schema is not kept, so the value
 * of a schema does not depend on where the walk entered the cycle (the comparer does the same).
 */
export class AdmittedKinds {
  private readonly done = new WeakMap<object, { readonly kinds: Kinds }>();
  private readonly active = new Map<object, number>();
  private lowestActiveHit = Number.POSITIVE_INFINITY;

  of(schema: unknown): Kinds {
    const object = schemaObject(schema);
    if (object === NO_SCHEMA) return NOTHING;
    const cached = this.done.get(object);
    if (cached !== undefined) return cached.kinds;
    const activeDepth = this.active.get(object);
    if (activeDepth !== undefined) {
      this.lowestActiveHit = Math.min(this.lowestActiveHit, activeDepth);
      return undefined;
    }
    const depth = this.active.size;
    this.active.set(object, depth);
    const outerHit = this.lowestActiveHit;
    this.lowestActiveHit = Number.POSITIVE_INFINITY;
    let kinds: Kinds;
    try {
      kinds = this.compute(object);
    } finally {
      this.active.delete(object);
    }
    const unresolved =
      this.lowestActiveHit < depth ? this.lowestActiveHit : Number.POSITIVE_INFINITY;
    if (unresolved === Number.POSITIVE_INFINITY) this.done.set(object, { kinds });
    this.lowestActiveHit = Math.min(outerHit, unresolved);
    return kinds;
  }

  private compute(schema: JsonObject): Kinds {
    let kinds = declaredKinds(schema);
    for (const part of asArray(schema.allOf)) kinds = intersectKinds(kinds, this.of(part));
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = asArray(schema[keyword]);
      if (branches.length > 0) kinds = intersectKinds(kinds, this.union(branches));
    }
    // 3.0 `nullable: true` beside an allOf or oneOf (no `type` of its own) still admits null.
    if (schema.nullable === true && kinds !== undefined && !kinds.has('null')) {
      kinds = new Set([...kinds, 'null']);
    }
    return kinds;
  }

  private union(branches: readonly unknown[]): Kinds {
    const kinds = new Set<Kind>();
    for (const branch of branches) {
      const admitted = this.of(branch);
      if (admitted === undefined) return undefined;
      for (const kind of admitted) kinds.add(kind);
    }
    return kinds;
  }
}
