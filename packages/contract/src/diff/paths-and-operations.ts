import type { ChangeScope } from './change-scope.js';
import type { DiffContext, OperationPair } from './diff-context.js';
import { pointerTo } from './json-pointer.js';
import { asObject, asString, type JsonObject, objectEntries } from './json-values.js';
import { diffParameters } from './parameters.js';
import { pathShape } from './path-shape.js';
import { diffRequestBody } from './request-bodies.js';
import { diffResponses } from './responses.js';
import { diffSecurity } from './security.js';

/** Path item, operation, responses, response: levels no two path items share. */
const PATH_ITEM_UNSHARED_DEPTH = 4;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Paths matched by shape, then operations by method; each operation present in both is
 * compared area by area. A removed path is one change (not one per operation).
 */
export function diffPaths(context: DiffContext): void {
  const newByShape = new Map<string, [string, JsonObject]>();
  for (const [path, item] of objectEntries(context.newDocument.paths)) {
    if (!newByShape.has(pathShape(path))) newByShape.set(pathShape(path), [path, item]);
  }
  const matched = new Set<string>();
  for (const [oldPath, oldItem] of objectEntries(context.oldDocument.paths)) {
    const match = newByShape.get(pathShape(oldPath));
    if (match === undefined) {
      context.scope
        .within(oldPath)
        .emit('path.removed', pointerTo('/paths', oldPath), `path ${oldPath} removed`, 'old');
      continue;
    }
    const [newPath, newItem] = match;
    matched.add(newPath);
    diffPathItem(context, oldPath, newPath, oldItem, newItem);
  }
  for (const [newPath] of newByShape.values()) {
    if (matched.has(newPath)) continue;
    context.scope
      .within(newPath)
      .emit('path.added', pointerTo('/paths', newPath), `path ${newPath} added`);
  }
}

function diffPathItem(
  context: DiffContext,
  oldPath: string,
  newPath: string,
  oldItem: JsonObject,
  newItem: JsonObject,
) {
  // An identical path item under the same template and global security has nothing to report.
  const unchanged =
    oldPath === newPath &&
    context.sameGlobalSecurity &&
    context.equality.equal(oldItem, newItem, PATH_ITEM_UNSHARED_DEPTH);
  if (unchanged) return;
  const scope = context.scope.within(newPath);
  compareText(scope, oldItem, newItem, pointerTo('/paths', newPath), 'path');
  for (const method of METHODS) {
    const oldOperation = asObject(oldItem[method]);
    const newOperation = asObject(newItem[method]);
    const oldPointer = pointerTo('/paths', oldPath, method);
    const newPointer = pointerTo('/paths', newPath, method);
    const operationScope = context.scope.within(newPath, method);
    if (oldOperation !== undefined && newOperation === undefined) {
      operationScope.emit(
        'operation.removed',
        oldPointer,
        `${method.toUpperCase()} ${newPath} removed`,
        'old',
      );
    } else if (oldOperation === undefined && newOperation !== undefined) {
      operationScope.emit(
        'operation.added',
        newPointer,
        `${method.toUpperCase()} ${newPath} added`,
      );
    } else if (oldOperation !== undefined && newOperation !== undefined) {
      diffOperation(context, {
        scope: operationScope,
        oldPath,
        newPath,
        oldPathItem: oldItem,
        newPathItem: newItem,
        oldOperation,
        newOperation,
        oldPointer,
        newPointer,
      });
    }
  }
}

function diffOperation(context: DiffContext, pair: OperationPair): void {
  const { scope, oldOperation, newOperation, newPointer } = pair;
  if (oldOperation.deprecated !== true && newOperation.deprecated === true) {
    scope.emit('operation.deprecated', pointerTo(newPointer, 'deprecated'), 'operation deprecated');
  } else if (oldOperation.deprecated === true && newOperation.deprecated !== true) {
    scope.emit('description.changed', newPointer, 'operation no longer deprecated');
  }
  const oldId = asString(oldOperation.operationId);
  const newId = asString(newOperation.operationId);
  if (oldId !== undefined && oldId !== newId) {
    scope.emit(
      'operation.id.changed',
      pointerTo(newPointer, 'operationId'),
      `operationId \`${oldId}\` → ${newId === undefined ? 'none' : `\`${newId}\``}`,
    );
  }
  compareText(scope, oldOperation, newOperation, newPointer, 'operation');
  diffParameters(context, pair);
  diffRequestBody(context, pair);
  diffResponses(context, pair);
  diffSecurity(context, pair);
}

/** summary and description of a path item, an operation or the document's info. */
export function compareText(
  scope: ChangeScope,
  before: JsonObject,
  after: JsonObject,
  pointer: string,
  what: string,
  keys: readonly string[] = ['summary', 'description'],
): void {
  for (const key of keys) {
    const was = asString(before[key]);
    const is = asString(after[key]);
    if (was === is) continue;
    const how = was === undefined ? 'added' : is === undefined ? 'removed' : 'changed';
    scope.emit('description.changed', pointerTo(pointer, key), `${what} ${key} ${how}`);
  }
}
