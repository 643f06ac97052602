import type { RefSites } from '../load/ref-sites.js';

/**
 * Finds where pointers into a dereferenced document lie in the document as written, `#/…`: each
 * time a pointer passes a `$ref` (other than into a key written beside it), the rest of it is
 * read from the `$ref`'s target, so a change inside a shared component is placed in the
 * component (`#/components/schemas/Pet/properties/owner`).
 */
export class SourceLocations {
  /** Each `$ref` target resolved once: many changes pass through the same components. */
  private readonly targets = new Map<string, Followed | undefined>();
  private readonly resolving = new Set<string>();

  constructor(private readonly sites: RefSites) {}

  /**
   * Undefined when the pointer passes no `$ref` (it resolves in the file as it is), or passes one
   * into another file or round a cycle of `$ref`s.
   */
  of(pointer: string): string | undefined {
    if (this.sites.size === 0) return undefined;
    const found = this.follow(pointer, false);
    return found?.crossed === true ? `#${found.location}` : undefined;
  }

  /**
   * `throughEnd`: also follow a `$ref` the pointer ends at. A `$ref` target must lead to the
   * schema itself; a change is placed where its `$ref` is written (`Pet/properties/owner`, the
   * field that was removed or changed type, rather than the Person component it uses).
   */
  private follow(pointer: string, throughEnd: boolean): Followed | undefined {
    const tokens = pointer === '' ? [] : pointer.slice(1).split('/');
    let location = '';
    let crossed = false;
    for (let index = 0; index < tokens.length || (throughEnd && index === tokens.length); index++) {
      const next = tokens[index];
      const site = this.sites.get(location);
      if (site !== undefined && (next === undefined || !site.siblings.has(next))) {
        if (site.target === undefined) return undefined;
        const target = this.target(site.target);
        if (target === undefined) return undefined;
        location = target.location;
        crossed = true;
      }
      if (next !== undefined) location += `/${next}`;
    }
    return { location, crossed };
  }

  /** A `$ref` target as written: itself resolved through any `$ref` on its way. */
  private target(pointer: string): Followed | undefined {
    if (this.targets.has(pointer)) return this.targets.get(pointer);
    if (this.resolving.has(pointer)) return undefined;
    this.resolving.add(pointer);
    let found: Followed | undefined;
    try {
      found = this.follow(pointer, true);
    } finally {
      this.resolving.delete(pointer);
    }
    this.targets.set(pointer, found);
    return found;
  }
}

interface Followed {
  /** A JSON pointer into the document as written, at no `$ref`. */
  readonly location: string;
  readonly crossed: boolean;
}
