import { diffContent } from './content.js';
import type { DiffContext, OperationPair } from './diff-context.js';
import { pointerTo } from './json-pointer.js';
import { asObject, asString, objectEntries } from './json-values.js';

/**
 * The request body of an operation: whether one is required, and what each media type accepts
 * (compared in the request direction: the new body must accept whatever the old one did).
 */
export function diffRequestBody(context: DiffContext, pair: OperationPair): void {
  const { scope } = pair;
  const before = asObject(pair.oldOperation.requestBody);
  const after = asObject(pair.newOperation.requestBody);
  const oldPointer = pointerTo(pair.oldPointer, 'requestBody');
  const newPointer = pointerTo(pair.newPointer, 'requestBody');
  if (before === undefined && after === undefined) return;
  if (before === undefined && after !== undefined) {
    if (after.required === true) {
      scope.emit('request.body.became-required', newPointer, 'a required request body was added');
      return;
    }
    for (const [type] of objectEntries(after.content)) {
      scope.emit(
        'request.content-type.added',
        pointerTo(newPointer, 'content', type),
        `optional request body \`${type}\` added`,
      );
    }
    return;
  }
  if (before !== undefined && after === undefined) {
    scope.emit('request.body.removed', oldPointer, 'request body removed', 'old');
    return;
  }
  if (before === undefined || after === undefined) return;
  if (before.required !== true && after.required === true) {
    scope.emit(
      'request.body.became-required',
      pointerTo(newPointer, 'required'),
      'request body now required',
    );
  } else if (before.required === true && after.required !== true) {
    scope.emit('request.constraint.relaxed', newPointer, 'request body no longer required');
  }
  if (asString(before.description) !== asString(after.description)) {
    scope.emit(
      'description.changed',
      pointerTo(newPointer, 'description'),
      'request body description changed',
    );
  }
  diffContent(before.content, after.content, {
    scope,
    schemas: context.schemas,
    direction: 'request',
    oldPointer,
    newPointer,
    label: 'request body',
    removed: 'request.content-type.removed',
    added: 'request.content-type.added',
  });
}
