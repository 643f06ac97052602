import type { ChangeScope } from './change-scope.js';
import type { JsonEquality } from './json-equality.js';
import type { JsonObject } from './json-values.js';
import type { SchemaComparer } from './schemas.js';

/** What every area's comparison needs: the two documents, the scope, the schema comparer. */
export interface DiffContext {
  readonly oldDocument: JsonObject;
  readonly newDocument: JsonObject;
  readonly scope: ChangeScope;
  readonly schemas: SchemaComparer;
  readonly equality: JsonEquality;
  /** The documents' top-level `security` is the same: unchanged path items can be skipped. */
  readonly sameGlobalSecurity: boolean;
}

/** One operation present in both documents, with its pointers and the paths that hold it. */
export interface OperationPair {
  readonly scope: ChangeScope;
  readonly oldPath: string;
  readonly newPath: string;
  readonly oldPathItem: JsonObject;
  readonly newPathItem: JsonObject;
  readonly oldOperation: JsonObject;
  readonly newOperation: JsonObject;
  readonly oldPointer: string;
  readonly newPointer: string;
}
