import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../src/evidence/model.js';
import { renderJson } from '../src/report/json.js';
import { sampleBundle } from './fixtures/report/sample-bundle.js';

/** The same content with every object's keys in reverse order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  ) as T;
}

describe('the JSON report', () => {
  it('reads back as the same bundle', () => {
    const bundle = sampleBundle();
    const text = renderJson(bundle);
    expect(JSON.parse(text) as EvidenceBundle).toEqual(bundle);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes the same bytes whatever order the keys were built in, with keys sorted', () => {
    const bundle = sampleBundle();
    const shuffled = reversedKeys(bundle);
    expect(Object.keys(shuffled)[0]).not.toBe(Object.keys(bundle)[0]);
    const text = renderJson(bundle);
    expect(renderJson(shuffled)).toBe(text);
    const topKeys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
    expect(topKeys).toEqual([...topKeys].sort());
    expect(topKeys).toContain('summary');
    // Arrays keep their order: criteria stay in plan order.
    expect((JSON.parse(text) as EvidenceBundle).criteria.map((c) => c.id)).toEqual(
      bundle.criteria.map((c) => c.id),
    );
  });
});
