import type { ObjectIds } from './object-ids.js';

/**
 * Deep equality of parts of the two dereferenced documents: the fast path of the diff. Most of
 * two versions of a document is identical, and proving that directly is much cheaper than
 * comparing it keyword by keyword: an unchanged path item is skipped whole, and so is an
 * unchanged schema.
 *
 * The documents are graphs: a component is one object wherever it is referenced, and may be
 * circular. So results are remembered per object pair from a given depth on, and a pair met
 * again while it is being compared is assumed equal (equality of the unfolded trees). An
 * inequality never rests on such an assumption and is remembered at once; the equalities found
 * on the way are remembered only when the outermost comparison holds.
 */
export class JsonEquality {
  private readonly known = new Map<number, boolean>();
  private readonly active = new Set<number>();
  private visited: number[] = [];
  private depth = 0;
  private rememberFrom = 1;

  constructor(private readonly ids: ObjectIds) {}

  /**
   * `rememberFrom`: the depth from which pairs are remembered. A path item's first levels
   * (operations, parameter lists, responses) are never shared: walking them again is cheaper
   * than remembering them. A schema's children are asked about again when it differs.
   */
  equal(a: unknown, b: unknown, rememberFrom = 1): boolean {
    this.visited = [];
    this.depth = 0;
    this.rememberFrom = rememberFrom;
    const result = this.values(a, b);
    if (result) for (const key of this.visited) this.known.set(key, true);
    return result;
  }

  private values(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (!isObject(a) || !isObject(b)) return false;
    if (this.depth < this.rememberFrom) {
      this.depth++;
      const result = this.objects(a, b);
      this.depth--;
      return result;
    }
    const key = this.ids.pair(a, b);
    const known = this.known.get(key);
    if (known !== undefined) return known;
    if (this.active.has(key)) return true;
    this.active.add(key);
    this.depth++;
    const result = this.objects(a, b);
    this.depth--;
    this.active.delete(key);
    if (result) this.visited.push(key);
    else this.known.set(key, false);
    return result;
  }

  private objects(a: object, b: object): boolean {
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!this.values(a[i], b[i])) return false;
      return true;
    }
    if (Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    // Scalars first: most differences are there, and they are found without descending.
    for (const key of keys) {
      const value = left[key];
      if (!isObject(value) && (value !== right[key] || !Object.hasOwn(right, key))) return false;
    }
    for (const key of keys) {
      const value = left[key];
      if (isObject(value) && !this.values(value, right[key])) return false;
    }
    return true;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
