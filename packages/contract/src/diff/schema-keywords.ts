import type { ChangeClassId } from '../classes.js';
import { showValue, showValues } from './json-values.js';
import {
  type Bound,
  boundIsStricter,
  type Kind,
  type Located,
  type SchemaView,
} from './schema-view.js';

/**
 * The keyword rules of the schema comparison: types, enums, constraints and defaults, each
 * judged in the direction the data flows. Structure (properties, items, branches) is compared
 * by SchemaComparer, which calls these for every schema pair.
 */

/**
 * Which way values flow through a schema. `request`: clients send it, so the new schema must
 * accept everything the old one did (narrowing breaks). `response`: clients read it, so the new
 * schema must return nothing the old one could not (widening breaks).
 */
export type Direction = 'request' | 'response';

/** Reports one change found on a schema pair (relative pointer; `old` for what the new lacks). */
export type Emit = (
  classId: ChangeClassId,
  side: 'old' | 'new',
  pointer: string,
  detail: string,
) => void;

export type Family = 'string' | 'number' | 'array' | 'object';

/** The class a tightening of each constraint gets in a request. */
const REQUEST_TIGHTENED: Readonly<Record<string, ChangeClassId>> = {
  maximum: 'request.maximum.reduced',
  minimum: 'request.minimum.raised',
  maxLength: 'request.max-length.reduced',
  minLength: 'request.min-length.raised',
  maxItems: 'request.max-items.reduced',
  minItems: 'request.min-items.raised',
  format: 'request.format.changed',
  pattern: 'request.pattern.changed',
};

/** How one constraint changed: whether each side's values all satisfy the other side. */
interface ConstraintChange {
  readonly keyword: string;
  readonly oldFitsNew: boolean;
  readonly newFitsOld: boolean;
  readonly detail: string;
  readonly side: 'old' | 'new';
  readonly pointer: string;
}

/** A key for matching oneOf/anyOf branches by the types they allow. */
export function kindsKey(kinds: ReadonlySet<Kind> | undefined): string | undefined {
  return kinds === undefined ? undefined : [...kinds].sort().join('|');
}

function familiesOf(kinds: ReadonlySet<Kind> | undefined): Set<Family> {
  if (kinds === undefined) return new Set(['string', 'number', 'array', 'object']);
  const families = new Set<Family>();
  for (const kind of kinds) {
    if (kind === 'integer' || kind === 'number') families.add('number');
    else if (kind === 'string' || kind === 'array' || kind === 'object') families.add(kind);
  }
  return families;
}

/**
 * The keyword families both schemas allow: only their constraints are compared (a string's
 * maxLength says nothing once the value became an integer; the type change is the report).
 */
export function sharedFamilies(a: ReadonlySet<Kind> | undefined, b: ReadonlySet<Kind> | undefined) {
  const before = familiesOf(a);
  return new Set([...familiesOf(b)].filter((family) => before.has(family)));
}

/** Kinds in `a` that `b` does not allow (integer is a number); undefined means any type. */
function kindsMissing(
  a: ReadonlySet<Kind> | undefined,
  b: ReadonlySet<Kind> | undefined,
): Kind[] | 'any' {
  if (b === undefined) return [];
  if (a === undefined) return 'any';
  return [...a].filter((kind) => !(b.has(kind) || (kind === 'integer' && b.has('number'))));
}

function showKinds(kinds: ReadonlySet<Kind> | undefined): string {
  return kinds === undefined ? 'any type' : kinds.size === 0 ? 'nothing' : [...kinds].join(' | ');
}

/** What a type change does to clients in the direction the data flows. */
export type KindChange = 'none' | 'compatible' | 'breaking';

export function compareKinds(o: SchemaView, n: SchemaView, direction: Direction, emit: Emit) {
  compareKindSets(o.kinds, n.kinds, n.kindsPointer, direction, emit);
}

/**
 * Compares the types two schemas allow (undefined: any) and emits the type class the change
 * gets in this direction, at `pointer` in the new schema. Says whether it breaks clients: a
 * caller with more to compare may still have to warn about what it could not.
 */
export function compareKindSets(
  before: ReadonlySet<Kind> | undefined,
  after: ReadonlySet<Kind> | undefined,
  pointer: string,
  direction: Direction,
  emit: Emit,
): KindChange {
  const lost = kindsMissing(before, after);
  const gained = kindsMissing(after, before);
  const nullOnly = (kinds: Kind[] | 'any') =>
    kinds !== 'any' && kinds.length === 1 && kinds[0] === 'null';
  const change = `type ${showKinds(before)} → ${showKinds(after)}`;
  if (direction === 'request') {
    if (lost.length > 0) {
      emit(
        'request.type.narrowed',
        'new',
        pointer,
        nullOnly(lost) ? 'no longer accepts null' : change,
      );
      return 'breaking';
    }
    if (gained.length > 0) {
      emit('request.type.widened', 'new', pointer, nullOnly(gained) ? 'now accepts null' : change);
      return 'compatible';
    }
  } else {
    if (gained.length > 0) {
      emit('response.type.widened', 'new', pointer, nullOnly(gained) ? 'may now be null' : change);
      return 'breaking';
    }
    if (lost.length > 0) {
      emit('response.type.narrowed', 'new', pointer, nullOnly(lost) ? 'no longer null' : change);
      return 'compatible';
    }
  }
  return 'none';
}

export function compareEnums(o: SchemaView, n: SchemaView, direction: Direction, emit: Emit) {
  const before = o.enumValues;
  const after = n.enumValues;
  if (before === undefined && after === undefined) return;
  if (before === undefined && after !== undefined) {
    const detail = `now limited to ${showValues(after.value)}`;
    if (direction === 'request') emit('request.enum.value-removed', 'new', after.pointer, detail);
    else emit('response.enum.value-removed', 'new', after.pointer, detail);
    return;
  }
  if (before !== undefined && after === undefined) {
    const detail = `no longer limited to ${showValues(before.value)}`;
    if (direction === 'request') emit('request.constraint.relaxed', 'old', before.pointer, detail);
    else
      emit(
        'response.enum.value-added',
        'old',
        before.pointer,
        `${detail}: any value may be returned`,
      );
    return;
  }
  if (before === undefined || after === undefined) return;
  const keys = (values: readonly unknown[]) =>
    new Set(values.map((value) => JSON.stringify(value)));
  const oldKeys = keys(before.value);
  const newKeys = keys(after.value);
  const removed = before.value.filter((value) => !newKeys.has(JSON.stringify(value)));
  const added = after.value.filter((value) => !oldKeys.has(JSON.stringify(value)));
  if (removed.length > 0) {
    const detail = `enum value${removed.length > 1 ? 's' : ''} ${showValues(removed)} removed`;
    emit(
      direction === 'request' ? 'request.enum.value-removed' : 'response.enum.value-removed',
      'new',
      after.pointer,
      detail,
    );
  }
  if (added.length > 0) {
    const detail = `enum value${added.length > 1 ? 's' : ''} ${showValues(added)} added`;
    emit(
      direction === 'request' ? 'request.enum.value-added' : 'response.enum.value-added',
      'new',
      after.pointer,
      detail,
    );
  }
}

function describe(keyword: string, before: unknown, after: unknown): string {
  if (before === undefined) return `${keyword} ${showConstraint(after)} added`;
  if (after === undefined) return `${keyword} ${showConstraint(before)} removed`;
  return `${keyword} ${showConstraint(before)} → ${showConstraint(after)}`;
}

function showConstraint(value: unknown): string {
  return typeof value === 'string' ? `\`${value}\`` : String(value);
}

function locate(before: { pointer: string } | undefined, after: { pointer: string } | undefined) {
  return after !== undefined
    ? { side: 'new' as const, pointer: after.pointer }
    : { side: 'old' as const, pointer: before?.pointer ?? '' };
}

/** format, pattern: any value of the keyword is its own set; only absence is looser. */
function compareTextConstraint(
  keyword: 'format' | 'pattern',
  before: Located<string> | undefined,
  after: Located<string> | undefined,
): ConstraintChange | undefined {
  if (before?.value === after?.value) return undefined;
  return {
    keyword,
    oldFitsNew: after === undefined,
    newFitsOld: before === undefined,
    detail: describe(keyword, before?.value, after?.value),
    ...locate(before, after),
  };
}

/** maxLength, minItems, …: a limit that is lower (max) or higher (min) allows fewer values. */
function compareCount(
  keyword: string,
  before: Located<number> | undefined,
  after: Located<number> | undefined,
  isMaximum: boolean,
): ConstraintChange | undefined {
  if (before?.value === after?.value) return undefined;
  const within = (a: Located<number> | undefined, b: Located<number> | undefined) =>
    b === undefined || (a !== undefined && (isMaximum ? a.value <= b.value : a.value >= b.value));
  return {
    keyword,
    oldFitsNew: within(before, after),
    newFitsOld: within(after, before),
    detail: describe(keyword, before?.value, after?.value),
    ...locate(before, after),
  };
}

function compareBound(
  keyword: 'maximum' | 'minimum',
  before: Bound | undefined,
  after: Bound | undefined,
  upper: boolean,
): ConstraintChange | undefined {
  if (before?.value === after?.value && before?.exclusive === after?.exclusive) return undefined;
  const within = (a: Bound | undefined, b: Bound | undefined) =>
    b === undefined || (a !== undefined && !boundIsStricter(b, a, upper));
  const show = (bound: Bound | undefined) =>
    bound === undefined ? undefined : `${bound.exclusive ? 'exclusive ' : ''}${bound.value}`;
  return {
    keyword,
    oldFitsNew: within(before, after),
    newFitsOld: within(after, before),
    detail: describe(keyword, show(before), show(after)).replaceAll('`', ''),
    ...locate(before, after),
  };
}

function compareMultipleOf(
  before: Located<number> | undefined,
  after: Located<number> | undefined,
): ConstraintChange | undefined {
  if (before?.value === after?.value) return undefined;
  // Multiples of b are all multiples of a when b is a multiple of a.
  const multiple = (b: number, a: number) => Number.isInteger(Number((b / a).toFixed(9)));
  return {
    keyword: 'multipleOf',
    oldFitsNew:
      after === undefined || (before !== undefined && multiple(before.value, after.value)),
    newFitsOld:
      before === undefined || (after !== undefined && multiple(after.value, before.value)),
    detail: describe('multipleOf', before?.value, after?.value),
    ...locate(before, after),
  };
}

function compareFlag(
  keyword: string,
  before: Located<boolean> | undefined,
  after: Located<boolean> | undefined,
): ConstraintChange | undefined {
  if ((before?.value ?? false) === (after?.value ?? false)) return undefined;
  return {
    keyword,
    oldFitsNew: after === undefined,
    newFitsOld: before === undefined,
    detail: `${keyword} ${after !== undefined ? 'added' : 'removed'}`,
    ...locate(before, after),
  };
}

function emitConstraint(change: ConstraintChange, direction: Direction, emit: Emit) {
  if (direction === 'request') {
    if (!change.oldFitsNew) {
      emit(
        REQUEST_TIGHTENED[change.keyword] ?? 'request.constraint.tightened',
        change.side,
        change.pointer,
        change.detail,
      );
    } else if (!change.newFitsOld) {
      emit('request.constraint.relaxed', change.side, change.pointer, change.detail);
    }
  } else if (!change.newFitsOld) {
    emit('response.constraint.relaxed', change.side, change.pointer, change.detail);
  } else if (!change.oldFitsNew) {
    emit('response.constraint.tightened', change.side, change.pointer, change.detail);
  }
}

/** Constraints of the keyword families both schemas allow (a string's maxLength, …). */
export function compareConstraints(
  o: SchemaView,
  n: SchemaView,
  direction: Direction,
  shared: ReadonlySet<Family>,
  emit: Emit,
): void {
  // format applies to numbers (int32, double) as well as strings.
  const constraints: (ConstraintChange | undefined)[] = [
    compareTextConstraint('format', o.format, n.format),
  ];
  if (shared.has('string')) {
    constraints.push(
      compareTextConstraint('pattern', o.pattern, n.pattern),
      compareCount('maxLength', o.maxLength, n.maxLength, true),
      compareCount('minLength', o.minLength, n.minLength, false),
    );
  }
  if (shared.has('number')) {
    constraints.push(
      compareBound('maximum', o.maximum, n.maximum, true),
      compareBound('minimum', o.minimum, n.minimum, false),
      compareMultipleOf(o.multipleOf, n.multipleOf),
    );
  }
  if (shared.has('array')) {
    constraints.push(
      compareCount('maxItems', o.maxItems, n.maxItems, true),
      compareCount('minItems', o.minItems, n.minItems, false),
      compareFlag('uniqueItems', o.uniqueItems, n.uniqueItems),
    );
  }
  if (shared.has('object')) {
    constraints.push(
      compareCount('maxProperties', o.maxProperties, n.maxProperties, true),
      compareCount('minProperties', o.minProperties, n.minProperties, false),
    );
  }
  for (const change of constraints) {
    if (change !== undefined) emitConstraint(change, direction, emit);
  }
}

/**
 * A changed default of a sent value: clients that leave it out get other behaviour. Adding or
 * removing a default only documents what the server does, so only a changed value counts.
 */
export function compareDefaults(o: SchemaView, n: SchemaView, emit: Emit): void {
  if (o.defaultValue === undefined || n.defaultValue === undefined) return;
  if (JSON.stringify(o.defaultValue.value) === JSON.stringify(n.defaultValue.value)) return;
  emit(
    'request.default.changed',
    'new',
    n.defaultValue.pointer,
    `default ${showValue(o.defaultValue.value)} → ${showValue(n.defaultValue.value)}`,
  );
}
