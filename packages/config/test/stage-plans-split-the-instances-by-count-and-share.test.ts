import { expect, it } from 'vitest';
import { DEFAULT_STAGE_PLAN, planStages } from '../src/index.js';

const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `i-${String(i + 1).padStart(2, '0')}`);

it('one instance, then half, then all, by default', () => {
  expect(planStages(DEFAULT_STAGE_PLAN, ids(4))).toEqual([['i-01'], ['i-02'], ['i-03', 'i-04']]);
  expect(planStages(DEFAULT_STAGE_PLAN, ids(10)).map((s) => s.length)).toEqual([1, 4, 5]);
  // "One" and "half" of two are the same instance: no empty stage.
  expect(planStages(DEFAULT_STAGE_PLAN, ids(2))).toEqual([['i-01'], ['i-02']]);
  expect(planStages(DEFAULT_STAGE_PLAN, ids(1))).toEqual([['i-01']]);
  expect(planStages(DEFAULT_STAGE_PLAN, ids(3))).toEqual([['i-01'], ['i-02'], ['i-03']]);
});

it('takes counts and shares cumulatively, and always ends with every instance', () => {
  expect(planStages([{ count: 2 }, { count: 5 }], ids(6)).map((s) => s.length)).toEqual([2, 3, 1]);
  expect(planStages([{ share: 0.1 }], ids(20)).map((s) => s.length)).toEqual([2, 18]);
  expect(planStages([{ count: 50 }], ids(3))).toEqual([['i-01', 'i-02', 'i-03']]);
  // Sorted and without repeats, whatever order the instances came in.
  expect(planStages([{ count: 1 }, { share: 1 }], ['b', 'a', 'b'])).toEqual([['a'], ['b']]);
});

it('refuses a plan that cannot be followed', () => {
  expect(() => planStages([{ count: 0 }], ids(3))).toThrow(/count must be a whole number >= 1/);
  expect(() => planStages([{ share: 0 }], ids(3))).toThrow(/share must be more than 0/);
  expect(() => planStages([], ids(3))).toThrow(/1 to 20 stages/);
});
