/**
 * Numbers for the objects of the two documents during one diff, so a pair of objects can be a
 * single number key (Map lookups on number keys are much cheaper than on composed strings).
 */
export class ObjectIds {
  private readonly ids = new WeakMap<object, number>();
  private next = 1;

  of(object: object): number {
    let id = this.ids.get(object);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(object, id);
    }
    return id;
  }

  /** One number per ordered pair; exact while fewer than 2^26 objects have ids. */
  pair(a: object, b: object): number {
    return this.of(a) * 2 ** 26 + this.of(b);
  }
}
