/**
 * What `bulwark contract diff` produces: every difference between two OpenAPI documents, each
 * sorted into one change class with a level, and the verdict those levels give.
 */

/** `error` breaks clients (fails the diff unless a version bump excuses it), `warning` may. */
export type ChangeLevel = 'error' | 'warning' | 'info';

export const CHANGE_LEVELS: readonly ChangeLevel[] = ['error', 'warning', 'info'];

/** One entry of the catalogue (CHANGE_CLASSES): a kind of change and its default level. */
export interface ChangeClass {
  /** Stable, e.g. `request.property.removed`; what level overrides name. */
  readonly id: string;
  readonly level: ChangeLevel;
  /** One line: what the change is. */
  readonly title: string;
  /** One line: an instance of it. */
  readonly example: string;
}

export interface ContractChange {
  readonly classId: string;
  /** The level after overrides. */
  readonly level: ChangeLevel;
  /** `get`, `post`, …; absent for changes above the operations (a path, the document). */
  readonly method?: string;
  /** The API path template, as the new document spells it when it still has the path. */
  readonly path?: string;
  /**
   * JSON pointer into the new document, or into the old one for what the new one lacks, at the
   * place of use: it runs through `$ref`s as if they were written out (the document dereferenced).
   */
  readonly pointer: string;
  /**
   * Where the change lies in that document as written, when `pointer` passes a `$ref`: the
   * shared component's own location, `#/components/schemas/Pet/properties/owner`. Absent when
   * `pointer` resolves in the file as it is, passes a `$ref` into another file, or the document
   * was not read by loadOpenApiDocument.
   */
  readonly component?: string;
  /** One sentence saying what changed. */
  readonly message: string;
  /** Set on an error-level change that a version bump allows; it is listed and does not fail. */
  readonly excusedBy?: 'info.version' | 'path-major';
}

export interface DocumentSummary {
  /** The file path, or the label given with an in-memory document. */
  readonly source: string;
  readonly openapi: string;
  readonly title: string;
  readonly version: string;
}

export interface ContractDiff {
  readonly old: DocumentSummary;
  readonly new: DocumentSummary;
  /** Stable order: path, method, pointer, class id. */
  readonly changes: readonly ContractChange[];
  readonly bumped: {
    /** The new `info.version` has a higher major than the old one. */
    readonly infoMajor: boolean;
    /** Old paths with a `/vN` segment the new document also serves as `/vM`, M > N. */
    readonly pathMajors: readonly string[];
  };
  readonly counts: Readonly<Record<ChangeLevel, number>>;
  /** Error-level changes no version bump excuses. */
  readonly breaking: number;
  /** `fail` iff `breaking > 0`: warnings alone never fail. */
  readonly verdict: 'pass' | 'fail';
}

export interface LoadedDocument {
  readonly summary: DocumentSummary;
  /** The OpenAPI 3.0/3.1 document with every `$ref` resolved (circular ones stay circular). */
  readonly document: unknown;
}
