import type { ChangeClassId } from '../classes.js';
import { AdmittedKinds } from './admitted-kinds.js';
import type { ChangeScope } from './change-scope.js';
import type { JsonEquality } from './json-equality.js';
import { asArray, type JsonObject } from './json-values.js';
import type { ObjectIds } from './object-ids.js';
import {
  compareConstraints,
  compareDefaults,
  compareEnums,
  compareKindSets,
  compareKinds,
  type Direction,
  type Emit,
  kindsKey,
  sharedFamilies,
} from './schema-keywords.js';
import {
  ANY_SCHEMA,
  type Located,
  NO_SCHEMA,
  type SchemaView,
  SchemaViews,
  schemaObject,
} from './schema-view.js';

export type { Direction } from './schema-keywords.js';

/** Where a compared schema sits: the scope changes go to, its pointers, what it describes. */
export interface SchemaSite {
  readonly scope: ChangeScope;
  readonly oldPointer: string;
  readonly newPointer: string;
  /** e.g. `request body (application/json)`, `query parameter \`limit\``. */
  readonly label: string;
}

/** A change found inside a schema pair, relative to the pair's roots. */
interface SchemaChange {
  readonly classId: ChangeClassId;
  /** Which document `pointer` is in: the old one for what the new one lacks. */
  readonly side: 'old' | 'new';
  readonly pointer: string;
  /** The field inside the schema, `address.city`, `tags[]`; empty for the root. */
  readonly field: string;
  readonly detail: string;
  /**
   * The pairs (keys) the comparison descended through to find it, below the pair it belongs to.
   * A memoized change replayed where one of those pairs is already being compared is the same
   * change met again around a cycle, and is left out.
   */
  readonly via?: readonly number[];
}

const NO_CHANGES: readonly SchemaChange[] = Object.freeze([]);

/**
 * Compares schemas pair by pair. A pair's changes (relative to the pair) are computed once and
 * replayed wherever the pair appears again: a component used by a thousand operations is
 * compared once, which keeps the diff a small fraction of the parse. Cycles (a tree node whose
 * children are tree nodes) stop at a pair already being compared; a pair whose comparison was
 * cut short by a cycle through an outer pair is not memoized, so each place it appears still
 * reports everything reachable from there.
 */
export class SchemaComparer {
  private readonly views = new SchemaViews();
  private readonly admitted = new AdmittedKinds();
  private readonly done = new Map<number, readonly SchemaChange[]>();
  private readonly active = new Map<number, number>();
  private lowestActiveHit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly ids: ObjectIds,
    private readonly equality: JsonEquality,
  ) {}

  /** Compares two schemas (absent ones allow anything) and emits what changed at `site`. */
  compare(oldSchema: unknown, newSchema: unknown, direction: Direction, site: SchemaSite): void {
    for (const change of this.pair(oldSchema, newSchema, direction)) {
      const base = change.side === 'old' ? site.oldPointer : site.newPointer;
      const where = change.field === '' ? '' : ` field \`${change.field}\``;
      site.scope.emit(
        change.classId,
        base + change.pointer,
        `${site.label}${where}: ${change.detail}`,
        change.side,
      );
    }
  }

  /** Whether two schemas read the same, for matching oneOf branches and comparing `not`. */
  private equivalent(a: unknown, b: unknown, direction: Direction): boolean {
    return this.pair(a, b, direction).length === 0;
  }

  private pair(oldSchema: unknown, newSchema: unknown, direction: Direction) {
    const oldObject = schemaObject(oldSchema);
    const newObject = schemaObject(newSchema);
    if (oldObject === newObject) return NO_CHANGES;
    const key = this.keyOf(oldObject, newObject, direction);
    const cached = this.done.get(key);
    if (cached !== undefined) return cached;
    if (this.equality.equal(oldObject, newObject)) {
      this.done.set(key, NO_CHANGES);
      return NO_CHANGES;
    }
    const activeDepth = this.active.get(key);
    if (activeDepth !== undefined) {
      this.lowestActiveHit = Math.min(this.lowestActiveHit, activeDepth);
      return NO_CHANGES;
    }
    const depth = this.active.size;
    this.active.set(key, depth);
    const outerHit = this.lowestActiveHit;
    this.lowestActiveHit = Number.POSITIVE_INFINITY;
    const out: SchemaChange[] = [];
    try {
      this.compareViews(oldObject, newObject, direction, out);
    } finally {
      this.active.delete(key);
    }
    const unresolved =
      this.lowestActiveHit < depth ? this.lowestActiveHit : Number.POSITIVE_INFINITY;
    if (unresolved === Number.POSITIVE_INFINITY) this.done.set(key, out);
    this.lowestActiveHit = Math.min(outerHit, unresolved);
    return out;
  }

  /** Compares a child pair and adds its changes under the child's pointers and field name. */
  private child(
    oldSchema: unknown,
    newSchema: unknown,
    direction: Direction,
    at: { readonly oldPointer: string; readonly newPointer: string; readonly field: string },
    out: SchemaChange[],
  ): void {
    const changes = this.pair(oldSchema, newSchema, direction);
    if (changes.length === 0) return;
    const key = this.keyOf(schemaObject(oldSchema), schemaObject(newSchema), direction);
    for (const change of changes) {
      if (change.via?.some((pair) => this.active.has(pair))) continue;
      out.push({
        ...change,
        pointer: (change.side === 'old' ? at.oldPointer : at.newPointer) + change.pointer,
        field: joinField(at.field, change.field),
        via: change.via === undefined ? [key] : [key, ...change.via],
      });
    }
  }

  private keyOf(oldObject: object, newObject: object, direction: Direction): number {
    return this.ids.pair(oldObject, newObject) * 2 + (direction === 'request' ? 0 : 1);
  }

  private compareViews(
    oldObject: JsonObject,
    newObject: JsonObject,
    direction: Direction,
    out: SchemaChange[],
  ) {
    const o = this.views.of(oldObject);
    const n = this.views.of(newObject);
    const emit = (classId: ChangeClassId, side: 'old' | 'new', pointer: string, detail: string) => {
      out.push({ classId, side, pointer, field: '', detail });
    };
    this.compareText(o, n, emit);
    if (!o.deprecated && n.deprecated) emit('field.deprecated', 'new', '', 'deprecated');

    if ((o.branches === undefined) !== (n.branches === undefined)) {
      this.compareBranching(oldObject, newObject, o, n, direction, emit);
      return;
    }

    compareKinds(o, n, direction, emit);
    compareEnums(o, n, direction, emit);
    const shared = sharedFamilies(o.kinds, n.kinds);
    compareConstraints(o, n, direction, shared, emit);
    if (direction === 'request') compareDefaults(o, n, emit);
    if (shared.has('object')) this.compareObjects(o, n, direction, out, emit);
    if (shared.has('array')) this.compareArrays(o, n, direction, out);
    this.compareComposition(o, n, direction, out, emit);
  }

  /**
   * A schema that became (or stopped being) a oneOf/anyOf cannot be compared keyword by keyword:
   * its parts moved into branches the other side does not have. Two things can still be told.
   * Whether the plain schema is one of the branches (`X` → `oneOf: [X, Y]`: branch Y was added).
   * Otherwise, the types each side admits (`string` → `oneOf` of objects, a `{type: 'null'}`
   * branch): a type change that breaks clients is reported as that type change; anything else
   * leaves a schema.composition.changed warning, since the rest was not compared.
   */
  private compareBranching(
    oldObject: JsonObject,
    newObject: JsonObject,
    o: SchemaView,
    n: SchemaView,
    direction: Direction,
    emit: Emit,
  ) {
    if (this.plainAmongBranches(oldObject, newObject, n.branches !== undefined, direction, emit)) {
      return;
    }
    const typeChange = compareKindSets(
      this.admitted.of(oldObject),
      this.admitted.of(newObject),
      compositionOf(newObject)?.pointer ?? n.kindsPointer,
      direction,
      emit,
    );
    if (typeChange === 'breaking') return;
    const detail =
      n.branches !== undefined
        ? `became a ${n.branches.keyword} of ${n.branches.schemas.length} schemas`
        : `is no longer a ${o.branches?.keyword}`;
    emit('schema.composition.changed', 'new', n.branches?.pointer ?? '', detail);
  }

  /**
   * `X` → `oneOf: [X, Y]`, and back: when the composed side is nothing but a oneOf/anyOf (no
   * keyword beside it constrains a value) and one branch reads the same as the plain side (its
   * text aside), the other branches were added (or removed), as between two oneOfs. Says whether
   * it found such a branch.
   */
  private plainAmongBranches(
    oldObject: JsonObject,
    newObject: JsonObject,
    newIsComposed: boolean,
    direction: Direction,
    emit: Emit,
  ): boolean {
    const composition = onlyComposition(newIsComposed ? newObject : oldObject);
    if (composition === undefined) return false;
    const same = composition.schemas.findIndex((branch) =>
      this.pair(
        newIsComposed ? oldObject : branch,
        newIsComposed ? branch : newObject,
        direction,
      ).every((change) => change.classId === 'description.changed'),
    );
    if (same < 0) return false;
    composition.schemas.forEach((_, index) => {
      if (index === same) return;
      const pointer = `${composition.pointer}/${index}`;
      if (newIsComposed) {
        emit(
          direction === 'request' ? 'request.type.widened' : 'response.type.widened',
          'new',
          pointer,
          `${composition.keyword} branch ${index} added`,
        );
      } else {
        emit(
          direction === 'request' ? 'request.type.narrowed' : 'response.type.narrowed',
          'old',
          pointer,
          `${composition.keyword} branch ${index} removed`,
        );
      }
    });
    return true;
  }

  private compareText(o: SchemaView, n: SchemaView, emit: Emit) {
    for (const keyword of ['title', 'description'] as const) {
      const before = o[keyword];
      const after = n[keyword];
      if (before?.value === after?.value) continue;
      const detail =
        before === undefined
          ? `${keyword} added`
          : after === undefined
            ? `${keyword} removed`
            : `${keyword} changed`;
      emit(
        'description.changed',
        after !== undefined ? 'new' : 'old',
        (after ?? before)?.pointer ?? '',
        detail,
      );
    }
  }

  private compareObjects(
    o: SchemaView,
    n: SchemaView,
    direction: Direction,
    out: SchemaChange[],
    emit: Emit,
  ) {
    const oldFields = this.visibleFields(o, direction);
    const newFields = this.visibleFields(n, direction);
    for (const [name, before] of oldFields) {
      const after = newFields.get(name);
      if (after === undefined) {
        const hidden = n.properties.has(name)
          ? ` (now ${direction === 'request' ? 'readOnly' : 'writeOnly'})`
          : '';
        out.push({
          classId:
            direction === 'request' ? 'request.property.removed' : 'response.property.removed',
          side: 'old',
          pointer: before.pointer,
          field: name,
          detail: `removed${hidden}`,
        });
        continue;
      }
      const wasRequired = o.required.has(name);
      const isRequired = n.required.has(name);
      if (wasRequired !== isRequired) {
        const classId: ChangeClassId =
          direction === 'request'
            ? isRequired
              ? 'request.property.became-required'
              : 'request.constraint.relaxed'
            : isRequired
              ? 'response.constraint.tightened'
              : 'response.property.became-optional';
        out.push({
          classId,
          side: isRequired ? 'new' : 'old',
          pointer: (isRequired ? n.required.get(name) : o.required.get(name)) ?? '',
          field: name,
          detail: isRequired ? 'now required' : 'no longer required',
        });
      }
      this.child(
        before.value,
        after.value,
        direction,
        {
          oldPointer: before.pointer,
          newPointer: after.pointer,
          field: name,
        },
        out,
      );
    }
    for (const [name, after] of newFields) {
      if (oldFields.has(name)) continue;
      const isRequired = n.required.has(name);
      out.push({
        classId:
          direction === 'response'
            ? 'response.property.added'
            : isRequired
              ? 'request.property.added-required'
              : 'request.property.added-optional',
        side: 'new',
        pointer: after.pointer,
        field: name,
        detail:
          direction === 'request' ? `added (${isRequired ? 'required' : 'optional'})` : 'added',
      });
    }
    this.compareOpenness(
      'additionalProperties',
      o.additionalProperties,
      n.additionalProperties,
      direction,
      out,
      emit,
    );
    this.compareOpenness(
      'unevaluatedProperties',
      o.unevaluatedProperties,
      n.unevaluatedProperties,
      direction,
      out,
      emit,
    );
  }

  /**
   * The fields a client sees in this direction, each with its schema and pointer: names under
   * `properties` or `required`, less readOnly ones in requests and writeOnly ones in responses.
   */
  private visibleFields(view: SchemaView, direction: Direction) {
    const fields = new Map<string, Located<unknown>>();
    const flag = direction === 'request' ? 'readOnly' : 'writeOnly';
    for (const [name, property] of view.properties) {
      // The flag is read from the schema itself; only an allOf needs the merged view.
      const raw = schemaObject(property.value);
      const hidden = raw[flag] === true || (raw.allOf !== undefined && this.views.of(raw)[flag]);
      if (!hidden) fields.set(name, property);
    }
    for (const [name, pointer] of view.required) {
      if (!view.properties.has(name)) fields.set(name, { value: ANY_SCHEMA, pointer });
    }
    return fields;
  }

  /** additionalProperties / unevaluatedProperties: open (absent, true), closed (false), a schema. */
  private compareOpenness(
    keyword: 'additionalProperties' | 'unevaluatedProperties',
    before: Located<unknown> | undefined,
    after: Located<unknown> | undefined,
    direction: Direction,
    out: SchemaChange[],
    emit: Emit,
  ) {
    const wasClosed = before?.value === false;
    const isClosed = after?.value === false;
    if (!wasClosed && isClosed) {
      if (direction === 'request') {
        emit(
          'request.additional-properties.closed',
          'new',
          after?.pointer ?? '',
          `${keyword} became false: unknown fields are refused`,
        );
      } else {
        emit(
          'response.constraint.tightened',
          'new',
          after?.pointer ?? '',
          `${keyword} became false`,
        );
      }
      return;
    }
    if (wasClosed && !isClosed) {
      const pointer = after?.pointer ?? before?.pointer ?? '';
      const side = after !== undefined ? 'new' : 'old';
      if (direction === 'request') {
        emit(
          'request.constraint.relaxed',
          side,
          pointer,
          `${keyword} no longer false: unknown fields are accepted`,
        );
      } else {
        emit(
          'response.constraint.relaxed',
          side,
          pointer,
          `${keyword} no longer false: unknown fields may be returned`,
        );
      }
      return;
    }
    const oldSchema = typeof before?.value === 'object' ? before.value : undefined;
    const newSchema = typeof after?.value === 'object' ? after.value : undefined;
    if (wasClosed || (oldSchema === undefined && newSchema === undefined)) return;
    this.child(
      oldSchema ?? ANY_SCHEMA,
      newSchema ?? ANY_SCHEMA,
      direction,
      {
        oldPointer: before?.pointer ?? '',
        newPointer: after?.pointer ?? '',
        field: '*',
      },
      out,
    );
  }

  private compareArrays(o: SchemaView, n: SchemaView, direction: Direction, out: SchemaChange[]) {
    if (o.items !== undefined || n.items !== undefined) {
      this.child(
        itemSchema(o.items?.value),
        itemSchema(n.items?.value),
        direction,
        {
          oldPointer: o.items?.pointer ?? '',
          newPointer: n.items?.pointer ?? '',
          field: '[]',
        },
        out,
      );
    }
    const oldTuple = o.prefixItems?.value ?? [];
    const newTuple = n.prefixItems?.value ?? [];
    for (let index = 0; index < Math.max(oldTuple.length, newTuple.length); index++) {
      this.child(
        oldTuple[index],
        newTuple[index],
        direction,
        {
          oldPointer: `${o.prefixItems?.pointer ?? ''}/${index}`,
          newPointer: `${n.prefixItems?.pointer ?? ''}/${index}`,
          field: `[${index}]`,
        },
        out,
      );
    }
  }

  /**
   * oneOf/anyOf branches are matched, not compared by position: by title, then by the
   * discriminator value a branch fixes, then by type when only one branch has it, then by
   * reading the same, and a last branch left on each side pairs with the other. Branches left
   * only in the old schema were removed, only in the new one added; branches left on both sides
   * cannot be told apart and give a schema.composition.changed warning instead of a guess.
   */
  private compareComposition(
    o: SchemaView,
    n: SchemaView,
    direction: Direction,
    out: SchemaChange[],
    emit: Emit,
  ) {
    if (o.discriminator?.value !== n.discriminator?.value) {
      emit(
        'schema.composition.changed',
        n.discriminator !== undefined ? 'new' : 'old',
        (n.discriminator ?? o.discriminator)?.pointer ?? '',
        `discriminator ${o.discriminator?.value ?? 'none'} → ${n.discriminator?.value ?? 'none'}`,
      );
    }
    if (o.not !== undefined || n.not !== undefined) {
      const same =
        o.not !== undefined &&
        n.not !== undefined &&
        this.equivalent(o.not.value, n.not.value, direction) &&
        this.equivalent(n.not.value, o.not.value, direction);
      if (!same) {
        emit(
          'schema.composition.changed',
          n.not !== undefined ? 'new' : 'old',
          (n.not ?? o.not)?.pointer ?? '',
          o.not === undefined
            ? '`not` added'
            : n.not === undefined
              ? '`not` removed'
              : '`not` changed',
        );
      }
    }
    const before = o.branches;
    const after = n.branches;
    if (before === undefined || after === undefined) return;
    if (before.keyword !== after.keyword) {
      emit(
        'schema.composition.changed',
        'new',
        after.pointer,
        `${before.keyword} → ${after.keyword}`,
      );
    }
    const oldLeft = new Set(before.schemas.keys());
    const newLeft = new Set(after.schemas.keys());
    const pairs: [number, number][] = [];
    const discriminator = n.discriminator?.value ?? o.discriminator?.value;
    const keyers = [
      (schema: unknown) => this.views.of(schema).title?.value,
      (schema: unknown) => this.discriminatorValue(schema, discriminator),
      (schema: unknown) => kindsKey(this.views.of(schema).kinds),
    ];
    for (const keyOf of keyers) {
      matchByKey(before.schemas, after.schemas, oldLeft, newLeft, keyOf, pairs);
    }
    for (const i of [...oldLeft]) {
      for (const j of newLeft) {
        if (this.equivalent(before.schemas[i], after.schemas[j], direction)) {
          pairs.push([i, j]);
          oldLeft.delete(i);
          newLeft.delete(j);
          break;
        }
      }
    }
    if (oldLeft.size === 1 && newLeft.size === 1) {
      pairs.push([[...oldLeft][0] as number, [...newLeft][0] as number]);
      oldLeft.clear();
      newLeft.clear();
    }
    for (const [i, j] of pairs) {
      this.child(
        before.schemas[i],
        after.schemas[j],
        direction,
        {
          oldPointer: `${before.pointer}/${i}`,
          newPointer: `${after.pointer}/${j}`,
          field: `${after.keyword}[${j}]`,
        },
        out,
      );
    }
    if (oldLeft.size > 0 && newLeft.size > 0) {
      emit(
        'schema.composition.changed',
        'new',
        after.pointer,
        `${after.keyword} branches changed in a way that cannot be matched (${oldLeft.size} old, ${newLeft.size} new)`,
      );
      return;
    }
    for (const i of oldLeft) {
      emit(
        direction === 'request' ? 'request.type.narrowed' : 'response.type.narrowed',
        'old',
        `${before.pointer}/${i}`,
        `${before.keyword} branch ${i} removed`,
      );
    }
    for (const j of newLeft) {
      emit(
        direction === 'request' ? 'request.type.widened' : 'response.type.widened',
        'new',
        `${after.pointer}/${j}`,
        `${after.keyword} branch ${j} added`,
      );
    }
  }

  /** The value a branch fixes for the discriminator property (`const` or a one-value enum). */
  private discriminatorValue(schema: unknown, property: string | undefined): string | undefined {
    if (property === undefined) return undefined;
    const field = this.views.of(schema).properties.get(property);
    const values = field === undefined ? undefined : this.views.of(field.value).enumValues?.value;
    return values?.length === 1 ? JSON.stringify(values[0]) : undefined;
  }
}

interface Composition {
  readonly keyword: 'oneOf' | 'anyOf';
  readonly schemas: readonly unknown[];
  readonly pointer: string;
}

/** A schema's own oneOf (or else anyOf) branches. */
function compositionOf(schema: JsonObject): Composition | undefined {
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const schemas = asArray(schema[keyword]);
    if (schemas.length > 0) return { keyword, schemas, pointer: `/${keyword}` };
  }
  return undefined;
}

/** Keywords that say nothing about which values a schema allows (or only how to tell branches apart). */
const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'deprecated',
  'example',
  'examples',
  'externalDocs',
  'discriminator',
  '$comment',
]);

/** The branches of a schema that is nothing but one oneOf or anyOf (and annotations). */
function onlyComposition(schema: JsonObject): Composition | undefined {
  const composition = compositionOf(schema);
  if (composition === undefined) return undefined;
  for (const key of Object.keys(schema)) {
    if (key !== composition.keyword && !ANNOTATIONS.has(key) && !key.startsWith('x-')) {
      return undefined;
    }
  }
  return composition;
}

function joinField(parent: string, child: string): string {
  if (child === '') return parent;
  if (parent === '' || child.startsWith('[')) return parent + child;
  return `${parent}.${child}`;
}

/** `items` as a schema: 3.1 `items: false` (no further items) reads as no value allowed. */
function itemSchema(value: unknown): unknown {
  if (value === false) return NO_SCHEMA;
  return value;
}

function matchByKey(
  oldSchemas: readonly unknown[],
  newSchemas: readonly unknown[],
  oldLeft: Set<number>,
  newLeft: Set<number>,
  keyOf: (schema: unknown) => string | undefined,
  pairs: [number, number][],
) {
  const index = (schemas: readonly unknown[], left: Set<number>) => {
    const byKey = new Map<string, number[]>();
    for (const i of left) {
      const key = keyOf(schemas[i]);
      if (key === undefined) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), i]);
    }
    return byKey;
  };
  const oldKeys = index(oldSchemas, oldLeft);
  const newKeys = index(newSchemas, newLeft);
  for (const [key, olds] of oldKeys) {
    const news = newKeys.get(key);
    if (olds.length !== 1 || news?.length !== 1) continue;
    const [i] = olds as [number];
    const [j] = news as [number];
    pairs.push([i, j]);
    oldLeft.delete(i);
    newLeft.delete(j);
  }
}
