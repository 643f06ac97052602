import { diffContent } from './content.js';
import type { DiffContext, OperationPair } from './diff-context.js';
import { pointerTo } from './json-pointer.js';
import { asString, type JsonObject, objectEntries } from './json-values.js';

/**
 * The responses of an operation, compared in the response direction: every status, header and
 * media type clients were promised must still be there, and nothing read may widen. A status
 * the new document covers with a range (`404` by `4XX`) is still documented.
 */
export function diffResponses(context: DiffContext, pair: OperationPair): void {
  const { scope } = pair;
  const before = objectEntries(pair.oldOperation.responses);
  const after = new Map(
    objectEntries(pair.newOperation.responses).map(([status, response]) => [
      status.toUpperCase(),
      { status, response },
    ]),
  );
  const matched = new Set<string>();
  for (const [status, response] of before) {
    const key = status.toUpperCase();
    const target = after.get(key) ?? (/^\d{3}$/.test(key) ? after.get(`${key[0]}XX`) : undefined);
    const oldPointer = pointerTo(pair.oldPointer, 'responses', status);
    if (target === undefined) {
      scope.emit('response.status.removed', oldPointer, `response ${status} removed`, 'old');
      continue;
    }
    matched.add(target.status);
    const newPointer = pointerTo(pair.newPointer, 'responses', target.status);
    compareResponse(context, pair, status, response, target.response, oldPointer, newPointer);
  }
  for (const { status } of after.values()) {
    if (matched.has(status)) continue;
    scope.emit(
      'response.status.added',
      pointerTo(pair.newPointer, 'responses', status),
      `response ${status} added`,
    );
  }
}

function compareResponse(
  context: DiffContext,
  pair: OperationPair,
  status: string,
  before: JsonObject,
  after: JsonObject,
  oldPointer: string,
  newPointer: string,
) {
  const { scope } = pair;
  const label = `response ${status}`;
  if (asString(before.description) !== asString(after.description)) {
    scope.emit(
      'description.changed',
      pointerTo(newPointer, 'description'),
      `${label}: description changed`,
    );
  }
  diffHeaders(context, pair, label, before, after, oldPointer, newPointer);
  diffContent(before.content, after.content, {
    scope,
    schemas: context.schemas,
    direction: 'response',
    oldPointer,
    newPointer,
    label,
    removed: 'response.content-type.removed',
    added: 'response.content-type.added',
  });
}

/** Response headers, matched case-insensitively; a header no longer required may be absent. */
function diffHeaders(
  context: DiffContext,
  pair: OperationPair,
  label: string,
  before: JsonObject,
  after: JsonObject,
  oldPointer: string,
  newPointer: string,
) {
  const { scope } = pair;
  const current = new Map(
    objectEntries(after.headers).map(([name, header]) => [name.toLowerCase(), { name, header }]),
  );
  const seen = new Set<string>();
  for (const [name, header] of objectEntries(before.headers)) {
    const match = current.get(name.toLowerCase());
    const headerLabel = `${label} header \`${name}\``;
    if (match === undefined) {
      scope.emit(
        'response.header.removed',
        pointerTo(oldPointer, 'headers', name),
        `${headerLabel} removed`,
        'old',
      );
      continue;
    }
    seen.add(match.name);
    const headerPointer = pointerTo(newPointer, 'headers', match.name);
    if (header.required === true && match.header.required !== true) {
      scope.emit(
        'response.header.removed',
        headerPointer,
        `${headerLabel}: no longer required (may be absent)`,
      );
    }
    context.schemas.compare(header.schema, match.header.schema, 'response', {
      scope,
      oldPointer: pointerTo(oldPointer, 'headers', name, 'schema'),
      newPointer: pointerTo(headerPointer, 'schema'),
      label: headerLabel,
    });
  }
  for (const { name } of current.values()) {
    if (seen.has(name)) continue;
    scope.emit(
      'response.header.added',
      pointerTo(newPointer, 'headers', name),
      `${label} header \`${name}\` added`,
    );
  }
}
