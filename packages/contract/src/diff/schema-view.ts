import { escapeToken } from './json-pointer.js';
import { asArray, asNumber, asObject, asString, type JsonObject } from './json-values.js';

/**
 * One schema as the comparison sees it: OpenAPI 3.0 and 3.1 spellings made one (`nullable` and
 * type arrays, boolean exclusive bounds and numeric ones, `const` and one-value enums), `allOf`
 * merged into its parent, and a `oneOf`/`anyOf` of one schema and `null` read as a nullable
 * schema. Every keyword keeps the pointer (relative to the schema) it was read from, so a change
 * found on the view still points into the document.
 */
export type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface Located<T> {
  readonly value: T;
  readonly pointer: string;
}

export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
  readonly pointer: string;
}

export interface Branches {
  readonly keyword: 'oneOf' | 'anyOf';
  readonly schemas: readonly unknown[];
  readonly pointer: string;
}

export interface SchemaView {
  /** The types a value may have; undefined when any type is allowed. */
  readonly kinds: ReadonlySet<Kind> | undefined;
  readonly kindsPointer: string;
  readonly enumValues?: Located<readonly unknown[]>;
  readonly format?: Located<string>;
  readonly pattern?: Located<string>;
  readonly maximum?: Bound;
  readonly minimum?: Bound;
  readonly maxLength?: Located<number>;
  readonly minLength?: Located<number>;
  readonly maxItems?: Located<number>;
  readonly minItems?: Located<number>;
  readonly maxProperties?: Located<number>;
  readonly minProperties?: Located<number>;
  readonly multipleOf?: Located<number>;
  readonly uniqueItems?: Located<boolean>;
  readonly defaultValue?: Located<unknown>;
  /** Property schemas by name, each with its pointer. */
  readonly properties: ReadonlyMap<string, Located<unknown>>;
  /** Required property names, each with the pointer of its `required` list. */
  readonly required: ReadonlyMap<string, string>;
  readonly additionalProperties?: Located<unknown>;
  readonly unevaluatedProperties?: Located<unknown>;
  readonly items?: Located<unknown>;
  readonly prefixItems?: Located<readonly unknown[]>;
  readonly branches?: Branches;
  readonly not?: Located<unknown>;
  readonly discriminator?: Located<string>;
  readonly readOnly: boolean;
  readonly writeOnly: boolean;
  readonly deprecated: boolean;
  readonly title?: Located<string>;
  readonly description?: Located<string>;
}

/** `{}` and `true`: any value. */
export const ANY_SCHEMA: JsonObject = Object.freeze({});
/** `false` (3.1): no value. */
export const NO_SCHEMA: JsonObject = Object.freeze({ not: ANY_SCHEMA });

const KINDS: ReadonlySet<string> = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
]);

/** Builds views once per schema object; a schema reached again (or through a cycle) reuses it. */
export class SchemaViews {
  private readonly views = new WeakMap<object, SchemaView>();
  private readonly building = new WeakSet<object>();

  of(schema: unknown): SchemaView {
    const object = schemaObject(schema);
    const cached = this.views.get(object);
    if (cached !== undefined) return cached;
    // An allOf that includes itself (through $refs) adds nothing the first pass does not.
    if (this.building.has(object)) return EMPTY_VIEW;
    this.building.add(object);
    try {
      const view = this.build(object);
      this.views.set(object, view);
      return view;
    } finally {
      this.building.delete(object);
    }
  }

  private build(schema: JsonObject): SchemaView {
    if (schema === NO_SCHEMA) return { ...EMPTY_VIEW, kinds: new Set() };
    const own = ownView(schema);
    const allOf = asArray(schema.allOf).map((branch, index) =>
      relocate(this.of(branch), `/allOf/${index}`),
    );
    const parts: SchemaView[] = [own, ...allOf];
    // `oneOf: [X, {type: 'null'}]` is how 3.1 (and @fastify/swagger) spells a nullable X.
    const nullable = own.branches !== undefined ? this.nullableBranch(own.branches) : undefined;
    if (nullable !== undefined) parts.push(nullable);
    let view = parts.length === 1 ? own : parts.reduce(mergeViews);
    if (nullable !== undefined) view = { ...view, branches: nullable.branches };
    if (allOf.length > 0) {
      // The description a reader sees: the schema's own, else the last allOf part's, the one
      // `allOf: [$ref, {description}]` adds to override the referenced schema's. Moving that
      // text out of the allOf onto the schema changes nothing.
      const description =
        own.description ??
        allOf.findLast((part) => part.description !== undefined)?.description ??
        nullable?.description;
      view = { ...view, description };
    }
    const parentNullable = schema.nullable === true && (parts.length > 1 || nullable);
    if ((parentNullable || nullable !== undefined) && view.kinds !== undefined) {
      view = { ...view, kinds: new Set([...view.kinds, 'null']) };
    }
    return view;
  }

  private nullableBranch(branches: Branches): SchemaView | undefined {
    const others = branches.schemas
      .map((schema, index) => ({ schema, index }))
      .filter(({ schema }) => !isNullOnly(schemaObject(schema)));
    if (others.length !== 1 || others.length === branches.schemas.length) return undefined;
    const [only] = others;
    if (only === undefined) return undefined;
    return relocate(this.of(only.schema), `${branches.pointer}/${only.index}`);
  }
}

export function schemaObject(schema: unknown): JsonObject {
  if (schema === false) return NO_SCHEMA;
  return asObject(schema) ?? ANY_SCHEMA;
}

const EMPTY_VIEW: SchemaView = {
  kinds: undefined,
  kindsPointer: '',
  properties: new Map(),
  required: new Map(),
  readOnly: false,
  writeOnly: false,
  deprecated: false,
};

function isNullOnly(schema: JsonObject): boolean {
  const type = schema.type;
  if (type === 'null') return true;
  if (Array.isArray(type)) return type.length === 1 && type[0] === 'null';
  const values = asArray(schema.enum);
  return values.length === 1 && values[0] === null;
}

function located<T>(value: T | undefined, pointer: string): Located<T> | undefined {
  return value === undefined ? undefined : { value, pointer };
}

/** The keywords of the schema itself, without its allOf. */
function ownView(schema: JsonObject): SchemaView {
  const properties = new Map<string, Located<unknown>>();
  for (const [name, property] of Object.entries(asObject(schema.properties) ?? {})) {
    properties.set(name, { value: property, pointer: `/properties/${escapeToken(name)}` });
  }
  const required = new Map<string, string>();
  for (const name of asArray(schema.required)) {
    if (typeof name === 'string') required.set(name, '/required');
  }
  const enumValues = Array.isArray(schema.enum)
    ? { value: schema.enum as readonly unknown[], pointer: '/enum' }
    : 'const' in schema
      ? { value: [schema.const], pointer: '/const' }
      : undefined;
  const oneOf = asArray(schema.oneOf);
  const anyOf = asArray(schema.anyOf);
  const branches: Branches | undefined =
    oneOf.length > 0
      ? { keyword: 'oneOf', schemas: oneOf, pointer: '/oneOf' }
      : anyOf.length > 0
        ? { keyword: 'anyOf', schemas: anyOf, pointer: '/anyOf' }
        : undefined;
  const discriminator = asString(asObject(schema.discriminator)?.propertyName);
  const prefixItems = Array.isArray(schema.prefixItems) ? schema.prefixItems : undefined;
  const count = (keyword: string, pointer = `/${keyword}`) => {
    const value = asNumber(schema[keyword]);
    return value === undefined ? undefined : { value, pointer };
  };
  return {
    kinds: ownKinds(schema, enumValues?.value),
    kindsPointer: schema.type !== undefined ? '/type' : '',
    enumValues,
    format: located(asString(schema.format), '/format'),
    pattern: located(asString(schema.pattern), '/pattern'),
    maximum: bound(schema, 'maximum', 'exclusiveMaximum'),
    minimum: bound(schema, 'minimum', 'exclusiveMinimum'),
    maxLength: count('maxLength'),
    minLength: positive(count('minLength')),
    maxItems: count('maxItems'),
    minItems: positive(count('minItems')),
    maxProperties: count('maxProperties'),
    minProperties: positive(count('minProperties')),
    multipleOf: count('multipleOf'),
    uniqueItems: schema.uniqueItems === true ? { value: true, pointer: '/uniqueItems' } : undefined,
    defaultValue: 'default' in schema ? { value: schema.default, pointer: '/default' } : undefined,
    properties,
    required,
    additionalProperties: located(schema.additionalProperties, '/additionalProperties'),
    unevaluatedProperties: located(schema.unevaluatedProperties, '/unevaluatedProperties'),
    // 3.0 allowed `items` only as a schema; 3.1 `items: false` closes a tuple.
    items: located(schema.items, '/items'),
    prefixItems: located(prefixItems, '/prefixItems'),
    branches,
    not: located(schema.not, '/not'),
    discriminator: located(discriminator, '/discriminator/propertyName'),
    readOnly: schema.readOnly === true,
    writeOnly: schema.writeOnly === true,
    deprecated: schema.deprecated === true,
    title: located(asString(schema.title), '/title'),
    description: located(asString(schema.description), '/description'),
  };
}

/** A zero minimum length (or count) is no constraint: treat it as absent. */
function positive(value: Located<number> | undefined): Located<number> | undefined {
  return value !== undefined && value.value > 0 ? value : undefined;
}

/** The types a schema's own `type` (or enum, or implicit object/array keywords) allows. */
export function declaredKinds(schema: JsonObject): ReadonlySet<Kind> | undefined {
  const enumValues = Array.isArray(schema.enum)
    ? (schema.enum as readonly unknown[])
    : 'const' in schema
      ? [schema.const]
      : undefined;
  return ownKinds(schema, enumValues);
}

function ownKinds(schema: JsonObject, enumValues: readonly unknown[] | undefined) {
  let kinds: Set<Kind> | undefined;
  const type = schema.type;
  if (typeof type === 'string' || Array.isArray(type)) {
    kinds = new Set(
      (Array.isArray(type) ? type : [type]).filter((t): t is Kind => KINDS.has(String(t))),
    );
  } else if (enumValues !== undefined) {
    // An enum without a type still only allows its values' types.
    kinds = new Set(enumValues.map(kindOfValue));
  } else if (schema.properties !== undefined || schema.additionalProperties !== undefined) {
    // Many documents leave `type: object` implicit; reading it so keeps adding it from being
    // reported as a narrowing.
    kinds = new Set(['object']);
  } else if (schema.items !== undefined || schema.prefixItems !== undefined) {
    kinds = new Set(['array']);
  }
  if (kinds !== undefined && schema.nullable === true) kinds.add('null');
  return kinds;
}

function kindOfValue(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return 'object';
}

/**
 * The bound a schema sets: 3.0 spells an exclusive one `maximum: 5, exclusiveMaximum: true`,
 * 3.1 `exclusiveMaximum: 5`. With both, the stricter one counts.
 */
function bound(
  schema: JsonObject,
  inclusiveKey: 'maximum' | 'minimum',
  exclusiveKey: 'exclusiveMaximum' | 'exclusiveMinimum',
): Bound | undefined {
  const inclusive = asNumber(schema[inclusiveKey]);
  const exclusiveFlag = schema[exclusiveKey] === true;
  const exclusiveValue = asNumber(schema[exclusiveKey]);
  const candidates: Bound[] = [];
  if (inclusive !== undefined) {
    candidates.push({ value: inclusive, exclusive: exclusiveFlag, pointer: `/${inclusiveKey}` });
  }
  if (exclusiveValue !== undefined) {
    candidates.push({ value: exclusiveValue, exclusive: true, pointer: `/${exclusiveKey}` });
  }
  const upper = inclusiveKey === 'maximum';
  return candidates.reduce<Bound | undefined>(
    (strictest, next) =>
      strictest === undefined || boundIsStricter(next, strictest, upper) ? next : strictest,
    undefined,
  );
}

/** Whether bound `a` allows fewer values than bound `b`. */
export function boundIsStricter(a: Bound, b: Bound, upper: boolean): boolean {
  if (a.value !== b.value) return upper ? a.value < b.value : a.value > b.value;
  return a.exclusive && !b.exclusive;
}

/** The view with every pointer moved under `prefix` (an allOf or oneOf branch). */
function relocate(view: SchemaView, prefix: string): SchemaView {
  const move = <T>(value: Located<T> | undefined) =>
    value === undefined ? undefined : { value: value.value, pointer: prefix + value.pointer };
  const moveBound = (value: Bound | undefined) =>
    value === undefined ? undefined : { ...value, pointer: prefix + value.pointer };
  const properties = new Map<string, Located<unknown>>();
  for (const [name, property] of view.properties) {
    properties.set(name, { value: property.value, pointer: prefix + property.pointer });
  }
  const required = new Map<string, string>();
  for (const [name, pointer] of view.required) required.set(name, prefix + pointer);
  return {
    ...view,
    kindsPointer: prefix + view.kindsPointer,
    enumValues: move(view.enumValues),
    format: move(view.format),
    pattern: move(view.pattern),
    maximum: moveBound(view.maximum),
    minimum: moveBound(view.minimum),
    maxLength: move(view.maxLength),
    minLength: move(view.minLength),
    maxItems: move(view.maxItems),
    minItems: move(view.minItems),
    maxProperties: move(view.maxProperties),
    minProperties: move(view.minProperties),
    multipleOf: move(view.multipleOf),
    uniqueItems: move(view.uniqueItems),
    defaultValue: move(view.defaultValue),
    properties,
    required,
    additionalProperties: move(view.additionalProperties),
    unevaluatedProperties: move(view.unevaluatedProperties),
    items: move(view.items),
    prefixItems: move(view.prefixItems),
    branches:
      view.branches === undefined
        ? undefined
        : { ...view.branches, pointer: prefix + view.branches.pointer },
    not: move(view.not),
    discriminator: move(view.discriminator),
    title: move(view.title),
    description: move(view.description),
  };
}

/**
 * allOf: a value must satisfy every part, so the merged view takes the intersection of types and
 * enums, the strictest bounds, the union of properties and required names; for the rest the
 * first part that sets a keyword wins. Two parts defining the same property give a property
 * whose schema is the allOf of both.
 */
function mergeViews(a: SchemaView, b: SchemaView): SchemaView {
  const first = <T>(x: T | undefined, y: T | undefined) => (x !== undefined ? x : y);
  const lowest = (x: Located<number> | undefined, y: Located<number> | undefined) =>
    x === undefined ? y : y === undefined ? x : y.value < x.value ? y : x;
  const highest = (x: Located<number> | undefined, y: Located<number> | undefined) =>
    x === undefined ? y : y === undefined ? x : y.value > x.value ? y : x;
  const stricter = (x: Bound | undefined, y: Bound | undefined, upper: boolean) =>
    x === undefined ? y : y === undefined ? x : boundIsStricter(y, x, upper) ? y : x;
  const properties = new Map(a.properties);
  for (const [name, property] of b.properties) {
    const existing = properties.get(name);
    properties.set(
      name,
      existing === undefined
        ? property
        : { value: { allOf: [existing.value, property.value] }, pointer: existing.pointer },
    );
  }
  const required = new Map(a.required);
  for (const [name, pointer] of b.required) if (!required.has(name)) required.set(name, pointer);
  return {
    kinds: intersectKinds(a.kinds, b.kinds),
    kindsPointer: a.kinds !== undefined ? a.kindsPointer : b.kindsPointer,
    enumValues: intersectEnums(a.enumValues, b.enumValues),
    format: first(a.format, b.format),
    pattern: first(a.pattern, b.pattern),
    maximum: stricter(a.maximum, b.maximum, true),
    minimum: stricter(a.minimum, b.minimum, false),
    maxLength: lowest(a.maxLength, b.maxLength),
    minLength: highest(a.minLength, b.minLength),
    maxItems: lowest(a.maxItems, b.maxItems),
    minItems: highest(a.minItems, b.minItems),
    maxProperties: lowest(a.maxProperties, b.maxProperties),
    minProperties: highest(a.minProperties, b.minProperties),
    multipleOf: first(a.multipleOf, b.multipleOf),
    uniqueItems: first(a.uniqueItems, b.uniqueItems),
    defaultValue: first(a.defaultValue, b.defaultValue),
    properties,
    required,
    additionalProperties:
      b.additionalProperties?.value === false
        ? b.additionalProperties
        : first(a.additionalProperties, b.additionalProperties),
    unevaluatedProperties:
      b.unevaluatedProperties?.value === false
        ? b.unevaluatedProperties
        : first(a.unevaluatedProperties, b.unevaluatedProperties),
    items: first(a.items, b.items),
    prefixItems: first(a.prefixItems, b.prefixItems),
    branches: first(a.branches, b.branches),
    not: first(a.not, b.not),
    discriminator: first(a.discriminator, b.discriminator),
    readOnly: a.readOnly || b.readOnly,
    writeOnly: a.writeOnly || b.writeOnly,
    deprecated: a.deprecated || b.deprecated,
    title: first(a.title, b.title),
    description: first(a.description, b.description),
  };
}

export function intersectKinds(
  a: ReadonlySet<Kind> | undefined,
  b: ReadonlySet<Kind> | undefined,
): ReadonlySet<Kind> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const result = new Set<Kind>();
  for (const kind of a) {
    if (b.has(kind)) result.add(kind);
    else if (kind === 'integer' && b.has('number')) result.add('integer');
    else if (kind === 'number' && b.has('integer')) result.add('integer');
  }
  return result;
}

function intersectEnums(
  a: Located<readonly unknown[]> | undefined,
  b: Located<readonly unknown[]> | undefined,
): Located<readonly unknown[]> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const keys = new Set(b.value.map((value) => JSON.stringify(value)));
  return { value: a.value.filter((value) => keys.has(JSON.stringify(value))), pointer: a.pointer };
}
