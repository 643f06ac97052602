import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANGE_CLASSES, diffContracts } from '../src/index.js';
import { fixture, loadPair } from './openapi-documents.js';

// One fixture pair per class under fixtures/classes/<class-id>/{old,new}.yaml. Each pair is made
// to show its class and nothing else, so a change landing in the wrong class fails here.
describe('every change class has a fixture pair that produces it at its level', () => {
  it('has exactly one fixture pair per catalogued class', () => {
    const pairs = readdirSync(fixture('classes')).sort();
    expect(pairs).toEqual(CHANGE_CLASSES.map((c) => c.id).sort());
  });

  it.each(CHANGE_CLASSES.map((c) => [c.id, c] as const))('%s', async (id, changeClass) => {
    const dir = fixture('classes', id);
    expect(
      existsSync(`${dir}/old.yaml`) && existsSync(`${dir}/new.yaml`),
      `no fixture pair for ${id}`,
    ).toBe(true);
    const [older, newer] = await loadPair(dir);
    const diff = diffContracts(older, newer);

    expect([...new Set(diff.changes.map((change) => change.classId))]).toEqual([id]);
    for (const change of diff.changes) {
      expect(change.level).toBe(changeClass.level);
      expect(change.message).not.toMatch(/\n/);
      expect(change.pointer).toMatch(/^\//);
    }
    expect(diff.counts[changeClass.level]).toBe(diff.changes.length);
    expect(diff.verdict).toBe(changeClass.level === 'error' ? 'fail' : 'pass');
    expect(diff.breaking).toBe(changeClass.level === 'error' ? diff.changes.length : 0);
  });

  it('catalogues unique ids, each with a level, a one-line title and example', () => {
    const ids = CHANGE_CLASSES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CHANGE_CLASSES) {
      expect(c.id).toMatch(/^[a-z]+(\.[a-z-]+)+$/);
      expect(['error', 'warning', 'info']).toContain(c.level);
      expect(c.title).not.toMatch(/\n/);
      expect(c.example).not.toMatch(/\n/);
    }
  });
});
