import type { ChangeClassId } from '../classes.js';

/** A change as the comparison finds it, before levels, overrides and version bumps apply. */
export interface FoundChange {
  readonly classId: ChangeClassId;
  readonly method?: string;
  readonly path?: string;
  readonly pointer: string;
  /** Which document `pointer` is in. */
  readonly side: Side;
  readonly message: string;
}

/** The new document, or the old one for what the new one lacks (a removed field, path, …). */
export type Side = 'old' | 'new';

/**
 * Where changes found now belong (the document, a path, an operation) and the list they go to.
 * The comparisons of each area take one and emit into it.
 */
export class ChangeScope {
  constructor(
    private readonly out: FoundChange[],
    readonly path?: string,
    readonly method?: string,
  ) {}

  /** A scope for changes of one path (and, given a method, one operation). */
  within(path: string, method?: string): ChangeScope {
    return new ChangeScope(this.out, path, method);
  }

  /** Records a change; `pointer` is into the new document unless `side` says the old one. */
  emit(classId: ChangeClassId, pointer: string, message: string, side: Side = 'new'): void {
    this.out.push({
      classId,
      pointer,
      side,
      message,
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.method !== undefined ? { method: this.method } : {}),
    });
  }
}
