import type { DiffContext, OperationPair } from './diff-context.js';
import { pointerTo } from './json-pointer.js';
import { asArray, asObject, asString, type JsonObject, objectEntries } from './json-values.js';
import { templateParameters } from './path-shape.js';

interface Parameter {
  readonly name: string;
  readonly location: string;
  readonly object: JsonObject;
  readonly pointer: string;
}

/** Header parameters OpenAPI says are ignored: content negotiation and security own them. */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/** OpenAPI's defaults, so spelling out `style: form` where it was implied is no change. */
const DEFAULT_STYLE: Readonly<Record<string, string>> = {
  query: 'form',
  cookie: 'form',
  path: 'simple',
  header: 'simple',
};

/**
 * The parameters of an operation: the path item's, overridden by the operation's own with the
 * same name and location. They are keyed by what a client sends: path parameters by their
 * position in the template (`/items/{id}` and `/items/{itemId}` take the same value), headers
 * case-insensitively, the rest by name.
 */
function effectiveParameters(
  path: string,
  pathItem: JsonObject,
  operation: JsonObject,
  pathPointer: string,
  operationPointer: string,
): Map<string, Parameter> {
  const positions = templateParameters(path);
  const parameters = new Map<string, Parameter>();
  const add = (list: unknown, pointer: string) => {
    asArray(list).forEach((entry, index) => {
      const object = asObject(entry);
      const name = asString(object?.name);
      const location = asString(object?.in);
      if (object === undefined || name === undefined || location === undefined) return;
      if (location === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) return;
      const position = positions.indexOf(name);
      const key =
        location === 'path' && position >= 0
          ? `path#${position}`
          : `${location}:${location === 'header' ? name.toLowerCase() : name}`;
      parameters.set(key, {
        name,
        location,
        object,
        pointer: pointerTo(pointer, 'parameters', index),
      });
    });
  };
  add(pathItem.parameters, pathPointer);
  add(operation.parameters, operationPointer);
  return parameters;
}

function describeParameter(parameter: Parameter): string {
  return `${parameter.location} parameter \`${parameter.name}\``;
}

export function diffParameters(context: DiffContext, pair: OperationPair): void {
  const { scope } = pair;
  const before = effectiveParameters(
    pair.oldPath,
    pair.oldPathItem,
    pair.oldOperation,
    pointerTo('/paths', pair.oldPath),
    pair.oldPointer,
  );
  const after = effectiveParameters(
    pair.newPath,
    pair.newPathItem,
    pair.newOperation,
    pointerTo('/paths', pair.newPath),
    pair.newPointer,
  );
  const movedTo = new Set<string>();
  for (const [key, old] of before) {
    const current = after.get(key);
    if (current !== undefined) {
      compareParameter(context, pair, old, current);
      continue;
    }
    const moved = [...after].find(
      ([otherKey, other]) =>
        !before.has(otherKey) && other.name.toLowerCase() === old.name.toLowerCase(),
    );
    if (moved !== undefined) {
      movedTo.add(moved[0]);
      scope.emit(
        'parameter.moved',
        moved[1].pointer,
        `${describeParameter(old)} moved from ${old.location} to ${moved[1].location}`,
      );
    } else {
      scope.emit('parameter.removed', old.pointer, `${describeParameter(old)} removed`, 'old');
    }
  }
  for (const [key, current] of after) {
    if (before.has(key) || movedTo.has(key)) continue;
    const required = current.object.required === true;
    scope.emit(
      required ? 'parameter.added-required' : 'parameter.added-optional',
      current.pointer,
      `${required ? 'required' : 'optional'} ${describeParameter(current)} added`,
    );
  }
}

function compareParameter(
  context: DiffContext,
  pair: OperationPair,
  old: Parameter,
  current: Parameter,
): void {
  const { scope } = pair;
  const label = describeParameter(current);
  const wasRequired = old.object.required === true;
  const isRequired = current.object.required === true;
  if (!wasRequired && isRequired) {
    scope.emit(
      'parameter.became-required',
      pointerTo(current.pointer, 'required'),
      `${label}: now required`,
    );
  } else if (wasRequired && !isRequired) {
    scope.emit('request.constraint.relaxed', current.pointer, `${label}: no longer required`);
  }
  if (old.object.deprecated !== true && current.object.deprecated === true) {
    scope.emit(
      'field.deprecated',
      pointerTo(current.pointer, 'deprecated'),
      `${label}: deprecated`,
    );
  }
  if (asString(old.object.description) !== asString(current.object.description)) {
    scope.emit(
      'description.changed',
      pointerTo(current.pointer, 'description'),
      `${label}: description changed`,
    );
  }
  const serialization = serializationOf(old);
  const currentSerialization = serializationOf(current);
  if (serialization !== currentSerialization) {
    scope.emit(
      'parameter.serialization.changed',
      current.pointer,
      `${label}: serialization ${serialization} → ${currentSerialization}`,
    );
  }
  context.schemas.compare(schemaOf(old), schemaOf(current), 'request', {
    scope,
    oldPointer: schemaPointer(old),
    newPointer: schemaPointer(current),
    label,
  });
}

function serializationOf(parameter: Parameter): string {
  const style = asString(parameter.object.style) ?? DEFAULT_STYLE[parameter.location] ?? 'simple';
  const explode =
    typeof parameter.object.explode === 'boolean' ? parameter.object.explode : style === 'form';
  const reserved = parameter.object.allowReserved === true;
  return `style=${style} explode=${explode}${reserved ? ' allowReserved' : ''}`;
}

/** A parameter's schema: `schema`, or the schema of its single `content` entry. */
function schemaOf(parameter: Parameter): unknown {
  if (parameter.object.schema !== undefined) return parameter.object.schema;
  return objectEntries(parameter.object.content)[0]?.[1].schema;
}

function schemaPointer(parameter: Parameter): string {
  if (parameter.object.schema !== undefined) return pointerTo(parameter.pointer, 'schema');
  const [type] = objectEntries(parameter.object.content)[0] ?? [];
  return type === undefined
    ? pointerTo(parameter.pointer, 'schema')
    : pointerTo(parameter.pointer, 'content', type, 'schema');
}
